#pragma once
/// r1's deploy as a library call: validate, then dry-run preview, verify-only, or the lifecycle:
/// pre-flight, deploy, proof that the release serves, health check, and (when asked) rollback.
/// The CLI is one caller; a program can be another, with its own runner and HTTP client.
#include "engine/clock.hpp"
#include "engine/error.hpp"
#include "engine/health_check.hpp"
#include "engine/repair_loop.hpp"
#include "net/http_client.hpp"
#include "proc/browser/checker.hpp"
#include "proc/runner.hpp"
#include "providers/deploy_config.hpp"
#include "providers/provider.hpp"

#include <boost/asio/awaitable.hpp>

#include <chrono>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace r1 {

namespace providers {
class registry;
}

struct deploy_services {
    proc::runner& runner;
    net::http_client& http;
    std::function<void(std::string_view)> log;  // the provider CLI's live output; may be empty
    std::string path_env;                       // $PATH, where flyctl and git are looked up
    engine::clock* clock = nullptr;             // null: the steady clock
    std::function<void(const engine::attempt_record&)> on_attempt;  // each retry, as decided
    std::uint64_t seed = 0;                     // backoff jitter
    const providers::registry* providers = nullptr;  // null: the built-in providers
    /// Runs the browser check of a task with `browser` set, after its health check passed. Null: a
    /// task that asks for one fails with a usage error.
    proc::browser::page_checker* browser = nullptr;
    std::string screenshot_path;                // the browser check's PNG; empty: none
    std::function<void(const providers::lifecycle_event&)> on_event;  // pre-flight, release, polls, rollback
};

/// A rollback: `r1 rollback`'s, or --auto-rollback's after a failed verification (also when the
/// predicate said no: then attempted is false and detail says why not).
struct rollback_record {
    bool attempted = false;
    bool ok = false;
    providers::release_ref to;    // the release put back
    providers::release_ref made;  // the release the rollback made (fly: a new version running to's image)
    std::string detail;           // "rolled back to v41 (registry.fly.io/x:deployment-...), healthy", or why not
};

struct deploy_result {
    /// Empty on success; else one of r1::error. The sentinels cli_not_found (flyctl_not_found),
    /// app_name_missing and provider_unsupported compare equal with ==, as std::error_code too.
    boost::system::error_code ec;
    std::string output;   // for stdout: the dry-run preview or the health-check line
    std::string message;  // for stderr when ec is set and output does not already say it
    std::vector<engine::attempt_record> attempts;   // every retry, with tier, class and delay
    std::vector<engine::criterion_result> criteria;  // the final evaluation (empty for verify-only)
    providers::deploy_outcome reported;  // what the provider's last deploy step reported (url, release, image)
    /// For programs (reports, NDJSON): the last health check's HTTP status (0: no response) and the
    /// URL its redirects led to; why the result is not ok as a stable code ("" when it is ok):
    /// the health check's (http-503, timeout, tls-verify, ...), or deploy-failed, deploy-timeout,
    /// commit-moved, browser-check, cli-not-found, usage, interrupted...
    unsigned http_status = 0;
    std::string final_url;
    std::string cause;
    /// Time spent in each phase, every attempt together; negative: the phase did not run.
    std::chrono::milliseconds deploy_time{-1}, health_time{-1};
    /// The last health check's HTTP phases (lookup, connect, TLS, first byte, body), summed over its
    /// redirects; none when no GET was answered.
    std::optional<net::phase_times> http_phases;
    std::optional<providers::release_ref> previous;  // what served before (pre-flight); none on a first deploy
    providers::release_ref release;                  // the release the deploy made, when the provider said
    std::optional<rollback_record> rollback;
    std::string evidence;  // the app's recent logs (secrets masked), attached to a failed verification
    /// The browser check's report, when one ran: its console_errors is the count the lifecycle's
    /// auto-rollback predicate reads.
    std::optional<proc::browser::page_report> browser;
    std::optional<providers::deploy_plan> plan;  // a dry run's: what the deploy would run, nothing run
};

/// The operator's `r1 deploy`. Dry-run starts no process and touches no network or file.
boost::asio::awaitable<deploy_result> deploy(deploy_config cfg, deploy_services services);

/// The operator's `r1 rollback`: puts release `to` back (empty: the newest earlier release that
/// runs another image) and verifies it like any deploy. The result's release is the one the
/// rollback made; its rollback record says what was put back.
boost::asio::awaitable<deploy_result> roll_back(deploy_config cfg, std::string to, deploy_services services);

/// The health check `r1 deploy --verify-only` runs for `url`, its deadline health_timeout from `now`:
/// for a caller that validated `cfg` already (a fleet manifest) and runs engine::check_health itself,
/// as r1 verify does thousands at once, without deploy()'s frame.
engine::health_config health_check_of(const deploy_config& cfg, std::string url, engine::clock::time_point now);

/// The URL a task is checked at before any deploy: its health URL, else the provider's default
/// ("" when the provider learns its URL only from a deploy, or is not wired).
std::string planned_health_url(const deploy_config& cfg, const providers::registry* providers = nullptr);

/// "r1-deploy/<version> (+health)".
std::string health_user_agent();

}  // namespace r1
