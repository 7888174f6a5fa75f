#include "providers/cloudflare/wrangler_output.hpp"

#include "engine/text/text.hpp"

#include <boost/json/parse.hpp>
#include <boost/json/value.hpp>

#include <algorithm>
#include <filesystem>
#include <fstream>

namespace r1::providers::cloudflare {
namespace {

namespace json = boost::json;

constexpr std::size_t max_config_bytes = 1024 * 1024;

std::string string_at(const json::object& o, std::string_view key) {
    if (auto it = o.find(key); it != o.end() && it->value().is_string()) return std::string(it->value().get_string());
    return {};
}

void add_url(wrangler_report& r, std::string url) {
    if (!url.empty() && url.size() <= 2048) r.urls.push_back(std::move(url));
}

void read_record(const json::object& o, wrangler_report& r) {
    auto type = string_at(o, "type");
    if (type.empty()) return;
    ++r.records;
    if (type == "wrangler-session") {
        r.wrangler_version = string_at(o, "wrangler_version");
        r.argv.clear();
        if (auto it = o.find("command_line_args"); it != o.end() && it->value().is_array())
            for (const auto& a : it->value().get_array())
                if (a.is_string()) r.argv.emplace_back(a.get_string());
    } else if (type == "deploy") {
        r.deployed = true;
        r.worker_name = string_at(o, "worker_name");
        r.version_id = string_at(o, "version_id");
        if (auto it = o.find("targets"); it != o.end() && it->value().is_array())
            for (const auto& t : it->value().get_array())
                if (t.is_string() && t.get_string().starts_with("https://")) add_url(r, std::string(t.get_string()));
    } else if (type == "pages-deploy" || type == "pages-deploy-detailed") {
        r.deployed = true;
        r.worker_name = string_at(o, "pages_project");
        r.version_id = string_at(o, "deployment_id");
        for (auto key : {"url", "alias"}) {
            auto url = string_at(o, key);
            if (url.starts_with("https://") && std::find(r.urls.begin(), r.urls.end(), url) == r.urls.end())
                add_url(r, std::move(url));
        }
    } else if (type == "command-failed") {
        r.failed = true;
        r.message = string_at(o, "message");
        r.code.reset();
        if (auto it = o.find("code"); it != o.end() && it->value().is_int64()) r.code = it->value().get_int64();
    }
}

std::string_view trim(std::string_view s) {
    while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
    while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\r')) s.remove_suffix(1);
    return s;
}

std::string read_head(const std::filesystem::path& path) {
    std::ifstream in{path, std::ios::binary};
    std::string text(max_config_bytes, '\0');
    in.read(text.data(), static_cast<std::streamsize>(text.size()));
    text.resize(static_cast<std::size_t>(in.gcount()));
    return text;
}

/// `text` with JSONC comments blanked out (strings left alone), so a commented-out key is not read.
std::string without_comments(std::string_view text) {
    std::string out(text);
    bool in_string = false;
    for (std::size_t i = 0; i < out.size(); ++i) {
        char c = out[i];
        if (in_string) {
            if (c == '\\') ++i;
            else if (c == '"') in_string = false;
        } else if (c == '"') {
            in_string = true;
        } else if (c == '/' && i + 1 < out.size() && out[i + 1] == '/') {
            while (i < out.size() && out[i] != '\n') out[i++] = ' ';
        } else if (c == '/' && i + 1 < out.size() && out[i + 1] == '*') {
            auto end = out.find("*/", i + 2);
            end = end == std::string::npos ? out.size() : end + 2;
            for (; i < end; ++i)
                if (out[i] != '\n') out[i] = ' ';
            --i;
        }
    }
    return out;
}

}  // namespace

wrangler_report read_wrangler_records(std::string_view ndjson) {
    wrangler_report r;
    while (!ndjson.empty()) {
        auto nl = ndjson.find('\n');
        auto line = trim(ndjson.substr(0, nl));
        ndjson = nl == std::string_view::npos ? std::string_view{} : ndjson.substr(nl + 1);
        if (line.empty() || line.front() != '{') continue;
        boost::system::error_code ec;
        auto v = json::parse(line, ec);
        if (!ec && v.is_object()) read_record(v.get_object(), r);
    }
    return r;
}

wrangler_report scrape_wrangler_text(std::string_view out) {
    wrangler_report r;
    std::string text = engine::printable(out.substr(out.size() > 65536 ? out.size() - 65536 : 0));
    std::string_view rest = text;
    bool in_targets = false;
    while (!rest.empty()) {
        auto nl = rest.find('\n');
        auto line = trim(rest.substr(0, nl));
        rest = nl == std::string_view::npos ? std::string_view{} : rest.substr(nl + 1);
        if (line.starts_with("Current Version ID:")) {
            r.version_id = std::string(trim(line.substr(19)));
            r.deployed = !r.version_id.empty();
            in_targets = false;
        } else if (line.starts_with("Deployed ") && line.find(" triggers") != std::string_view::npos) {
            in_targets = true;
        } else if (auto at = line.find("Take a peek over at "); at != std::string_view::npos) {
            auto url = std::string(trim(line.substr(at + 20)));
            if (url.starts_with("https://")) {
                add_url(r, url.substr(0, url.find(' ')));
                r.deployed = true;
            }
        } else if (in_targets && line.starts_with("https://")) {
            add_url(r, std::string(line.substr(0, line.find(' '))));
        } else if (in_targets && !line.empty() && line.find('/') == std::string_view::npos &&
                   line.find("workflow:") == std::string_view::npos && line.find("schedule:") == std::string_view::npos) {
            in_targets = false;
        }
    }
    return r;
}

std::string first_checkable_url(const std::vector<std::string>& urls) {
    for (const auto& u : urls)
        if (u.starts_with("https://") && u.find('*') == std::string::npos) return u;
    return {};
}

std::string pages_output_dir_in(std::string_view text, bool toml) {
    constexpr std::string_view key = "pages_build_output_dir";
    if (toml) {
        while (!text.empty()) {
            auto nl = text.find('\n');
            auto line = trim(text.substr(0, nl));
            text = nl == std::string_view::npos ? std::string_view{} : text.substr(nl + 1);
            if (line.starts_with("[")) return {};  // a table: the key is no longer top-level
            std::string_view bare = line;
            if (bare.starts_with("\"pages_build_output_dir\"")) bare.remove_prefix(key.size() + 2);
            else if (bare.starts_with(key)) bare.remove_prefix(key.size());
            else continue;
            bare = trim(bare);
            if (!bare.starts_with("=")) continue;
            bare = trim(bare.substr(1));
            if (bare.empty() || (bare.front() != '"' && bare.front() != '\'')) return {};
            char quote = bare.front();
            auto end = bare.find(quote, 1);
            return end == std::string_view::npos ? std::string() : std::string(bare.substr(1, end - 1));
        }
        return {};
    }
    std::string clean = without_comments(text);
    std::string_view t = clean;
    auto at = t.find("\"pages_build_output_dir\"");
    if (at == std::string_view::npos) return {};
    auto rest = trim(t.substr(at + key.size() + 2));
    while (!rest.empty() && (rest.front() == '\n' || rest.front() == ' ' || rest.front() == '\t' || rest.front() == '\r'))
        rest.remove_prefix(1);
    if (!rest.starts_with(":")) return {};
    rest.remove_prefix(1);
    while (!rest.empty() && (rest.front() == '\n' || rest.front() == ' ' || rest.front() == '\t' || rest.front() == '\r'))
        rest.remove_prefix(1);
    if (!rest.starts_with("\"")) return {};
    auto end = rest.find('"', 1);
    return end == std::string_view::npos ? std::string() : std::string(rest.substr(1, end - 1));
}

wrangler_project find_wrangler_project(const std::string& dir) {
    for (std::string_view name : {"wrangler.json", "wrangler.jsonc", "wrangler.toml"}) {
        std::error_code ec;
        auto path = std::filesystem::path(dir) / name;
        if (!std::filesystem::is_regular_file(path, ec)) continue;
        return {std::string(name), pages_output_dir_in(read_head(path), name == "wrangler.toml")};
    }
    return {};
}

}  // namespace r1::providers::cloudflare
