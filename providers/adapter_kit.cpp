#include "providers/adapter_kit.hpp"

#include "engine/text/duration.hpp"
#include "engine/text/text.hpp"
#include "proc/find_executable.hpp"

#include <charconv>

namespace r1::providers {

std::string option_of(const deploy_config& cfg, std::string_view key) {
    auto it = cfg.options.find(key);
    return it == cfg.options.end() ? std::string() : it->second;
}

std::chrono::milliseconds duration_option(const deploy_config& cfg, std::string_view key, std::chrono::milliseconds fallback) {
    auto text = option_of(cfg, key);
    if (text.empty()) return fallback;
    return engine::parse_duration(text).value_or(fallback);
}

unsigned count_option(const deploy_config& cfg, std::string_view key, unsigned fallback) {
    auto text = option_of(cfg, key);
    unsigned n = 0;
    auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), n);
    return text.empty() || ec != std::errc{} || end != text.data() + text.size() ? fallback : n;
}

bool switch_option(const deploy_config& cfg, std::string_view key) { return option_of(cfg, key) == "true"; }

std::string label_problem(std::string_view app, std::string_view whose, std::size_t max, std::string_view punctuation) {
    auto shown = engine::quoted(app, 80);
    if (app.empty()) return "app name is empty";
    if (app.size() > max) return "app name " + shown + " is longer than " + std::to_string(max) + " characters";
    auto alnum = [](char c) { return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9'); };
    for (char c : app)
        if (!alnum(c) && punctuation.find(c) == std::string_view::npos) {
            std::string allowed;
            for (char p : punctuation) allowed += std::string(allowed.empty() ? " " : ", ") + "'" + p + "'";
            return "invalid app name " + shown + ": " + std::string(whose) + " use lowercase letters, digits and" + allowed;
        }
    if (!alnum(app.front()) || !alnum(app.back()))
        return "invalid app name " + shown + ": it must start and end with a letter or digit";
    return {};
}

std::string argument_problem(std::string_view value, std::string_view what) {
    auto shown = engine::quoted(value);
    if (value.empty()) return std::string(what) + " is empty";
    if (value.size() > 256) return std::string(what) + " " + shown + " is longer than 256 bytes";
    if (value.front() == '-') return std::string(what) + " " + shown + " starts with a dash, which the CLI would take for a flag";
    for (char c : value)
        if (static_cast<unsigned char>(c) < 0x20 || c == 0x7f) return std::string(what) + " " + shown + " holds a control character";
    return {};
}

result<std::string> locate_program(std::string_view explicit_path, std::span<const std::string_view> names,
                                   std::string_view path_env) {
    if (!explicit_path.empty()) {
        if (proc::is_executable_file(std::string(explicit_path)))
            return proc::find_executable(explicit_path, path_env).value_or(std::string(explicit_path));
        return make_error_code(error::cli_not_found);
    }
    for (auto name : names)
        if (auto found = proc::find_executable(name, path_env)) return *found;
    return make_error_code(error::cli_not_found);
}

std::string missing_program(std::string_view given, std::string_view name, std::string_view install, std::string_view flag) {
    if (!given.empty()) return std::string(name) + " not found: " + engine::quoted(given, 200) + " is not an executable file";
    return std::string(name) + " not found on $PATH: " + std::string(install) + ", or pass " + std::string(flag) + " PATH";
}

std::string shell_words(const std::vector<std::string>& argv) {
    std::string out;
    for (const auto& a : argv) {
        if (!out.empty()) out += ' ';
        bool plain = !a.empty() && a.find_first_not_of("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"
                                                      "-_./:=@,+%") == std::string::npos;
        if (plain) {
            out += engine::printable(a, true);
            continue;
        }
        out += '\'';
        for (char c : engine::printable(a, true)) out += c == '\'' ? std::string("'\\''") : std::string(1, c);
        out += '\'';
    }
    return out;
}

std::string render_preview(const preview_text& p) {
    std::string out = "# r1 deploy --provider " + p.provider + " --app " + p.app + ": dry run, nothing is started\n";
    auto line = [&](std::string_view label, const std::string& value) {
        out += std::string(label) + std::string(10 - label.size(), ' ') + value + "\n";
    };
    for (const auto& s : p.steps) line("run:", shell_words(s.argv) + (s.when.empty() ? "" : "   # " + s.when));
    line("in:", engine::printable(p.dir, true));
    std::string names;
    for (const auto& n : p.env_names) names += (names.empty() ? "" : ", ") + n;
    line("env:", names + " (names only: the values come from r1's environment, passed on unchanged)");
    for (const auto& e : p.env_set) line("sets:", e);
    for (const auto& e : p.expects) line("expects:", e);
    line("success:", p.success);
    line("health:", p.health);
    return out;
}

}  // namespace r1::providers
