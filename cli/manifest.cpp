#include "cli/manifest.hpp"

#include "cli/settings.hpp"
#include "cli/toml_document.hpp"
#include "engine/text/text.hpp"
#include "providers/registry.hpp"

#include <algorithm>
#include <array>
#include <map>
#include <set>

namespace r1::cli {
namespace {

using engine::quoted;

std::string_view trimmed(std::string_view s) {
    while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
    while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\r')) s.remove_suffix(1);
    return s;
}

std::string all_keys() {
    std::string out;
    for (auto k : manifest_keys()) out += (out.empty() ? "" : ", ") + std::string(k);
    return out;
}

/// Sets one key of a table on `cfg` (or, for `name`, on `name`), or records why it cannot.
void apply(fleet_builder& b, deploy_config& cfg, const toml_entry& e, bool in_defaults, std::string& name) {
    if (e.key == app_name_key) {
        const auto* s = std::get_if<std::string>(&e.value);
        if (in_defaults) b.problem(e.line, "name belongs in an [[app]] table, not in [defaults]");
        else if (!s) b.problem(e.line, "name must be a string, not a " + std::string(toml_type_name(e.value)));
        else name = *s;
        return;
    }
    const setting* s = find_key(e.key);
    if (!s) {
        auto guess = did_you_mean(e.key, manifest_keys());
        b.problem(e.line, "unknown key " + quoted(e.key) +
                              (guess.empty() ? " (keys: " + all_keys() + ")" : " (did you mean \"" + std::string(guess) + "\"?)"));
        return;
    }
    if (auto why = apply_key(*s, cfg, e.value)) b.problem(e.line, std::move(*why));
}

/// A region code in a [region.CODE] header: what provider region codes are made of (fly's `fra`,
/// AWS-style `us-east-1`).
bool region_code(std::string_view code) {
    return !code.empty() && code.size() <= 32 &&
           std::all_of(code.begin(), code.end(), [](char c) { return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-'; });
}

/// The keys of a [region.CODE] or [provider.NAME] table (`header` is "region.fra"): today one,
/// `concurrency`, whose value goes to `cap`.
template <class Cap>
void read_cap_table(fleet_builder& b, const toml_table& table, const std::string& header, Cap cap) {
    for (const auto& e : table.entries) {
        if (e.key != "concurrency") {
            std::array<std::string_view, 1> keys{"concurrency"};
            auto guess = did_you_mean(e.key, keys);
            b.problem(e.line, "unknown key " + quoted(e.key) + " in [" + header + "]" +
                                  (guess.empty() ? " (its one key is concurrency)" : " (did you mean \"concurrency\"?)"));
            continue;
        }
        const auto* n = std::get_if<std::int64_t>(&e.value);
        if (!n || *n < 1 || *n > max_concurrency) {
            b.problem(e.line, "concurrency in [" + header + "] must be a whole number from 1 to " +
                                  std::to_string(max_concurrency));
            continue;
        }
        cap(static_cast<unsigned>(*n));
    }
}

/// `[region.CODE]`: settings of one region across the batch, today its concurrency cap.
void apply_region_table(fleet_builder& b, const toml_table& table, std::map<std::string, std::size_t>& lines) {
    std::string code = table.name.substr(std::string_view("region.").size());
    if (!region_code(code)) {
        b.problem(table.line, "[region." + engine::printable(std::string_view(code).substr(0, 64), true) +
                                  "]: a region code is 1 to 32 lowercase letters, digits and dashes");
        return;
    }
    lines[code] = table.line;
    read_cap_table(b, table, "region." + code, [&](unsigned n) { b.region_cap(code, n); });
}

/// `[provider.NAME]`: settings of one provider across the batch, today its concurrency cap.
void apply_provider_table(fleet_builder& b, const toml_table& table) {
    std::string name = table.name.substr(std::string_view("provider.").size());
    if (auto why = providers::registry::builtin().why_not(name); !why.empty()) {
        b.problem(table.line, "[provider." + engine::printable(std::string_view(name).substr(0, 64), true) + "]: " + why);
        return;
    }
    read_cap_table(b, table, "provider." + name, [&](unsigned n) { b.cap(name, n); });
}

}  // namespace

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
    fleet_builder b{base};
    for (auto& p : doc.problems) b.problem(p.line, std::move(p.message));
    b.reserve(static_cast<std::size_t>(std::count_if(doc.tables.begin(), doc.tables.end(), [](const auto& t) {
        return t.name == "app" && t.array_item;
    })));

    deploy_config defaults;
    std::map<std::string, std::size_t> region_lines;  // [region.CODE] -> its line
    std::string ignored_name;
    bool defaults_seen = false;
    std::size_t apps = 0;
    for (const auto& table : doc.tables) {
        if (table.name.empty()) {
            for (const auto& e : table.entries)
                b.problem(e.line, "key " + quoted(e.key) + " is outside any table: put it under [defaults] or an [[app]]");
        } else if (table.name == "defaults" && !table.array_item) {
            if (defaults_seen) b.problem(table.line, "[defaults] appears twice");
            defaults_seen = true;
            for (const auto& e : table.entries) apply(b, defaults, e, true, ignored_name);
        } else if (table.name.starts_with("region.") && !table.array_item) {
            apply_region_table(b, table, region_lines);
        } else if (table.name.starts_with("provider.") && !table.array_item) {
            apply_provider_table(b, table);
        } else if (table.name == "app" && !table.array_item) {
            b.problem(table.line, "[app] declares one table: use [[app]] for each app");
        } else if (table.name != "app" && table.name != "defaults") {
            std::array<std::string_view, 2> tables{"defaults", "app"};
            auto guess = did_you_mean(table.name, tables);
            std::string hint = guess.empty()       ? " (use [defaults], [[app]], [provider.NAME] and [region.CODE])"
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
            if (e.key == app_name_key) name_line = e.line;
            apply(b, task.cfg, e, false, task.name);
        }
        b.add(std::move(task), name_line);
    }
    if (apps == 0 && doc.problems.empty()) b.problem(0, "the manifest lists no apps (add an [[app]] table)");
    // A cap on a region no app deploys to is a typo more often than not: say so, with the regions used.
    if (!region_lines.empty()) {
        std::set<std::string, std::less<>> used;
        for (const auto& t : b.tasks())
            if (!t.region.empty()) used.insert(t.region);
        for (const auto& [code, line] : region_lines) {
            if (used.contains(code)) continue;
            std::string list;
            for (const auto& r : used) list += (list.empty() ? "" : ", ") + r;
            b.problem(line, "[region." + code + "]: no app deploys to region " + quoted(code) +
                                (list.empty() ? std::string() : " (regions used: " + list + ")"));
        }
    }
    return b.finish();
}

}  // namespace r1::cli
