#include "providers/vercel/vercel_output.hpp"

#include "engine/text/text.hpp"

#include <boost/json/parse.hpp>
#include <boost/json/value.hpp>

namespace r1::providers::vercel {
namespace {

namespace json = boost::json;

constexpr std::size_t max_url = 2048;

std::string string_at(const json::object& o, std::string_view key) {
    if (auto it = o.find(key); it != o.end() && it->value().is_string()) return std::string(it->value().get_string());
    return {};
}

/// The deployment object's fields; `error` is {"name"?,"code"?,"message"} or absent.
void read_deployment(const json::object& d, vercel_report& r) {
    auto url = string_at(d, "url");
    if (is_deployment_url(url)) r.url = std::move(url);
    r.id = string_at(d, "id");
    r.ready_state = string_at(d, "readyState");
    if (auto it = d.find("error"); it != d.end() && it->value().is_object())
        r.error = string_at(it->value().get_object(), "message");
}

/// The first https:// URL in `line` (ANSI codes already gone), up to white space.
std::string first_https_url(std::string_view line) {
    auto at = line.find("https://");
    if (at == std::string_view::npos) return {};
    auto end = line.find_first_of(" \t\r\n\"'<>", at);
    auto url = line.substr(at, end == std::string_view::npos ? std::string_view::npos : end - at);
    return url.size() > max_url ? std::string() : std::string(url);
}

/// The alias of the last "Aliased" row on stderr.
std::string aliased_row(std::string_view err) {
    std::string text = engine::printable(err.substr(err.size() > 65536 ? err.size() - 65536 : 0));
    std::string found;
    std::string_view rest = text;
    while (!rest.empty()) {
        auto nl = rest.find('\n');
        auto line = rest.substr(0, nl);
        rest = nl == std::string_view::npos ? std::string_view{} : rest.substr(nl + 1);
        auto at = line.find("Aliased");
        if (at == std::string_view::npos) continue;
        // "▲ Aliased    https://app.example.com": only a gutter before the label, only blanks after.
        auto head = line.substr(0, at);
        if (head.find_first_not_of(" \xe2\x96\xb2") != std::string_view::npos) continue;
        auto after = line.substr(at + 7);
        auto lead = after.find_first_not_of(" \t:");
        if (lead == std::string_view::npos || !after.substr(lead).starts_with("https://")) continue;
        auto url = first_https_url(after.substr(lead));
        if (is_deployment_url(url)) found = std::move(url);
    }
    return found;
}

}  // namespace

bool is_deployment_url(std::string_view url) {
    if (!url.starts_with("https://") || url.size() <= 8 || url.size() > max_url) return false;
    auto host = url.substr(8, url.find_first_of("/?#", 8) - 8);
    if (host.empty()) return false;
    for (char c : host)
        if (static_cast<unsigned char>(c) <= 0x20 || c == '@') return false;
    // The dashboard, where the Inspect URL points, is not the deployment.
    return host != "vercel.com" && !host.ends_with(".vercel.com");
}

vercel_report read_vercel_output(std::string_view out, std::string_view err) {
    vercel_report r;
    r.alias = aliased_row(err);
    auto first = out.find_first_not_of(" \t\r\n");
    if (first != std::string_view::npos && out[first] == '{') {
        boost::system::error_code ec;
        auto doc = json::parse(out.substr(first), ec);
        if (!ec && doc.is_object()) {
            r.json = true;
            const auto& o = doc.get_object();
            if (auto it = o.find("deployment"); it != o.end() && it->value().is_object()) {
                read_deployment(it->value().get_object(), r);  // agent mode: the deployment inside
                if (string_at(o, "status") == "error" && r.error.empty()) r.error = string_at(o, "message");
            } else if (o.contains("status") && !o.contains("readyState")) {
                if (string_at(o, "status") == "error") r.error = string_at(o, "message");
            } else {
                read_deployment(o, r);
            }
            return r;
        }
    }
    // Text mode: the URL alone. It is the last thing on stdout that looks like one.
    std::string text = engine::printable(out.substr(out.size() > 65536 ? out.size() - 65536 : 0));
    for (std::size_t at = text.rfind("https://"); at != std::string::npos;
         at = at == 0 ? std::string::npos : text.rfind("https://", at - 1)) {
        auto url = first_https_url(std::string_view(text).substr(at));
        if (is_deployment_url(url)) {
            r.url = std::move(url);
            break;
        }
    }
    return r;
}

std::string vercel_success_problem(const vercel_report& r, bool exited_zero) {
    if (!exited_zero) return r.error;  // the caller words the exit; the JSON may say why
    if (r.url.empty()) {
        if (!r.error.empty()) return "it reported an error: " + r.error;
        return r.json ? "it exited 0 but its JSON result holds no deployment URL"
                      : "it exited 0 but printed no deployment URL (the CLI does so on some network failures)";
    }
    if (r.json && r.ready_state != "READY")
        return "deployment " + r.url + " is " + (r.ready_state.empty() ? std::string("in no known state") : r.ready_state) +
               ", not READY" + (r.error.empty() ? "" : ": " + r.error);
    return {};
}

}  // namespace r1::providers::vercel
