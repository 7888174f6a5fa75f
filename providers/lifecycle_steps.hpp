#pragma once
/// What r1::deploy() and r1::roll_back() share: validation, the loop's policy from the settings, one
/// run of the loop, the pre-flight and putting a release back with its verification. Internal to
/// r1_lib (providers/deploy.cpp, providers/rollback.cpp).
#include "engine/repair_loop.hpp"
#include "providers/criteria.hpp"
#include "providers/deploy.hpp"
#include "providers/provider.hpp"

#include <boost/asio/awaitable.hpp>

#include <optional>
#include <string>
#include <variant>
#include <vector>

namespace r1::detail {

deploy_result fail(error e, std::string message);
const providers::registry& registry_of(const providers::registry* given);

/// Everything that can be known wrong before anything runs. `cfg` has the provider's defaults.
std::optional<deploy_result> validate(const deploy_config& cfg, const providers::provider& provider);

engine::health_config health_settings(const deploy_config& cfg, std::string url);

/// Polls `url` once a second until it is healthy or `within` has passed ("" then, else the last
/// check's line): deploy_request::wait_healthy for a provider that proves a new instance itself.
boost::asio::awaitable<std::string> wait_healthy(net::http_client& http, engine::clock& clock, deploy_config cfg,
                                                 std::string url, std::chrono::milliseconds within);

/// A deploy's health rules: --ttfb-sla, and the cascade of health paths when no --health-url was given.
providers::health_rules health_rules_of(const deploy_config& cfg);

/// The loop's policy from the task's settings (warm-up, redeploy rules, budget).
engine::loop_policy policy_of(const deploy_config& cfg);

/// Runs the task through the descent loop and turns its outcome into the caller's result.
boost::asio::awaitable<deploy_result> run_loop(const deploy_services& services, engine::clock& clock,
                                               engine::loop_policy policy, engine::deploy_step step,
                                               std::vector<engine::criterion*> criteria,
                                               const providers::health_criterion& health);

/// The provider's pre-flight, announced as an event. A refusal (credentials, no such app, no
/// answer) is the result to return: exit 3, nothing deployed.
boost::asio::awaitable<std::variant<providers::preflight_result, deploy_result>> run_preflight(
    const providers::provider& provider, const providers::step_context& ctx, const deploy_config& cfg);

/// Deploys `target` again and verifies it (DEPLOY-RELEASE-LIVE, DEPLOY-HEALTH-200), between the
/// rollback.start and rollback.end events. The result's rollback record says what happened; its
/// ec is the rollback's own (provider_failed: the step failed; unhealthy...: it did not verify).
boost::asio::awaitable<deploy_result> put_back(const providers::provider& provider, const providers::step_context& ctx,
                                               const deploy_config& cfg, const deploy_services& services,
                                               engine::clock& clock, providers::release_ref target,
                                               providers::preflight_result before);

/// Why a deploy (or a rollback) that ran its loop is not ok, as deploy_result::cause: "" when it is;
/// interrupted; the last step's failure (deploy-failed, deploy-timeout, bad-provider-output); else
/// the first failed criterion's (the health check's code, release-not-serving, commit-moved).
std::string loop_cause(const deploy_result& result, const providers::deploy_outcome& last_step,
                       const providers::health_criterion& health);

/// A failed deploy (or rollback) step as the loop sees it: classified, a timeout marked.
engine::failure step_failure(const providers::deploy_outcome& reported, const deploy_config& cfg);

/// Whether `ec` is a verification failure (exit 1) rather than a failed step or a usage error.
bool is_verification_failure(const boost::system::error_code& ec);

}  // namespace r1::detail
