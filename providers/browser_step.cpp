#include "providers/browser_step.hpp"

#include "engine/health_check.hpp"
#include "providers/deploy.hpp"

namespace r1 {

boost::asio::awaitable<proc::browser::page_report> browser_step(const deploy_config& cfg, net::http_client& http,
                                                                proc::browser::page_checker& checker,
                                                                engine::clock::time_point now,
                                                                std::string health_url,
                                                                std::vector<std::string> verified,
                                                                std::string screenshot_path) {
    std::string page = cfg.browser_url.empty() ? std::move(health_url) : cfg.browser_url;
    if (!cfg.browser_url.empty() && cfg.browser_url != health_url) {
        auto hc = health_check_of(cfg, page, now);  // named: GCC 12 and coroutine arguments
        auto report = co_await engine::check_health(http, std::move(hc));
        if (!report.healthy()) {
            proc::browser::page_report failed;
            failed.ec = report.ec;
            failed.line = "browser check: " + report.line;
            co_return failed;
        }
        verified = std::move(report.verified_spki);
    }
    proc::browser::check_request req;
    req.url = std::move(page);
    req.trusted_spki = std::move(verified);
    req.timeout = cfg.browser_timeout;
    req.rules.max_console_errors = cfg.max_console_errors;
    req.rules.fail_on_request_errors = cfg.fail_on_request_errors;
    req.screenshot_path = std::move(screenshot_path);
    co_return co_await checker.check(std::move(req));
}

}  // namespace r1
