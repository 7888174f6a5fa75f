#pragma once
/// The acceptance criteria r1 evaluates after a deploy, in this order: DEPLOY-COMMIT-MATCH,
/// DEPLOY-RELEASE-LIVE and DEPLOY-HEALTH-200.
#include "engine/clock.hpp"
#include "engine/health_check.hpp"
#include "engine/repair_loop.hpp"
#include "net/http_client.hpp"
#include "proc/runner.hpp"
#include "providers/provider.hpp"

#include <chrono>
#include <optional>
#include <string>

namespace r1::providers {

/// What a deploy asks of its health check beyond a 200.
struct health_rules {
    /// Response headers later than this fail the check ("slow"); 0: no limit.
    std::chrono::milliseconds ttfb_sla{0};
    /// The URL is the app's root, not one the user gave: when the root answers a 4xx (no page
    /// there), the app's health paths are tried, in cascade_paths' order.
    bool cascade = false;
};

/// The cascade after a root that answered a 4xx: each entry one path, or two that must both
/// answer 200 (liveness with readiness).
inline constexpr std::string_view cascade_paths[][2] = {
    {"/healthz", ""}, {"/health", ""}, {"/livez", "/readyz"}, {"/_health", ""}};

/// The health GET of `r1 deploy`: 200, a non-empty body, the expected substring, headers within the
/// TTFB limit; at the app's root, its health paths when the root is not a page. Soft-passes in a
/// dry run, so a preview stays free of network traffic.
class health_criterion final : public engine::criterion {
public:
    /// Each check's deadline is `timeout` from `clock`'s now.
    health_criterion(engine::clock& clock, net::http_client& http, engine::health_config cfg,
                     std::chrono::milliseconds timeout, bool dry_run, health_rules rules = {})
        : clock_(clock), http_(http), cfg_(std::move(cfg)), timeout_(timeout), dry_run_(dry_run), rules_(rules) {}

    std::string_view id() const override { return "DEPLOY-HEALTH-200"; }
    boost::asio::awaitable<engine::criterion_result> evaluate() override;
    /// For a provider that learns the URL from its deploy step (a deployment URL it printed).
    void set_url(std::string url) { cfg_.url = std::move(url); }
    const std::string& url() const noexcept { return cfg_.url; }
    /// The last check's line ("health check: ..."), for stdout.
    const std::string& last_line() const noexcept { return last_line_; }
    /// The leaf certificates the last check verified (engine::health_report::verified_spki).
    const std::vector<std::string>& verified_spki() const noexcept { return verified_spki_; }
    /// The last check's status (0: none), cause code ("" when healthy) and final URL.
    unsigned last_status() const noexcept { return last_status_; }
    const std::string& last_cause() const noexcept { return last_cause_; }
    const std::string& last_final_url() const noexcept { return last_final_url_; }
    /// The last check's HTTP phases, when a GET was answered.
    const std::optional<net::phase_times>& last_phases() const noexcept { return last_phases_; }
    /// Time spent checking, every evaluation together; negative before the first.
    std::chrono::milliseconds checked_for() const noexcept { return checked_for_; }

private:
    engine::clock& clock_;
    net::http_client& http_;
    /// One check of `url` (a health path of the app, or cfg_'s own URL).
    boost::asio::awaitable<engine::health_report> check(std::string url);
    /// The root answered `root` (a 4xx): the first health path that decides, or `root` itself.
    boost::asio::awaitable<engine::health_report> cascade(engine::health_report root);

    engine::health_config cfg_;
    std::chrono::milliseconds timeout_;
    bool dry_run_;
    health_rules rules_;
    std::string last_line_;
    std::vector<std::string> verified_spki_;
    unsigned last_status_ = 0;
    std::string last_cause_;
    std::string last_final_url_;
    std::chrono::milliseconds checked_for_{-1};
    std::optional<net::phase_times> last_phases_;
};

/// The release the deploy step reported serves on every unit the deploy manages (fly: every
/// machine runs its image and version, is started, its checks pass), polled by the provider until
/// --release-timeout. A provider that cannot tell passes with a note. Once proven, a release stays
/// proven for the warm-up's re-checks; the next deploy step (begin()) asks again.
class release_criterion final : public engine::criterion {
public:
    release_criterion(const provider& p, const step_context& ctx, deploy_config cfg, std::chrono::milliseconds timeout,
                      bool dry_run)
        : provider_(p), ctx_(ctx), cfg_(std::move(cfg)), timeout_(timeout), dry_run_(dry_run) {}

    /// A deploy step succeeded and reported `reported`; `before` is what the pre-flight saw.
    void begin(deploy_outcome reported, preflight_result before);
    std::string_view id() const override { return "DEPLOY-RELEASE-LIVE"; }
    boost::asio::awaitable<engine::criterion_result> evaluate() override;
    /// The release last looked for (empty before any).
    const release_ref& release() const noexcept { return release_; }

private:
    const provider& provider_;
    const step_context& ctx_;
    deploy_config cfg_;
    std::chrono::milliseconds timeout_;
    bool dry_run_;
    deploy_outcome reported_;
    preflight_result before_;
    release_ref release_;
    std::optional<engine::criterion_result> proven_;
};

/// The commit in --dir when the deploy started must still be HEAD after it (a prefix of either
/// matches): a branch switched mid-deploy means the app runs code nobody asked for. Outside a git
/// work tree, or without git, it passes with a note rather than triggering redeploys.
class commit_criterion final : public engine::criterion {
public:
    commit_criterion(engine::clock& clock, proc::runner& runner, std::string git, std::string dir, bool dry_run)
        : clock_(clock), runner_(runner), git_(std::move(git)), dir_(std::move(dir)), dry_run_(dry_run) {}

    /// Records HEAD before the deploy starts.
    boost::asio::awaitable<void> capture();
    std::string_view id() const override { return "DEPLOY-COMMIT-MATCH"; }
    boost::asio::awaitable<engine::criterion_result> evaluate() override;

private:
    /// HEAD, or nullopt with `note_` saying why there is none.
    boost::asio::awaitable<std::optional<std::string>> head();

    engine::clock& clock_;
    proc::runner& runner_;
    std::string git_;  // resolved path; empty when git is not installed
    std::string dir_;
    bool dry_run_;
    std::optional<std::string> captured_;
    std::string note_;
};

}  // namespace r1::providers
