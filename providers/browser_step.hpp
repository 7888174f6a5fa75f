#pragma once
/// The browser check of a deploy or verification whose health check passed: the page loaded in
/// Chromium through the proc::browser::page_checker seam, judged by the task's settings.
#include "engine/clock.hpp"
#include "proc/browser/checker.hpp"
#include "providers/deploy_config.hpp"

#include <boost/asio/awaitable.hpp>

#include <string>
#include <vector>

namespace r1 {
namespace net {
class http_client;
}

/// `health_url` passed r1's HTTP check, which verified the leaf certificates `verified`. A
/// browser_url elsewhere gets r1's own HTTP check first (same rules, its deadline health_timeout
/// from `now`), so Chromium is only ever told to accept a certificate r1 verified itself; its
/// failure fails the browser check.
boost::asio::awaitable<proc::browser::page_report> browser_step(const deploy_config& cfg, net::http_client& http,
                                                                proc::browser::page_checker& checker,
                                                                engine::clock::time_point now,
                                                                std::string health_url,
                                                                std::vector<std::string> verified,
                                                                std::string screenshot_path);

}  // namespace r1
