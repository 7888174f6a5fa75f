#pragma once
/// The provider seam: everything r1::deploy() asks of a hosting provider's adapter. Each adapter
/// lives in its own folder (providers/fly/, ...) and is named only there and in the registry.
#include "engine/classify/classify.hpp"
#include "engine/error.hpp"
#include "proc/runner.hpp"
#include "providers/deploy_config.hpp"
#include "providers/provider_option.hpp"

#include <boost/asio/awaitable.hpp>

#include <chrono>
#include <functional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace r1::providers {

/// What the provider's deploy step reported, beyond success or failure.
struct deploy_outcome {
    boost::system::error_code ec;  // empty, or provider_failed, bad_provider_output, interrupted
    std::string message;           // for the operator when ec is set
    std::string url;               // the deployment's URL, when the CLI printed one
    std::string alias;             // the public URL the CLI assigned it (Vercel's production alias), when it said
    std::string release;           // a release id or version, when the CLI said
    std::string image;             // the image that was deployed, when the CLI said
    /// The adapter's own reading of a failure where it knows better than the text classifier (a
    /// held Kamal deploy lock, a wrangler error code); an empty signal leaves it to
    /// engine::classify(message).
    engine::verdict cause;
};

/// Polls `url` until it is healthy or `within` has passed: "" when healthy, else the last check's
/// line. For a provider that must prove a new instance before it retires the old one (Docker).
using health_wait = std::function<boost::asio::awaitable<std::string>(std::string url, std::chrono::milliseconds within)>;

/// One deploy step to run. By value: it lives in the step's coroutine frame.
struct deploy_request {
    std::string cli;  // the CLI's resolved path (locate_cli)
    deploy_config cfg;
    std::chrono::steady_clock::time_point deadline;
    std::function<void(std::string_view)> on_output;  // the CLI's stdout and stderr, live; may be empty
    health_wait wait_healthy;  // r1's health check (expected body and TLS settings included); may be empty
};

class provider {
public:
    virtual ~provider() = default;

    /// The `--provider` value ("fly") and the CLI it drives ("flyctl"), for messages.
    virtual std::string_view name() const = 0;
    virtual std::string_view cli_name() const = 0;

    /// Settings of this provider alone; they join the flag and manifest-key table.
    virtual std::span<const provider_option> options() const { return {}; }
    /// Fills in what the user left to the provider's default (fly: region iad).
    virtual void apply_defaults(deploy_config& cfg) const = 0;

    /// Why `app` cannot name an app of this provider, in one line; "" when it can.
    virtual std::string app_name_problem(std::string_view app) const = 0;
    /// Everything else wrong with the settings before anything runs, one line each, in the order a
    /// user should fix them. `cfg` has its defaults applied.
    virtual std::vector<std::string> problems(const deploy_config& cfg) const = 0;

    /// What `--dry-run` prints: exact and deterministic, no process, no file.
    virtual std::string preview(const deploy_config& cfg) const = 0;

    /// The CLI's path: its option if given, else a search of `path_env`. On failure,
    /// error::cli_not_found, and cli_missing() says how to install it.
    virtual result<std::string> locate_cli(const deploy_config& cfg, std::string_view path_env) const = 0;
    virtual std::string cli_missing(const deploy_config& cfg) const = 0;

    /// Runs the deploy. A non-zero exit, a signal or the deadline is provider_failed with the CLI's
    /// last words; r1 being cancelled is interrupted.
    virtual boost::asio::awaitable<deploy_outcome> deploy(proc::runner& runner, deploy_request req) const = 0;

    /// The URL checked when no health URL is given. `reported` is the deploy step's outcome, or null
    /// before any deploy (verify-only): a provider that learns its URL from the CLI returns "" then.
    virtual std::string default_health_url(const deploy_config& cfg, const deploy_outcome* reported) const = 0;

    /// At most this many of this provider's deploys at once in a batch, whatever --concurrency says
    /// (0: no cap of its own): provider APIs rate-limit concurrent deploys from one account. A
    /// manifest's `[provider.NAME] concurrency = N` overrides it.
    virtual unsigned batch_concurrency() const { return 0; }

    /// Puts the previous release back, where the provider has a way to (default: none).
    virtual bool can_roll_back() const { return false; }
    virtual boost::asio::awaitable<deploy_outcome> roll_back(proc::runner& runner, deploy_request req) const;

    /// Environment variables that hold this provider's credentials (never argv, never a file), and
    /// the token formats it documents, which the redactor masks wherever they appear.
    virtual std::span<const std::string_view> credential_variables() const { return {}; }
    virtual std::span<const token_format> token_formats() const { return {}; }
};

}  // namespace r1::providers
