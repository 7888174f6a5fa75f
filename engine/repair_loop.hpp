#pragma once
/// The descent loop of one deploy task: execute, evaluate acceptance criteria, and on failure pick a
/// tier from the failure's class: env-fix (wait, try the same step again), repair (redeploy), or stop.
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

/// How a step or criterion failed, for the loop to decide on.
struct failure {
    boost::system::error_code ec;  // an r1::error; empty means no failure
    std::string detail;            // one line for the operator
    verdict why;                   // the classifier's answer
    std::optional<std::chrono::seconds> retry_after;  // a server's Retry-After, when it sent one
    /// A fresh look may pass without redeploying (a health endpoint warming up); false for
    /// failures only a redeploy can change (the deployed commit).
    bool recheck_may_help = true;
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
    unsigned retries = 2;  // redeploys after the first deploy; 0 disables every retry
    std::chrono::milliseconds retry_budget = std::chrono::minutes(10);  // all waiting together
    /// Re-checks of a failing criterion after a good deploy, before any redeploy.
    std::vector<std::chrono::milliseconds> warmup{std::chrono::seconds(1), std::chrono::seconds(2),
                                                  std::chrono::seconds(4), std::chrono::seconds(8)};
    backoff_policy redeploy_backoff{};
    /// A 429 without Retry-After waits at least this long: rate limits outlast a warm-up.
    std::chrono::milliseconds rate_limit_floor = std::chrono::seconds(10);
    bool dry_run = false;  // no deploy step, criteria soft-pass, and never the repair tier
};

struct task_outcome {
    failure last;  // ec empty on success
    std::vector<attempt_record> attempts;
    std::vector<criterion_result> criteria;  // the final evaluation
};

using deploy_step = std::function<boost::asio::awaitable<failure>()>;

/// Runs the task. `on_attempt` (may be empty) sees each retry as it is decided, before its wait.
/// Cancellation (SIGINT) stops between steps and during waits with error::interrupted.
boost::asio::awaitable<task_outcome> run_task(clock& clk, loop_policy policy, backoff jitter, deploy_step deploy,
                                              std::vector<criterion*> criteria,
                                              std::function<void(const attempt_record&)> on_attempt);

}  // namespace r1::engine
