#pragma once
/// flyctl itself: where it is, the argv of `flyctl deploy`, and one run of it as a deploy step.
#include "engine/error.hpp"
#include "proc/runner.hpp"
#include "providers/provider.hpp"

#include <boost/asio/awaitable.hpp>

#include <chrono>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

namespace r1::providers::fly {

/// --flyctl PATH if given, else `flyctl` then `fly` on `path_env`. Fails with error::cli_not_found.
result<std::string> resolve_flyctl(std::string_view explicit_path, std::string_view path_env);

struct fly_deploy_spec {
    std::string flyctl;  // resolved path
    std::string app;
    std::string region;
    std::string image;   // optional
    std::string dir;     // the working directory flyctl runs in
    std::chrono::steady_clock::time_point deadline;
    std::function<void(std::string_view)> on_output;  // flyctl's stdout and stderr, live
    bool rollback = false;  // `flyctl deploy --app A --image I` alone: a rollback puts an image back
};

/// `flyctl deploy --app A --region R [--image I]`: the order users see in flyctl's docs. No tokens:
/// FLY_API_TOKEN reaches flyctl through the inherited environment only.
std::vector<std::string> flyctl_deploy_argv(const fly_deploy_spec& spec);

/// Runs the deploy with FLY_EMIT_RELEASE_JSON=1 and reads its release line into the outcome
/// (release: the version, image: the image ref). A non-zero exit, a signal or the deadline become
/// provider_failed with flyctl's last words; r1 being cancelled becomes interrupted.
boost::asio::awaitable<deploy_outcome> run_flyctl_deploy(proc::runner& runner, fly_deploy_spec spec);

}  // namespace r1::providers::fly
