#include "providers/manifest.hpp"

#include "engine/duration.hpp"
#include "engine/text.hpp"
#include "net/url.hpp"
#include "providers/deploy_values.hpp"
#include "providers/fly_app_name.hpp"
#include "providers/registry.hpp"
#include "providers/toml_reader.hpp"

#include <algorithm>
#include <array>
#include <map>

namespace r1::providers {
namespace {

using engine::quoted;

constexpr std::array<std::string_view, 13> keys{
    "provider", "name", "region", "image", "dir", "flyctl", "health_url", "expected_body",
    "health_timeout", "deploy_timeout", "retries", "retry_budget", "allow_insecure_redirects"};

constexpr std::size_t max_value_length = 8192;

class builder {
public:
    explicit builder(const manifest_base& base) : base_(base) {}

    void problem(std::size_t line, std::string message) { out_.problems.push_back({line, std::move(message)}); }

    /// Sets one key on `cfg`; false (with a problem) when the key or its value is wrong.
    void apply(deploy_config& cfg, const toml_entry& e, bool in_defaults, std::string& name) {
        auto need_string = [&]() -> const std::string* {
            const auto* s = std::get_if<std::string>(&e.value);
            if (!s) problem(e.line, e.key + " must be a string, not a " + std::string(toml_type_name(e.value)));
            else if (s->size() > max_value_length)
                problem(e.line, e.key + " is longer than " + std::to_string(max_value_length) + " bytes");
            else return s;
            return nullptr;
        };
        auto duration = [&](std::chrono::milliseconds& field) {
            const auto* s = std::get_if<std::string>(&e.value);
            if (!s) {
                problem(e.line, e.key + " must be a duration string like \"15s\" or \"2m\"");
                return;
            }
            auto d = engine::parse_duration(*s);
            if (!d) problem(e.line, e.key + " " + quoted(*s) + " is not a duration like 500ms, 15s, 2m or 1h30m (at most 168h)");
            else field = *d;
        };
        const auto& k = e.key;
        if (k == "name") {
            if (in_defaults) problem(e.line, "name belongs in an [[app]] table, not in [defaults]");
            else if (auto* s = need_string()) name = *s;
        } else if (k == "provider") {
            if (auto* s = need_string()) cfg.provider = *s;
        } else if (k == "region") {
            if (auto* s = need_string()) cfg.region = *s;
        } else if (k == "image") {
            if (auto* s = need_string()) cfg.image = *s;
        } else if (k == "dir") {
            if (auto* s = need_string()) cfg.dir = *s;
        } else if (k == "flyctl") {
            if (auto* s = need_string()) cfg.flyctl = *s;
        } else if (k == "health_url") {
            if (auto* s = need_string()) cfg.health_url = *s;
        } else if (k == "expected_body") {
            if (auto* s = need_string()) cfg.expected_body = *s;
        } else if (k == "health_timeout") {
            duration(cfg.health_timeout);
        } else if (k == "deploy_timeout") {
            duration(cfg.deploy_timeout);
        } else if (k == "retry_budget") {
            duration(cfg.retry_budget);
        } else if (k == "allow_insecure_redirects") {
            if (const auto* b = std::get_if<bool>(&e.value)) cfg.allow_insecure_redirects = *b;
            else problem(e.line, "allow_insecure_redirects must be true or false");
        } else if (k == "retries") {
            const auto* n = std::get_if<std::int64_t>(&e.value);
            if (!n || *n < 0 || *n > 99) problem(e.line, "retries must be a whole number from 0 to 99");
            else cfg.retries = static_cast<unsigned>(*n);
        } else {
            auto guess = did_you_mean(k, keys);
            problem(e.line, "unknown key " + quoted(k) +
                                (guess.empty() ? " (keys: provider, name, region, image, dir, flyctl, health_url, "
                                                 "expected_body, health_timeout, deploy_timeout, retries, retry_budget, "
                                                 "allow_insecure_redirects)"
                                               : " (did you mean \"" + std::string(guess) + "\"?)"));
        }
    }

    /// The flags the command line gave win over [defaults].
    void apply_cli(deploy_config& cfg) const {
        const auto& c = base_.cli;
        for (const auto& k : base_.cli_keys) {
            if (k == "provider") cfg.provider = c.provider;
            else if (k == "region") cfg.region = c.region;
            else if (k == "image") cfg.image = c.image;
            else if (k == "dir") cfg.dir = c.dir;
            else if (k == "flyctl") cfg.flyctl = c.flyctl;
            else if (k == "health_url") cfg.health_url = c.health_url;
            else if (k == "expected_body") cfg.expected_body = c.expected_body;
            else if (k == "health_timeout") cfg.health_timeout = c.health_timeout;
            else if (k == "deploy_timeout") cfg.deploy_timeout = c.deploy_timeout;
            else if (k == "retries") cfg.retries = c.retries;
            else if (k == "retry_budget") cfg.retry_budget = c.retry_budget;
            else if (k == "allow_insecure_redirects") cfg.allow_insecure_redirects = c.allow_insecure_redirects;
        }
        cfg.dry_run = c.dry_run;
        cfg.verify_only = c.verify_only || base_.verify;
    }

    /// Checks one merged task and adds it.
    void add(fleet_task task, std::size_t name_line) {
        auto& cfg = task.cfg;
        std::size_t line = task.line;
        if (auto why = provider_problem(cfg.provider); !why.empty()) problem(line, why);
        if (auto why = region_problem(cfg.region); !why.empty()) problem(line, why);
        if (!cfg.image.empty())
            if (auto why = image_problem(cfg.image); !why.empty()) problem(line, why);
        if (!task.name.empty()) {
            if (auto why = fly_app_name_problem(task.name); !why.empty()) problem(name_line, why);
            else if (auto [it, fresh] = seen_.emplace(task.name, name_line); !fresh)
                problem(name_line, "duplicate app name " + quoted(task.name) + " (first at line " +
                                       std::to_string(it->second) + ")");
        } else if (!base_.verify && !cfg.verify_only) {
            problem(line, "this [[app]] has no name (name = \"...\")");
        } else if (cfg.health_url.empty()) {
            problem(line, "this [[app]] has neither a name nor a health_url to check");
        }
        if (!cfg.health_url.empty())
            if (auto why = net::describe_url_error(cfg.health_url); !why.empty())
                problem(line, "invalid health_url: " + why);
        if (!cfg.dir.empty() && cfg.dir.front() != '/' && !base_.base_dir.empty()) cfg.dir = base_.base_dir + "/" + cfg.dir;
        cfg.app = task.name;
        if (task.name.empty()) task.name = cfg.health_url;
        out_.tasks.push_back(std::move(task));
    }

    fleet_manifest finish() {
        std::stable_sort(out_.problems.begin(), out_.problems.end(),
                         [](const auto& a, const auto& b) { return a.line < b.line; });
        if (!out_.problems.empty()) out_.tasks.clear();
        return std::move(out_);
    }

    const manifest_base& base() const { return base_; }
    std::size_t task_count() const { return out_.tasks.size(); }
    /// Room for the tasks up front: a fleet's task list lives for the whole run, and growing it by
    /// doubling would leave up to half of it unused (~2 MB at 10,000 URLs).
    void reserve(std::size_t n) { out_.tasks.reserve(std::min(n, max_fleet_tasks)); }

private:
    const manifest_base& base_;
    fleet_manifest out_;
    std::map<std::string, std::size_t, std::less<>> seen_;
};

std::string_view trimmed(std::string_view s) {
    while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
    while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\r')) s.remove_suffix(1);
    return s;
}

std::size_t edit_distance(std::string_view a, std::string_view b) {
    std::vector<std::size_t> row(b.size() + 1);
    for (std::size_t j = 0; j <= b.size(); ++j) row[j] = j;
    for (std::size_t i = 1; i <= a.size(); ++i) {
        std::size_t diagonal = row[0];
        row[0] = i;
        for (std::size_t j = 1; j <= b.size(); ++j) {
            std::size_t up = row[j];
            row[j] = std::min({row[j] + 1, row[j - 1] + 1, diagonal + (a[i - 1] == b[j - 1] ? 0 : 1)});
            diagonal = up;
        }
    }
    return row[b.size()];
}

fleet_manifest too_large() {
    return {{}, {{0, "the file is larger than " + std::to_string(max_manifest_bytes / (1024 * 1024)) + " MiB"}}};
}

}  // namespace

std::span<const std::string_view> manifest_keys() { return keys; }

std::string_view did_you_mean(std::string_view word, std::span<const std::string_view> choices) {
    if (word.size() > 64) return {};
    std::string lower;
    for (char c : word) lower += (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c == '-' ? '_' : c;
    std::string_view best;
    std::size_t best_distance = std::max<std::size_t>(2, lower.size() / 3) + 1;
    for (auto choice : choices) {
        auto d = edit_distance(lower, choice);
        if (d < best_distance) {
            best = choice;
            best_distance = d;
        }
    }
    if (best.empty() && lower.size() >= 4)  // "timeout" for health_timeout, as the --timeout flag
        for (auto choice : choices)
            if (choice.find(lower) != std::string_view::npos) return choice;
    return best;
}

bool looks_like_url_list(std::string_view text) {
    while (!text.empty()) {
        auto nl = text.find('\n');
        auto line = trimmed(text.substr(0, nl));
        text = nl == std::string_view::npos ? std::string_view{} : text.substr(nl + 1);
        if (line.empty() || line.front() == '#') continue;
        if (line.starts_with("http://") || line.starts_with("https://")) return true;
        return line.front() != '[' && line.find('=') == std::string_view::npos;
    }
    return true;
}

fleet_manifest read_fleet_manifest(std::string_view text, const manifest_base& base) {
    if (text.size() > max_manifest_bytes) return too_large();
    auto doc = read_toml(text);
    builder b{base};
    for (auto& p : doc.problems) b.problem(p.line, std::move(p.message));
    b.reserve(static_cast<std::size_t>(std::count_if(doc.tables.begin(), doc.tables.end(), [](const auto& t) {
        return t.name == "app" && t.array_item;
    })));

    deploy_config defaults;
    std::string ignored_name;
    bool defaults_seen = false;
    std::size_t apps = 0;
    for (const auto& table : doc.tables) {
        if (table.name.empty()) {
            for (const auto& e : table.entries)
                b.problem(e.line, "key " + quoted(e.key) + " is outside any table: put it under [defaults] or an [[app]]");
        } else if (table.name == "defaults" && !table.array_item) {
            if (defaults_seen) b.problem(table.line, "[defaults] appears twice");
            else if (apps > 0) b.problem(table.line, "[defaults] must come before the first [[app]]");
            defaults_seen = true;
            for (const auto& e : table.entries) b.apply(defaults, e, true, ignored_name);
        } else if (table.name == "app" && !table.array_item) {
            b.problem(table.line, "[app] declares one table: use [[app]] for each app");
        } else if (table.name != "app" && table.name != "defaults") {
            std::array<std::string_view, 2> tables{"defaults", "app"};
            auto guess = did_you_mean(table.name, tables);
            std::string hint = guess.empty()       ? " (use [defaults] and [[app]])"
                               : guess == "app" ? " (did you mean [[app]]?)"
                                                : " (did you mean [defaults]?)";
            b.problem(table.line, "unknown table [" + engine::printable(table.name.substr(0, 64), true) + "]" + hint);
        } else if (table.name == "defaults") {
            b.problem(table.line, "[[defaults]] must be a single [defaults] table");
        }
    }
    // Apps after defaults: [defaults] applies to every app, wherever it is in the file.
    for (const auto& table : doc.tables) {
        if (table.name != "app" || !table.array_item) continue;
        if (++apps > max_fleet_tasks) {
            b.problem(table.line, "more than " + std::to_string(max_fleet_tasks) + " apps in one manifest");
            break;
        }
        fleet_task task;
        task.cfg = defaults;
        b.apply_cli(task.cfg);
        task.line = table.line;
        std::size_t name_line = table.line;
        for (const auto& e : table.entries) {
            if (e.key == "name") name_line = e.line;
            b.apply(task.cfg, e, false, task.name);
        }
        b.add(std::move(task), name_line);
    }
    if (apps == 0 && doc.problems.empty()) b.problem(0, "the manifest lists no apps (add an [[app]] table)");
    return b.finish();
}

fleet_manifest read_url_list(std::string_view text, const manifest_base& base) {
    if (text.size() > max_manifest_bytes) return too_large();
    builder b{base};
    b.reserve(static_cast<std::size_t>(std::count(text.begin(), text.end(), '\n')) + 1);
    std::map<std::string, std::size_t, std::less<>> seen;
    std::size_t line_no = 0;
    while (!text.empty()) {
        ++line_no;
        auto nl = text.find('\n');
        auto line = trimmed(text.substr(0, nl));
        text = nl == std::string_view::npos ? std::string_view{} : text.substr(nl + 1);
        if (line.empty() || line.front() == '#') continue;
        if (b.task_count() >= max_fleet_tasks) {
            b.problem(line_no, "more than " + std::to_string(max_fleet_tasks) + " URLs in one list");
            break;
        }
        if (auto why = net::describe_url_error(line); !why.empty()) {
            b.problem(line_no, why);
            continue;
        }
        if (auto [it, fresh] = seen.emplace(std::string(line), line_no); !fresh) {
            b.problem(line_no, "duplicate URL (first at line " + std::to_string(it->second) + ")");
            continue;
        }
        fleet_task task;
        b.apply_cli(task.cfg);
        task.cfg.health_url = std::string(line);
        task.cfg.verify_only = true;
        task.line = line_no;
        b.add(std::move(task), line_no);
    }
    auto list = b.finish();
    if (list.tasks.empty() && list.problems.empty()) list.problems.push_back({0, "the list has no URLs"});
    return list;
}

}  // namespace r1::providers
