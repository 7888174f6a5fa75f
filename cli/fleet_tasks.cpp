#include "cli/fleet_tasks.hpp"

#include "cli/settings.hpp"
#include "engine/text/text.hpp"
#include "net/url.hpp"
#include "providers/registry.hpp"

#include <algorithm>

namespace r1::cli {

void fleet_builder::apply_cli(deploy_config& cfg) const {
    for (const auto& k : base_.cli_keys)
        if (const auto* s = find_key(k)) copy_setting(*s, base_.cli, cfg);
    cfg.dry_run = base_.cli.dry_run;
    cfg.verify_only = base_.cli.verify_only || base_.verify;
}

void fleet_builder::add(fleet_task task, std::size_t name_line) {
    auto& cfg = task.cfg;
    std::size_t line = task.line;
    const auto& registry = providers::registry::builtin();
    const providers::provider* provider = registry.find(cfg.provider);
    if (!provider) {
        problem(line, registry.why_not(cfg.provider));
    } else {
        // Checked with the provider's defaults, kept without them: the deploy applies them itself.
        deploy_config checked = cfg;
        provider->apply_defaults(checked);
        for (auto& why : provider->problems(checked)) problem(line, std::move(why));
        // Region caps count only deploys to a provider that has regions: one that fills in a
        // default region (fly); the others ignore `region` (a mixed manifest's [defaults] may set it).
        deploy_config probe;
        provider->apply_defaults(probe);
        if (!probe.region.empty()) task.region = checked.region;
    }
    if (!task.name.empty()) {
        auto why = provider ? provider->app_name_problem(task.name) : std::string();
        if (!why.empty()) problem(name_line, why);
        else if (auto [it, fresh] = seen_.emplace(task.name, name_line); !fresh)
            problem(name_line, "duplicate app name " + engine::quoted(task.name) + " (first at line " +
                                   std::to_string(it->second) + ")");
    } else if (!base_.verify && !cfg.verify_only) {
        problem(line, "this [[app]] has no name (name = \"...\")");
    } else if (cfg.health_url.empty()) {
        problem(line, "this [[app]] has neither a name nor a health_url to check");
    }
    if (!cfg.health_url.empty())
        if (auto why = net::describe_url_error(cfg.health_url); !why.empty()) problem(line, "invalid health_url: " + why);
    if (!cfg.browser_url.empty())
        if (auto why = net::describe_url_error(cfg.browser_url); !why.empty()) problem(line, "invalid browser_url: " + why);
    if (!cfg.dir.empty() && cfg.dir.front() != '/' && !base_.base_dir.empty()) cfg.dir = base_.base_dir + "/" + cfg.dir;
    cfg.app = task.name;
    if (task.name.empty()) task.name = cfg.health_url;
    out_.tasks.push_back(std::move(task));
}

fleet_manifest fleet_builder::finish() {
    std::stable_sort(out_.problems.begin(), out_.problems.end(), [](const auto& a, const auto& b) { return a.line < b.line; });
    if (!out_.problems.empty()) out_.tasks.clear();
    return std::move(out_);
}

void fleet_builder::reserve(std::size_t n) { out_.tasks.reserve(std::min(n, max_fleet_tasks)); }

fleet_manifest too_large() {
    return {{}, {{0, "the file is larger than " + std::to_string(max_manifest_bytes / (1024 * 1024)) + " MiB"}}};
}

}  // namespace r1::cli
