#include "proc/browser/page_observer.hpp"

#include "engine/text/text.hpp"

#include <boost/json/array.hpp>
#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <boost/json/value.hpp>

#include <algorithm>
#include <array>
#include <charconv>
#include <cmath>

namespace r1::proc::browser {
namespace {

namespace json = boost::json;

constexpr std::size_t max_text = 300;         // bytes of a message or URL kept
constexpr std::size_t max_requests = 10'000;  // requests tracked in flight at once

/// One printable line of at most max_text bytes, never cut inside a UTF-8 sequence.
std::string clip(std::string_view text) {
    auto out = engine::printable(text.substr(0, max_text * 4), true);
    if (out.size() <= max_text) return out;
    std::size_t cut = max_text;
    while (cut > 0 && (static_cast<unsigned char>(out[cut]) & 0xC0) == 0x80) --cut;
    return out.substr(0, cut) + "...";
}

std::string_view first_line(std::string_view text) { return text.substr(0, text.find('\n')); }

/// A console argument as DevTools' console shows it, roughly: strings bare, numbers and other
/// primitives as JSON, objects by their description ("Object", "Array(2)", "Error: boom").
std::string argument_text(const json::value& arg) {
    if (!arg.is_object()) return {};
    const auto& o = arg.as_object();
    if (auto* v = o.if_contains("value")) {
        if (v->is_string()) return std::string(v->as_string());
        if (v->is_double()) {  // shortest form, as JavaScript prints it: 3.5, not Boost's 3.5E0
            std::array<char, 32> digits{};
            auto [end, ec] = std::to_chars(digits.data(), digits.data() + digits.size(), v->as_double());
            return ec == std::errc() ? std::string(digits.data(), end) : std::string("NaN");
        }
        return json::serialize(*v);
    }
    if (auto u = string_at(o, "unserializableValue"); !u.empty()) return std::string(u);
    if (string_at(o, "type") == "undefined") return "undefined";
    return std::string(first_line(string_at(o, "description")));
}

/// The first frame of a stack trace: where the message came from.
void take_location(const json::object& holder, console_entry& e) {
    auto* trace = object_at(holder, "stackTrace");
    if (!trace) return;
    auto* frames = trace->if_contains("callFrames");
    if (!frames || !frames->is_array() || frames->as_array().empty() || !frames->as_array().front().is_object()) return;
    const auto& top = frames->as_array().front().as_object();
    e.source = clip(string_at(top, "url"));
    if (auto line = number_at(top, "lineNumber"); line && *line >= 0 && *line < 1e9) e.line = static_cast<unsigned>(*line) + 1;
    if (auto col = number_at(top, "columnNumber"); col && *col >= 0 && *col < 1e9) e.column = static_cast<unsigned>(*col) + 1;
}

bool is_favicon(std::string_view url, std::string_view type) {
    if (type != "Other") return false;
    auto path = url.substr(0, url.find_first_of("?#"));
    return path.ends_with("/favicon.ico");
}

std::optional<double> timing(const json::object& o, std::string_view key) {
    auto v = number_at(o, key);
    if (!v || !std::isfinite(*v) || *v <= 0) return std::nullopt;
    return *v;
}

}  // namespace

page_observer::page_observer(std::string target_id) : target_(std::move(target_id)) {}

bool page_observer::settled() const noexcept {
    return crashed_ || !findings_.navigation_error.empty() || (findings_.loaded && findings_.network_idle);
}

bool page_observer::is_main_document(std::string_view request_id, std::string_view frame_id, std::string_view type) const {
    // A navigation request's id is its loader's id; a request of type Document in the main frame is
    // the main document too (the loader is only known once it commits).
    return (!loader_.empty() && request_id == loader_) || (type == "Document" && frame_id == target_);
}

void page_observer::add_console(console_entry e) {
    ++findings_.console_errors;
    if (findings_.console.size() < page_findings::max_kept) findings_.console.push_back(std::move(e));
}

void page_observer::add_failed(failed_request r) {
    ++findings_.failed_request_count;
    if (findings_.failed_requests.size() < page_findings::max_kept) findings_.failed_requests.push_back(std::move(r));
}

std::optional<page_reply> page_observer::on_event(std::string_view method, const json::object& p) {
    if (method == "Network.requestWillBeSent") {
        on_request(p);
    } else if (method == "Network.responseReceived") {
        on_response(p);
    } else if (method == "Network.loadingFailed") {
        on_failed(p);
    } else if (method == "Network.loadingFinished") {
        requests_.erase(std::string(string_at(p, "requestId")));
    } else if (method == "Runtime.consoleAPICalled") {
        on_console(p);
    } else if (method == "Runtime.exceptionThrown") {
        on_exception(p);
    } else if (method == "Page.frameNavigated") {
        if (auto* frame = object_at(p, "frame"); frame && string_at(*frame, "id") == target_ && !frame->contains("parentId")) {
            loader_ = std::string(string_at(*frame, "loaderId"));
            findings_.loaded = findings_.network_idle = false;
            auto unreachable = string_at(*frame, "unreachableUrl");
            findings_.final_url = clip(unreachable.empty() ? string_at(*frame, "url") : unreachable);
        }
    } else if (method == "Page.lifecycleEvent") {
        if (string_at(p, "frameId") == target_ && !loader_.empty() && string_at(p, "loaderId") == loader_) {
            auto name = string_at(p, "name");
            if (name == "load") findings_.loaded = true;
            if (name == "networkIdle") findings_.network_idle = true;
        }
    } else if (method == "Page.javascriptDialogOpening") {
        auto type = string_at(p, "type");
        findings_.refused.push_back("dialog dismissed: " + clip(type.empty() ? "dialog" : type) + "(" +
                                    engine::quoted(string_at(p, "message"), 120) + ")");
        // beforeunload is the one dialog where accepting is the way out; nothing else is accepted.
        json::object params{{"accept", type == "beforeunload"}};
        return page_reply{"Page.handleJavaScriptDialog", std::move(params), false};
    } else if (method == "Target.targetCreated" || method == "Target.attachedToTarget") {
        return on_new_target(p);
    } else if (method == "Browser.downloadWillBegin" || method == "Page.downloadWillBegin") {
        if (string_at(p, "frameId") == target_)
            findings_.refused.push_back("download refused: " + clip(string_at(p, "url")));
    } else if (method == "Inspector.targetCrashed") {
        crashed_ = true;
    } else if (method == "Target.targetCrashed") {
        if (string_at(p, "targetId") == target_) crashed_ = true;
    }
    return std::nullopt;
}

void page_observer::on_request(const json::object& p) {
    std::string id(string_at(p, "requestId"));
    auto* req = object_at(p, "request");
    if (id.empty() || !req) return;
    auto url = string_at(*req, "url");
    auto type = string_at(p, "type");
    if (auto it = requests_.find(id); it != requests_.end()) {  // a redirect: the same id, the next hop
        it->second.url = clip(url);
        return;
    }
    if (requests_.size() >= max_requests) return;  // a page this busy is reported with "(unknown URL)"
    requests_.emplace(std::move(id), request_info{clip(url), std::string(type), is_favicon(url, type)});
}

void page_observer::on_response(const json::object& p) {
    auto* res = object_at(p, "response");
    if (!res) return;
    auto status_v = number_at(*res, "status");
    unsigned status = status_v && *status_v > 0 && *status_v < 1000 ? static_cast<unsigned>(*status_v) : 0;
    auto id = string_at(p, "requestId");
    auto type = string_at(p, "type");
    if (is_main_document(id, string_at(p, "frameId"), type)) {
        findings_.document_status = status;
        findings_.final_url = clip(string_at(*res, "url"));
    }
    if (status < 400) return;
    auto it = requests_.find(std::string(id));
    if (it != requests_.end() && it->second.ignored) return;
    add_failed({clip(string_at(*res, "url")), std::string(type), status, clip(string_at(*res, "statusText"))});
}

void page_observer::on_failed(const json::object& p) {
    std::string id(string_at(p, "requestId"));
    auto it = requests_.find(id);
    request_info info;
    if (it != requests_.end()) {
        info = std::move(it->second);
        requests_.erase(it);
    }
    // Cancelled: the page navigated away or aborted the fetch itself; nothing failed.
    if (bool_at(p, "canceled") || info.ignored) return;
    std::string error = clip(string_at(p, "errorText"));
    if (auto blocked = string_at(p, "blockedReason"); !blocked.empty()) error += " (blocked: " + clip(blocked) + ")";
    if (error.empty()) error = "failed";
    auto type = string_at(p, "type");
    if (is_main_document(id, string_at(p, "frameId"), type)) findings_.navigation_error = error;
    add_failed({info.url.empty() ? "(unknown URL)" : info.url, std::string(type), 0, std::move(error)});
}

void page_observer::on_console(const json::object& p) {
    auto type = string_at(p, "type");
    if (type != "error" && type != "assert") return;
    console_entry e;
    e.kind = type == "error" ? "console.error" : "console.assert";
    std::string text;
    if (auto* args = p.if_contains("args"); args && args->is_array()) {
        for (const auto& a : args->as_array()) {
            if (!text.empty()) text += ' ';
            text += argument_text(a);
            if (text.size() > max_text * 4) break;
        }
    }
    if (text.empty() && type == "assert") text = "Assertion failed";
    e.text = clip(text);
    take_location(p, e);
    add_console(std::move(e));
}

void page_observer::on_exception(const json::object& p) {
    auto* details = object_at(p, "exceptionDetails");
    if (!details) return;
    console_entry e;
    e.kind = "exception";
    std::string text(string_at(*details, "text"));  // "Uncaught", "Uncaught (in promise)"
    if (auto* ex = object_at(*details, "exception")) {
        auto description = first_line(string_at(*ex, "description"));
        if (description.empty()) {
            if (auto* v = ex->if_contains("value")) description = v->is_string() ? std::string_view(v->as_string()) : "";
        }
        if (!description.empty()) text += (text.empty() ? "" : " ") + std::string(description);
    }
    e.text = clip(text.empty() ? "Uncaught exception" : text);
    e.source = clip(string_at(*details, "url"));
    if (auto line = number_at(*details, "lineNumber"); line && *line >= 0 && *line < 1e9) e.line = static_cast<unsigned>(*line) + 1;
    if (auto col = number_at(*details, "columnNumber"); col && *col >= 0 && *col < 1e9) e.column = static_cast<unsigned>(*col) + 1;
    if (e.source.empty()) take_location(*details, e);
    add_console(std::move(e));
}

std::optional<page_reply> page_observer::on_new_target(const json::object& p) {
    auto* info = object_at(p, "targetInfo");
    if (!info || string_at(*info, "openerId") != target_) return std::nullopt;
    std::string id(string_at(*info, "targetId"));
    if (id.empty() || id == target_) return std::nullopt;
    // Created and attached both announce the same window: report it once, close it each time.
    if (std::find(closed_.begin(), closed_.end(), id) == closed_.end()) {
        closed_.push_back(id);
        findings_.refused.push_back("window closed: " + clip(string_at(*info, "url")));
    }
    return page_reply{"Target.closeTarget", json::object{{"targetId", id}}, true};
}

void page_observer::on_navigate_result(const json::object& result) {
    if (auto error = string_at(result, "errorText"); !error.empty()) findings_.navigation_error = clip(error);
    if (bool_at(result, "isDownload") && findings_.navigation_error.empty())
        findings_.navigation_error = "the page is a download";
    if (auto loader = string_at(result, "loaderId"); !loader.empty() && loader_.empty()) loader_ = std::string(loader);
}

void page_observer::on_timings(std::string_view entry_json) {
    boost::system::error_code ec;
    auto v = json::parse(entry_json, ec);
    if (ec || !v.is_object()) return;
    const auto& o = v.as_object();
    findings_.timings.ttfb_ms = timing(o, "responseStart");
    findings_.timings.dom_content_loaded_ms = timing(o, "domContentLoadedEventEnd");
    findings_.timings.load_ms = timing(o, "loadEventEnd");
    if (!findings_.timings.load_ms) findings_.timings.load_ms = timing(o, "loadEventStart");
}

}  // namespace r1::proc::browser
