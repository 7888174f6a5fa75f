#include "proc/browser/findings.hpp"

#include "engine/text/duration.hpp"
#include "engine/error.hpp"

#include <cmath>

namespace r1::proc::browser {
namespace {

std::string ms(double v) { return std::to_string(static_cast<long long>(std::llround(v))) + " ms"; }

std::string plural(std::size_t n, const char* one, const char* many) {
    return std::to_string(n) + " " + (n == 1 ? one : many);
}

std::string_view reason_of(unsigned status) {
    switch (status) {
    case 400: return "Bad Request";
    case 401: return "Unauthorized";
    case 403: return "Forbidden";
    case 404: return "Not Found";
    case 405: return "Method Not Allowed";
    case 408: return "Request Timeout";
    case 410: return "Gone";
    case 429: return "Too Many Requests";
    case 500: return "Internal Server Error";
    case 502: return "Bad Gateway";
    case 503: return "Service Unavailable";
    case 504: return "Gateway Timeout";
    default: return {};
    }
}

}  // namespace

std::string describe(const console_entry& e) {
    std::string out = e.text;
    if (!e.source.empty()) {
        out += " (" + e.source;
        if (e.line > 0) out += ":" + std::to_string(e.line) + (e.column > 0 ? ":" + std::to_string(e.column) : "");
        out += ")";
    }
    return out;
}

std::string describe(const failed_request& r) {
    std::string out = r.url + ": ";
    if (r.status == 0) return out + r.error;
    out += "HTTP " + std::to_string(r.status);
    std::string reason = r.error.empty() ? std::string(reason_of(r.status)) : r.error;
    if (!reason.empty()) out += " (" + reason + ")";
    return out;
}

page_report judge_page(page_findings f, const page_rules& rules, bool in_time, std::chrono::milliseconds timeout) {
    page_report report;
    std::vector<std::string> problems;
    auto fail = [&](r1::error e, std::string problem) {
        if (!report.ec) report.ec = make_error_code(e);
        problems.push_back(std::move(problem));
    };

    if (!f.navigation_error.empty()) {
        fail(error::unhealthy, "page failed to load: " + f.navigation_error);
    } else if (f.document_status >= 400) {
        fail(error::unhealthy, "page answered HTTP " + std::to_string(f.document_status));
    } else if (!f.loaded) {
        fail(error::timed_out, "page did not load within " + engine::format_duration(timeout));
    }
    if (f.console_errors > rules.max_console_errors) {
        std::string p = plural(f.console_errors, "console error", "console errors");
        if (rules.max_console_errors > 0) p += " (at most " + std::to_string(rules.max_console_errors) + " allowed)";
        fail(error::unhealthy, std::move(p));
    }
    if (rules.fail_on_request_errors && f.failed_request_count > 0)
        fail(error::unhealthy, plural(f.failed_request_count, "failed request", "failed requests"));

    for (const auto& e : f.console)
        report.causes.push_back((e.kind == "exception" ? "uncaught exception: " : e.kind + ": ") + describe(e));
    if (f.console_errors > f.console.size())
        report.causes.push_back("... and " + std::to_string(f.console_errors - f.console.size()) + " more console errors");
    for (const auto& r : f.failed_requests) report.causes.push_back("failed request: " + describe(r));
    if (f.failed_request_count > f.failed_requests.size())
        report.causes.push_back("... and " + std::to_string(f.failed_request_count - f.failed_requests.size()) +
                                " more failed requests");
    for (const auto& r : f.refused) report.causes.push_back(r);
    if (f.loaded && !f.network_idle && !in_time)
        report.causes.push_back("network still busy at the deadline: requests in flight after the load event");

    if (report.ec) {
        std::string line = "browser check: ";
        for (std::size_t i = 0; i < problems.size(); ++i) line += (i ? "; " : "") + problems[i];
        report.line = std::move(line);
    } else {
        std::string line = "browser check: OK";
        if (f.timings.load_ms) line += ", loaded in " + ms(*f.timings.load_ms);
        std::vector<std::string> notes;
        if (f.console_errors > 0) notes.push_back(plural(f.console_errors, "console error", "console errors") + " allowed");
        if (f.failed_request_count > 0) notes.push_back(plural(f.failed_request_count, "failed request", "failed requests"));
        if (!f.refused.empty()) notes.push_back(plural(f.refused.size(), "refusal", "refusals"));
        for (std::size_t i = 0; i < notes.size(); ++i) line += (i ? ", " : " (") + notes[i];
        if (!notes.empty()) line += ")";
        report.line = std::move(line);
    }
    report.findings = std::move(f);
    return report;
}

}  // namespace r1::proc::browser
