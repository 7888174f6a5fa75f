#pragma once
/// The provider seam: everything r1::deploy() asks of a hosting provider's adapter. Each adapter
/// lives in its own folder (providers/fly/, ...) and is named only there and in the registry.
#include "engine/classify/classify.hpp"
#include "engine/clock.hpp"
#include "engine/error.hpp"
#include "proc/runner.hpp"
#include "providers/deploy_config.hpp"
#include "providers/provider_option.hpp"

#include <boost/asio/awaitable.hpp>

#include <chrono>
#include <functional>
#include <optional>
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
    bool timed_out = false;        // the step ran past its own deadline (--deploy-timeout)
};

/// A release of an app as its provider names it: what a deploy made, what serves now, what a
/// rollback puts back.
struct release_ref {
    std::string id;       // the provider's release id, when it has one
    std::string version;  // "42": fly's release version, shown as "v42"; another provider's release name as it is
    std::string image;    // the image it runs: "registry.fly.io/web:deployment-01J..."
    bool empty() const noexcept { return version.empty() && image.empty(); }
    /// "v42 (registry.fly.io/web:deployment-01J...)", "v42", "dpl_8xK2 (...)", or the image alone.
    std::string label() const;
    bool operator==(const release_ref&) const = default;
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
    release_ref target;  // roll_back(): the release to put back
};

/// Something the lifecycle did, as it happens: the CLI prints it as a line or an NDJSON event of
/// the same name. Names are stable (README, "Machine-readable output").
struct lifecycle_event {
    std::string_view name;  // one of the event_names below
    bool ok = true;
    std::string detail;    // one line for the operator
    release_ref release;   // the release the event is about, when there is one
    unsigned poll = 0;     // release.poll: 1, 2, ...
    unsigned ready = 0;    // release.poll: units (fly: machines) serving the release as asked
    unsigned total = 0;    // release.poll: units the deploy manages
};

namespace event_names {
inline constexpr std::string_view preflight = "preflight";            // what serves before the deploy
inline constexpr std::string_view config_written = "config.written";  // a config file written for the stack
inline constexpr std::string_view release = "release";                // the release a deploy step made
inline constexpr std::string_view release_poll = "release.poll";      // one look at where it serves
inline constexpr std::string_view rollback_start = "rollback.start";
inline constexpr std::string_view rollback_end = "rollback.end";
inline constexpr std::string_view evidence = "evidence";  // recent logs attached to a failure
}  // namespace event_names

/// What a lifecycle step works with, owned by the caller for the step's whole run: the runner for
/// the CLI, the clock its polls sleep on, where the CLI's output and the step's events go.
struct step_context {
    proc::runner& runner;
    engine::clock& clock;
    std::string cli;  // the CLI's resolved path (locate_cli)
    std::function<void(std::string_view)> on_output;       // the CLI's output for the task's log; may be empty
    std::function<void(const lifecycle_event&)> on_event;  // may be empty
    void emit(const lifecycle_event& e) const {
        if (on_event) on_event(e);
    }
};

/// What the pre-flight found. Only `ok` and `not_checked` let a deploy go on.
enum class preflight_status {
    ok,           // the app exists and the credentials work
    not_checked,  // the provider has no pre-flight (the default)
    credentials,  // no credentials, or refused: nothing may be deployed
    app_missing,  // the app does not exist: `message` says how to create it
    failed,       // the provider CLI could not answer (after a few tries)
};

struct preflight_result {
    preflight_status status = preflight_status::not_checked;
    std::string message;  // the problem, for the operator; or a note ("first deploy: no release yet")
    std::optional<release_ref> serving;  // what serves now, the rollback target; none on a first deploy
    /// Units stopped on purpose before the deploy (fly: machines stopped or suspended), which a
    /// deploy updates but does not start.
    std::vector<std::string> resting;
};

/// What prove_release() is asked to prove.
struct release_proof_request {
    deploy_config cfg;
    deploy_outcome reported;  // the deploy step's (its release and image)
    preflight_result before;
    std::chrono::steady_clock::time_point deadline;  // --release-timeout from the start of the proof
};

struct release_proof {
    bool checked = false;  // false: the provider cannot tell; the criterion passes with `detail` as a note
    boost::system::error_code ec;  // empty: it serves everywhere; unhealthy: not by the deadline; interrupted
    std::string detail;    // one line: where it serves, or which units do not and why
    release_ref release;   // the release looked for
};

/// A release looked up by version (r1 rollback --to).
struct release_lookup {
    boost::system::error_code ec;  // empty, provider_failed (not found, or the CLI failed), interrupted
    std::string message;
    release_ref release;
};

/// What prepare() did to the app's directory before a deploy.
struct prepared_dir {
    boost::system::error_code ec;  // usage when a file could not be written
    std::string note;               // "wrote fly.toml for a Node.js app (package.json)"; "" when nothing
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

    /// Writes what the directory lacks for a deploy (fly: a fly.toml for the detected stack), never
    /// overwriting a file. Default: nothing.
    virtual prepared_dir prepare(const deploy_config& cfg) const;

    /// Before anything is deployed: are the credentials good, does the app exist, what serves now?
    /// Default: not checked, no rollback target.
    virtual boost::asio::awaitable<preflight_result> preflight(const step_context& ctx, deploy_config cfg) const;

    /// After a deploy step succeeded: polls until the reported release serves on every unit the
    /// deploy manages, or `req.deadline`. Default: not checked.
    virtual boost::asio::awaitable<release_proof> prove_release(const step_context& ctx,
                                                                release_proof_request req) const;

    /// Puts `req.target` back (deploys that release again), where the provider has a way to
    /// (default: none). The outcome reports the release the rollback made, as deploy() does.
    virtual bool can_roll_back() const { return false; }
    virtual boost::asio::awaitable<deploy_outcome> roll_back(proc::runner& runner, deploy_request req) const;

    /// Release `version` of the app; with an empty `version`, the newest release before `serving`
    /// that runs another image: what `r1 rollback` puts back. Default: not found.
    virtual boost::asio::awaitable<release_lookup> find_release(const step_context& ctx, deploy_config cfg,
                                                                std::string version,
                                                                std::optional<release_ref> serving) const;

    /// The app's recent logs, for a failed verification's report (secrets are masked by the
    /// runner). Default: none.
    virtual boost::asio::awaitable<std::string> evidence(const step_context& ctx, deploy_config cfg) const;

    /// Environment variables that hold this provider's credentials (never argv, never a file), and
    /// the token formats it documents, which the redactor masks wherever they appear.
    virtual std::span<const std::string_view> credential_variables() const { return {}; }
    virtual std::span<const token_format> token_formats() const { return {}; }
};

}  // namespace r1::providers
