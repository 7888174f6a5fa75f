#pragma once
/// One page, checked in a running browser: a fresh browser context (no cookies, cache or storage
/// shared with any other check), one tab, navigate, wait for load and network idle, read the
/// timings, take the screenshot, dispose of the context.
#include "proc/browser/browser.hpp"
#include "proc/browser/findings.hpp"

#include <boost/asio/awaitable.hpp>

#include <chrono>
#include <memory>
#include <string>

namespace r1::proc::browser {

struct page_check_request {
    std::string url;
    std::chrono::steady_clock::time_point deadline;
    bool screenshot = false;  // capture a PNG of the viewport once the page has settled
};

struct page_check_result {
    page_findings findings;
    bool in_time = true;        // the page settled (or failed) before the deadline
    bool interrupted = false;   // r1 was interrupted (total cancellation) during the check
    bool browser_died = false;  // the browser went away under the check: findings are incomplete
    std::string failure;        // the browser could not run the check (a command refused): one line
    std::string png;            // the screenshot's bytes, when asked for and taken
};

/// After the deadline the context is disposed of; a browser that does not answer that within
/// `dispose_grace` is hung and gets killed (its process group), so the next check starts a new one.
inline constexpr std::chrono::milliseconds dispose_grace{2000};

boost::asio::awaitable<page_check_result> run_page_check(std::shared_ptr<browser> b, page_check_request req);

}  // namespace r1::proc::browser
