#include "providers/fly/fly_config.hpp"

#include <boost/json/parse.hpp>
#include <boost/json/value.hpp>

#include <filesystem>
#include <fstream>

namespace r1::providers::fly {
namespace {

namespace fs = std::filesystem;

bool blank(char c) { return c == ' ' || c == '\t'; }

std::string_view trim(std::string_view s) {
    while (!s.empty() && (blank(s.front()) || s.front() == '\r')) s.remove_prefix(1);
    while (!s.empty() && (blank(s.back()) || s.back() == '\r')) s.remove_suffix(1);
    return s;
}

/// The string a TOML value starts with: `"..."` (escapes \" and \\ only) or `'...'`; nullopt for
/// anything else, a multi-line string included.
std::optional<std::string> toml_string_value(std::string_view v) {
    if (v.empty() || (v.front() != '"' && v.front() != '\'')) return std::nullopt;
    char q = v.front();
    if (v.substr(0, 3) == std::string(3, q)) return std::nullopt;
    std::string out;
    for (std::size_t i = 1; i < v.size(); ++i) {
        char c = v[i];
        if (c == q) {
            auto rest = trim(v.substr(i + 1));
            if (!rest.empty() && rest.front() != '#') return std::nullopt;
            return out;
        }
        if (c == '\\' && q == '"') {
            if (i + 1 >= v.size() || (v[i + 1] != '"' && v[i + 1] != '\\')) return std::nullopt;
            c = v[++i];
        }
        out += c;
    }
    return std::nullopt;
}

/// Reads a file's first max_config_bytes (flyctl follows a link; so does r1).
void read_head(const fs::path& p, app_config& out) {
    std::ifstream in(p, std::ios::binary);
    std::string text(max_config_bytes + 1, '\0');
    in.read(text.data(), static_cast<std::streamsize>(text.size()));
    text.resize(static_cast<std::size_t>(in.gcount()));
    out.cut = text.size() > max_config_bytes;
    if (out.cut) text.resize(max_config_bytes);
    out.text = std::move(text);
}

}  // namespace

std::optional<std::string> config_flag(const std::vector<std::string>& args) {
    std::optional<std::string> found;
    for (std::size_t i = 0; i < args.size(); ++i) {
        std::string_view a = args[i];
        if (a == "--") break;  // pflag: what follows is positional
        if (a == "--config" || a == "-c") {
            if (i + 1 < args.size()) found = args[++i];
        } else if (a.starts_with("--config=")) {
            found = std::string(a.substr(9));
        } else if (a.starts_with("-c") && !a.starts_with("--")) {
            auto v = a.substr(2);
            if (v.starts_with("=")) v.remove_prefix(1);
            found = std::string(v);
        }
    }
    return found;
}

std::string toml_primary_region(std::string_view text) {
    char open = 0;  // the quote of a multi-line string being skipped
    int depth = 0;  // brackets and braces of a value spanning lines
    while (!text.empty()) {
        auto nl = text.find('\n');
        auto line = text.substr(0, nl);
        text = nl == std::string_view::npos ? std::string_view{} : text.substr(nl + 1);
        std::size_t i = 0;
        if (open == 0 && depth == 0) {
            auto t = trim(line);
            if (t.empty() || t.front() == '#') continue;
            if (t.front() == '[') return {};  // the tables begin: no top-level key after this
            std::string_view key = t;
            std::size_t eq = t.find('=');
            if (eq != std::string_view::npos) key = trim(t.substr(0, eq));
            if (key == "primary_region" || key == "\"primary_region\"" || key == "'primary_region'") {
                auto value = toml_string_value(trim(t.substr(eq + 1)));
                return value.value_or("");
            }
            i = line.find('=');
            if (i == std::string_view::npos) continue;
            ++i;
        }
        // The rest of a value: skip strings, count brackets, find a multi-line string left open.
        for (; i < line.size(); ++i) {
            char c = line[i];
            if (open != 0) {
                if (line.substr(i, 3) == std::string(3, open)) {
                    i += 2;
                    open = 0;
                } else if (c == '\\' && open == '"') {
                    ++i;
                }
                continue;
            }
            if (c == '#') break;
            if ((c == '"' || c == '\'') && line.substr(i, 3) == std::string(3, c)) {
                open = c;
                i += 2;
            } else if (c == '"' || c == '\'') {
                for (++i; i < line.size() && line[i] != c; ++i)
                    if (line[i] == '\\' && c == '"') ++i;
            } else if (c == '[' || c == '{') {
                ++depth;
            } else if ((c == ']' || c == '}') && depth > 0) {
                --depth;
            }
        }
    }
    return {};
}

std::string json_primary_region(std::string_view text) {
    boost::system::error_code ec;
    auto v = boost::json::parse(text, ec);
    if (ec || !v.is_object()) return {};
    const auto* r = v.as_object().if_contains("primary_region");
    return r && r->is_string() ? std::string(r->as_string()) : std::string();
}

std::string yaml_primary_region(std::string_view text) {
    while (!text.empty()) {
        auto nl = text.find('\n');
        auto line = text.substr(0, nl);
        text = nl == std::string_view::npos ? std::string_view{} : text.substr(nl + 1);
        if (!line.starts_with("primary_region:")) continue;
        auto v = line.substr(15);
        if (auto hash = v.find(" #"); hash != std::string_view::npos) v = v.substr(0, hash);
        v = trim(v);
        if (v.size() >= 2 && (v.front() == '"' || v.front() == '\'') && v.back() == v.front()) v = v.substr(1, v.size() - 2);
        return std::string(v);
    }
    return {};
}

app_config find_app_config(const std::string& dir, const std::vector<std::string>& provider_args) {
    app_config out;
    std::error_code ec;
    auto in_dir = [&](const std::string& p) { return fs::path(p).is_absolute() ? fs::path(p) : fs::path(dir) / p; };
    std::vector<fs::path> candidates;
    if (auto flag = config_flag(provider_args)) {
        out.from_flag = true;
        if (flag->empty()) {
            out.problem = "flyctl's --config is given no path";
            return out;
        }
        auto p = in_dir(*flag);
        candidates = {p, p / "fly.toml"};
    } else {
        candidates = {in_dir("fly.toml"), in_dir("fly.json"), in_dir("fly.yaml")};
    }
    for (const auto& p : candidates) {
        auto st = fs::status(p, ec);  // follows a link, as flyctl's os.ReadFile does
        if (!fs::exists(st)) continue;
        out.path = p.string();
        if (!fs::is_regular_file(st)) {
            out.problem = "flyctl cannot read " + out.path + " as its app configuration: " +
                          (fs::is_directory(st) ? "it is a directory" : "it is not a regular file");
            return out;
        }
        out.exists = true;
        read_head(p, out);
        auto name = p.filename().string();
        out.primary_region = name.ends_with(".json")   ? json_primary_region(out.text)
                             : name.ends_with(".yaml") ? yaml_primary_region(out.text)
                                                       : toml_primary_region(out.text);
        return out;
    }
    if (out.from_flag) {
        out.path = candidates.front().string();
        out.problem = "flyctl's --config names " + out.path + ", which does not exist (nor " +
                      candidates.back().string() + ")";
    }
    return out;
}

}  // namespace r1::providers::fly
