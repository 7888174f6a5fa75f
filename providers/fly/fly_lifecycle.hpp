#pragma once
/// The fly adapter's lifecycle steps around `flyctl deploy`: pre-flight (`flyctl status --json`),
/// proof that a release serves (status polled until every managed machine runs it), the release a
/// rollback puts back (`flyctl releases --json --image`), and recent logs (`flyctl logs --no-tail`).
#include "providers/provider.hpp"

#include <boost/asio/awaitable.hpp>

#include <chrono>
#include <optional>
#include <string>
#include <vector>

namespace r1::providers::fly {

/// How often the release proof looks, and how many bad answers of `flyctl status` in a row it
/// takes (flyctl and the Machines API fail now and then; a fourth in a row fails the proof).
inline constexpr std::chrono::seconds status_poll_interval{2};
inline constexpr unsigned bad_status_tolerated = 3;
/// The lines of `flyctl logs --no-tail` kept as evidence.
inline constexpr std::size_t evidence_lines = 200;

std::vector<std::string> flyctl_status_argv(const std::string& flyctl, const std::string& app);
std::vector<std::string> flyctl_releases_argv(const std::string& flyctl, const std::string& app);
std::vector<std::string> flyctl_logs_argv(const std::string& flyctl, const std::string& app);
/// fly's documented rollback: deploy the earlier release's image (fly.io/docs/blueprints/rollback-guide).
std::vector<std::string> flyctl_rollback_argv(const std::string& flyctl, const std::string& app, const std::string& image);

boost::asio::awaitable<preflight_result> fly_preflight(const step_context& ctx, deploy_config cfg);
boost::asio::awaitable<release_proof> fly_prove_release(const step_context& ctx, release_proof_request req);
boost::asio::awaitable<release_lookup> fly_find_release(const step_context& ctx, deploy_config cfg, std::string version,
                                                        std::optional<release_ref> serving);
boost::asio::awaitable<std::string> fly_recent_logs(const step_context& ctx, deploy_config cfg);

}  // namespace r1::providers::fly
