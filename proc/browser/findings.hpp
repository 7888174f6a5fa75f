#pragma once
/// What a browser check saw on a page, the rules it is judged by, and the verdict. Plain data, free
/// of Asio and JSON, so the CLI's outputs and the lifecycle's rollback predicate can read it.
#include "engine/error.hpp"

#include <boost/system/error_code.hpp>

#include <chrono>
#include <cstddef>
#include <optional>
#include <string>
#include <vector>

namespace r1::proc::browser {

struct console_entry {
    std::string kind;    // "console.error", "console.assert" or "exception"
    std::string text;    // the message on one printable line, at most 300 bytes
    std::string source;  // the script's URL, when Chromium knows it
    unsigned line = 0;   // 1-based; 0 when unknown
    unsigned column = 0;
};

struct failed_request {
    std::string url;     // printable, at most 300 bytes
    std::string type;    // Chromium's resource type: "Script", "Image", "Fetch", "Document", ...
    unsigned status = 0; // the HTTP status (400 or more); 0 for a network error
    std::string error;   // "net::ERR_CONNECTION_REFUSED", "net::ERR_CERT_AUTHORITY_INVALID", a status text
};

/// Navigation Timing of the main document, in ms from the start of the navigation.
struct page_timings {
    std::optional<double> ttfb_ms;                // responseStart
    std::optional<double> dom_content_loaded_ms;  // domContentLoadedEventEnd
    std::optional<double> load_ms;                // loadEventEnd
};

struct page_findings {
    static constexpr std::size_t max_kept = 20;  // entries kept per list; the counts go on

    /// console.error, failed console.assert and uncaught exceptions (promise rejections too): the
    /// number the auto-rollback predicate reads.
    std::size_t console_errors = 0;
    std::vector<console_entry> console;
    std::size_t failed_request_count = 0;
    std::vector<failed_request> failed_requests;
    std::vector<std::string> refused;  // dialogs, downloads and windows r1 refused, one line each
    page_timings timings;
    bool loaded = false;        // the main document's load event fired
    bool network_idle = false;  // Chromium's networkIdle: no request in flight for 500 ms
    std::string navigation_error;  // the page itself could not be loaded: "net::ERR_..."
    unsigned document_status = 0;  // the main document's final HTTP status
    std::string final_url;         // where the main document ended up after redirects
    std::string screenshot;        // the PNG written under --log-dir, if any
    std::size_t skipped_messages = 0;  // DevTools messages too large to read (see frame_reader)
};

struct page_rules {
    std::size_t max_console_errors = 0;  // more than this fails the check
    bool fail_on_request_errors = false;  // a failed subresource fails the check
};

/// The verdict of one browser check.
struct page_report {
    /// Empty when the page passed; else r1::error::unhealthy (the page's fault), timed_out (it did
    /// not load in time), unavailable (the browser could not run the check) or interrupted.
    boost::system::error_code ec;
    std::string line;                 // "browser check: ..." one line for the operator
    std::vector<std::string> causes;  // one line per finding worth reading: errors, failed requests, refusals
    page_findings findings;
    std::chrono::milliseconds duration{0};
    unsigned browser_restarts = 0;    // 1 when the browser crashed under this check and it ran again
    bool passed() const noexcept { return !ec; }
};

/// Judges what was seen. `in_time` is false when the deadline came before load; `timeout` is shown.
page_report judge_page(page_findings findings, const page_rules& rules, bool in_time, std::chrono::milliseconds timeout);

/// "Error: boom (https://x/app.js:12:5)", one line.
std::string describe(const console_entry& e);
/// "https://x/a.js: HTTP 404 (Not Found)" or "https://x/b.png: net::ERR_CONNECTION_REFUSED".
std::string describe(const failed_request& r);

}  // namespace r1::proc::browser
