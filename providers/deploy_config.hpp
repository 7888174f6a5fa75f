#pragma once
/// What one deploy task is: the settings of `r1 deploy`, one per app of a fleet manifest. Free of Asio.
#include <chrono>
#include <functional>
#include <map>
#include <string>

namespace r1 {

struct deploy_config {
    std::string provider = "fly";
    std::string app;
    std::string region;  // empty: the provider's default (fly: iad)
    std::string image;
    std::string dir = ".";
    std::string health_url;     // empty: the provider's default (fly: https://<app>.fly.dev)
    std::string expected_body;  // substring the health body must contain
    bool dry_run = false;
    bool verify_only = false;
    bool allow_insecure_redirects = false;  // follow an https health URL's redirect to plain http
    std::chrono::milliseconds health_timeout = std::chrono::seconds(15);
    std::chrono::milliseconds deploy_timeout = std::chrono::minutes(30);
    unsigned retries = 2;  // redeploys after a transient deploy failure; 0 disables every retry
    std::chrono::milliseconds retry_budget = std::chrono::minutes(10);  // all retry waits together
    /// After a good deploy, a failing health check is re-checked (1, 2, 4, 8 s...) within this.
    std::chrono::milliseconds warmup = std::chrono::seconds(15);
    /// How long the new release may take to run on every machine the deploy manages.
    std::chrono::milliseconds release_timeout = std::chrono::minutes(5);
    /// Response headers later than this fail a deploy's health check ("slow").
    std::chrono::milliseconds ttfb_sla = std::chrono::seconds(3);
    bool auto_rollback = false;          // roll back when verification fails (the strict predicate)
    bool redeploy_on_unhealthy = false;  // the seed's repair tier for a failing health check (never a 4xx)
    bool retries_on_timeout = false;     // a deploy that ran past --deploy-timeout may be retried
    // The browser check (--browser): after the health check passes, the page loaded in Chromium.
    bool browser = false;
    std::string browser_url;  // the page to load; empty: the health URL
    std::chrono::milliseconds browser_timeout = std::chrono::seconds(30);
    unsigned max_console_errors = 0;     // console errors and uncaught exceptions allowed
    bool fail_on_request_errors = false;  // a failed subresource fails the check
    bool canary = false;  // a batch deploys it with the canaries, before the rest (cli/rollout.hpp)
    /// Settings one provider alone takes, by manifest key ("flyctl" = the flyctl binary's path).
    std::map<std::string, std::string, std::less<>> options;

    bool operator==(const deploy_config&) const = default;
};

}  // namespace r1
