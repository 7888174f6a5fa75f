#include "cli/fleet_tasks.hpp"

#include "cli/settings.hpp"
#include "engine/text/text.hpp"
#include "net/url.hpp"
#include "providers/provider.hpp"
#include "providers/registry.hpp"

#include <algorithm>

namespace r1::cli {

void fleet_builder::apply_cli(deploy_config& cfg) const {
    for (const auto& k : base_.cli_keys)
        if (const auto* s = find_key(k)) copy_setting(*s, base_.cli, cfg);
    cfg.dry_run = base_.cli.dry_run;
    cfg.verify_only = base_.cli.verify_only || base_.verify;
}

std::size_t key_lines::of(std::string_view key) const {
    std::size_t line = header;
    for (const auto& [k, l] : at)
        if (k == key) line = l;
    return line;
}

bool key_lines::has(std::string_view key) const {
    return std::any_of(at.begin(), at.end(), [&](const auto& e) { return e.first == key; });
}

void fleet_builder::setting_problem(const key_lines& lines, const providers::setting_problem& p) {
    std::string message = p.message;
    const setting* s = find_key(p.key);
    bool from_cli = s && !lines.has(p.key) &&
                    std::find(base_.cli_keys.begin(), base_.cli_keys.end(), p.key) != base_.cli_keys.end();
    if (from_cli) {
        message += " (given on the command line)";
    } else if (s && s->flag != passthrough_marker) {
        // "invalid --region ..." / "--image is not ..." name the flag; a manifest names the key.
        const std::string flag(s->flag);
        if (message.starts_with("invalid " + flag)) message.replace(8, flag.size(), p.key);
        else if (message.starts_with(flag + " ") || message.starts_with(flag + ":")) message.replace(0, flag.size(), p.key);
    }
    problem(p.key.empty() ? lines.header : lines.of(p.key), std::move(message));
}

void fleet_builder::add(fleet_task task, std::size_t name_line) {
    const std::size_t header = task.line;
    add(std::move(task), key_lines{.header = header, .name = name_line, .at = {}});
}

void fleet_builder::add(fleet_task task, const key_lines& lines) {
    auto& cfg = task.cfg;
    const std::size_t line = lines.header;
    const std::size_t name_line = lines.name;
    // A relative dir is the manifest's: the provider's checks below read files there (fly.toml).
    if (!cfg.dir.empty() && cfg.dir.front() != '/' && !base_.base_dir.empty()) cfg.dir = base_.base_dir + "/" + cfg.dir;
    const auto& registry = providers::registry::builtin();
    const providers::provider* provider = registry.find(cfg.provider);
    if (!provider) {
        problem(lines.of("provider"), registry.why_not(cfg.provider));
    } else {
        // Checked with the provider's defaults, kept without them: the deploy applies them itself.
        deploy_config checked = cfg;
        provider->apply_defaults(checked);
        for (const auto& why : provider->problems(checked)) setting_problem(lines, why);
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
        if (auto why = net::describe_url_error(cfg.health_url); !why.empty())
            problem(lines.of("health_url"), "invalid health_url: " + why);
    if (!cfg.browser_url.empty())
        if (auto why = net::describe_url_error(cfg.browser_url); !why.empty())
            problem(lines.of("browser_url"), "invalid browser_url: " + why);
    // Two apps checked at one URL run, but one of them is probably a copy-paste slip: a warning
    // (a URL list, where the URL is all a task is, refuses a duplicate outright).
    cfg.app = task.name;
    if (!task.name.empty() && provider) {
        std::string url = cfg.health_url.empty() ? provider->default_health_url(cfg, nullptr) : cfg.health_url;
        if (!url.empty()) {
            auto at = lines.has("health_url") ? lines.of("health_url") : name_line;
            if (auto [it, fresh] = urls_.try_emplace(url, task.name, at); !fresh)
                out_.warnings.push_back({at, "app " + engine::quoted(task.name) + " is checked at the same URL as app " +
                                                 engine::quoted(it->second.first) + " (line " +
                                                 std::to_string(it->second.second) + "): " + engine::quoted(url, 200) +
                                                 "; both are deployed and checked"});
        }
    }
    if (task.name.empty()) task.name = cfg.health_url;
    out_.tasks.push_back(std::move(task));
}

fleet_manifest fleet_builder::finish() {
    std::stable_sort(out_.problems.begin(), out_.problems.end(), [](const auto& a, const auto& b) { return a.line < b.line; });
    std::stable_sort(out_.warnings.begin(), out_.warnings.end(), [](const auto& a, const auto& b) { return a.line < b.line; });
    if (!out_.problems.empty()) out_.tasks.clear();
    return std::move(out_);
}

void fleet_builder::reserve(std::size_t n) { out_.tasks.reserve(std::min(n, max_fleet_tasks)); }

fleet_manifest too_large() {
    return {{}, {{0, "the file is larger than " + std::to_string(max_manifest_bytes / (1024 * 1024)) + " MiB"}}};
}

}  // namespace r1::cli
