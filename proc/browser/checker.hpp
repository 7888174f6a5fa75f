#pragma once
/// The browser-check seam: deploy and verify call a page_checker after the HTTP check passes. The
/// real one drives Chromium (chromium_checker.hpp); tests substitute their own.
#include "proc/browser/findings.hpp"

#include <boost/asio/awaitable.hpp>

#include <chrono>
#include <string>
#include <vector>

namespace r1::proc::browser {

struct check_request {
    std::string url;  // the page: http(s), absolute
    /// The leaf certificates r1's own TLS check verified for this page (engine::health_report::
    /// verified_spki): the only ones Chromium may accept beyond its own trust store.
    std::vector<std::string> trusted_spki;
    /// From when the check has a browser slot: start (if needed), load, network idle, screenshot.
    std::chrono::milliseconds timeout = std::chrono::seconds(30);
    page_rules rules;
    std::string screenshot_path;  // where to write a PNG of the page; empty: none
};

class page_checker {
public:
    virtual ~page_checker() = default;
    /// Never throws for a page's fault or a browser's: the report says what happened. The first
    /// interrupt (total cancellation) ends the check with r1::error::interrupted.
    virtual boost::asio::awaitable<page_report> check(check_request req) = 0;
    /// Stops the browser of the calling event loop, if one runs: its process group killed, its
    /// profile removed. Call it on each loop that ran checks before that loop's run() can return.
    virtual boost::asio::awaitable<void> close() = 0;
};

}  // namespace r1::proc::browser
