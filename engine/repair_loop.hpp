#pragma once
/// The descent loop of one deploy task: execute, evaluate acceptance criteria, and on failure pick a
/// tier from what failed and its class: env-fix (wait, try the same step again), repair (redeploy),
/// or stop. The decision table (cause x tier x action) is in the README, "Retries".
#include "engine/backoff.hpp"
#include "engine/classify/classify.hpp"
#include "engine/clock.hpp"
#include "engine/error.hpp"

#include <boost/asio/awaitable.hpp>

#include <chrono>
#include <functional>
#include <optional>
#include <string>
#include <vector>

namespace r1::engine {

/// What failed: the loop's tiers differ by source (README, "Retries").
enum class failure_source {
    step,         // the provider CLI's deploy step (or a criterion of no source below)
    health,       // DEPLOY-HEALTH-200: the app answered wrong, or not at all
    release,      // DEPLOY-RELEASE-LIVE: the new release did not come up everywhere in time
    source_tree,  // DEPLOY-COMMIT-MATCH: HEAD moved while the deploy ran
};

/// How a step or criterion failed, for the loop to decide on.
struct failure {
    boost::system::error_code ec;  // an r1::error; empty means no failure
    std::string detail;            // one line for the operator
    verdict why;                   // the classifier's answer
    std::optional<std::chrono::seconds> retry_after;  // a server's Retry-After, when it sent one
    /// A fresh look may pass without redeploying (a health endpoint warming up); false for
    /// failures only a redeploy can change (the deployed commit) or that waited already (a release
    /// polled until its deadline).
    bool recheck_may_help = true;
    failure_source source = failure_source::step;
    unsigned http_status = 0;  // the health check's last status, 0 when none
    bool timed_out = false;    // the deploy step ran past its own deadline (--deploy-timeout)
};

struct criterion_result {
    std::string id;      // "DEPLOY-HEALTH-200"
    bool passed = false;
    std::string detail;  // one line: why it passed (may be a note) or failed
    failure fault;       // set when !passed
};

/// One acceptance criterion: an awaitable check with a stable ID.
class criterion {
public:
    virtual ~criterion() = default;
    virtual std::string_view id() const = 0;
    virtual boost::asio::awaitable<criterion_result> evaluate() = 0;
};

enum class tier { first, env_fix, repair };
std::string_view to_string(tier t) noexcept;

/// One thing the loop did and why; the CLI prints these and reports carry them.
struct attempt_record {
    unsigned number = 0;      // 1-based, over the whole task
    std::string step;         // "deploy" or the criterion ID that was re-checked
    tier level = tier::first;
    failure_class cls = failure_class::unknown;
    std::string signal;       // the classifier's deciding signal
    std::chrono::milliseconds delay{0};  // the wait before this attempt
    std::string detail;       // the failure that led to it
};

struct loop_policy {
    /// Redeploys after the first deploy; 0 disables every retry (redeploys and warm-up re-checks;
    /// only verify_at_least's re-checks remain, which --auto-rollback asked for).
    unsigned retries = 2;
    std::chrono::milliseconds retry_budget = std::chrono::minutes(10);  // all waiting together
    /// After a good deploy, a failing criterion is re-checked within this window from its first
    /// failure, on warmup_schedule (its last step repeating), each wait clipped to the window.
    std::chrono::milliseconds warmup = std::chrono::seconds(15);
    std::vector<std::chrono::milliseconds> warmup_schedule{std::chrono::seconds(1), std::chrono::seconds(2),
                                                           std::chrono::seconds(4), std::chrono::seconds(8)};
    /// Re-checks go on, whatever the failure's class, until this long after the deploy step
    /// started (--auto-rollback's 30 s: a fast failure must persist before it is rolled back).
    std::chrono::milliseconds verify_at_least{0};
    /// --redeploy-on-unhealthy: a failing health check (never a 4xx, a 429 included) or a release
    /// that did not come up may be redeployed after the warm-up (the repair tier).
    bool redeploy_on_unhealthy = false;
    /// --retries-on-timeout: a deploy step that ran past its own deadline may be retried.
    bool retry_on_timeout = false;
    backoff_policy redeploy_backoff{};
    /// A 429 without Retry-After waits at least this long: rate limits outlast a warm-up.
    std::chrono::milliseconds rate_limit_floor = std::chrono::seconds(10);
    bool dry_run = false;  // no deploy step, criteria soft-pass, and never the repair tier
};

struct task_outcome {
    failure last;  // ec empty on success
    std::vector<attempt_record> attempts;
    std::vector<criterion_result> criteria;  // the final evaluation
    clock::time_point deploy_started{};     // when the last deploy step started
    unsigned deploys = 0;                   // deploy steps run
};

/// Whether a redeploy of the same release may change `f` under `policy` (the repair tier).
bool redeploy_may_help(const failure& f, const loop_policy& policy) noexcept;

using deploy_step = std::function<boost::asio::awaitable<failure>()>;

/// Runs the task. `on_attempt` (may be empty) sees each retry as it is decided, before its wait.
/// Cancellation (SIGINT) stops between steps and during waits with error::interrupted.
boost::asio::awaitable<task_outcome> run_task(clock& clk, loop_policy policy, backoff jitter, deploy_step deploy,
                                              std::vector<criterion*> criteria,
                                              std::function<void(const attempt_record&)> on_attempt);

}  // namespace r1::engine
