#pragma once
/// What one deploy task is: the settings of `r1 deploy`, one per app of a fleet manifest. Free of Asio.
#include <chrono>
#include <string>

namespace r1 {

struct deploy_config {
    std::string provider = "fly";
    std::string app;
    std::string region = "iad";
    std::string image;
    std::string dir = ".";
    std::string flyctl;         // explicit flyctl path; empty: $PATH
    std::string health_url;     // empty: https://<app>.fly.dev
    std::string expected_body;  // substring the health body must contain
    bool dry_run = false;
    bool verify_only = false;
    bool allow_insecure_redirects = false;  // follow an https health URL's redirect to plain http
    std::chrono::milliseconds health_timeout = std::chrono::seconds(15);
    std::chrono::milliseconds deploy_timeout = std::chrono::minutes(30);
    unsigned retries = 2;  // redeploys after the first; 0 disables every retry
    std::chrono::milliseconds retry_budget = std::chrono::minutes(10);  // all retry waits together

    bool operator==(const deploy_config&) const = default;
};

}  // namespace r1
