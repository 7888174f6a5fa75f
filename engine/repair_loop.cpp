#include "engine/repair_loop.hpp"

#include <boost/asio/this_coro.hpp>

#include <algorithm>

namespace r1::engine {
namespace {

namespace asio = boost::asio;
using std::chrono::milliseconds;

bool is_rate_limit(const verdict& v) { return v.signal == "http-429" || v.signal == "rate-limit"; }

/// The wait before retrying after `f`: the tier's own delay, stretched for a rate limit.
milliseconds wait_for(const failure& f, milliseconds planned, const loop_policy& policy) {
    if (!is_rate_limit(f.why)) return planned;
    // Clamped before the conversion: seconds past ~292,000 years would overflow milliseconds. Any
    // wait this long is over every budget, so retry() stops on it.
    constexpr std::chrono::seconds longest{std::chrono::hours(24 * 365)};
    milliseconds floor = f.retry_after ? milliseconds(std::min(*f.retry_after, longest)) : policy.rate_limit_floor;
    return std::max(planned, floor);
}

class task_run {
public:
    task_run(clock& clk, loop_policy policy, backoff jitter, std::function<void(const attempt_record&)> on_attempt)
        : clk_(clk), policy_(std::move(policy)), jitter_(std::move(jitter)), on_attempt_(std::move(on_attempt)),
          budget_end_(clk.now() + policy_.retry_budget) {}

    /// Records the attempt and waits. False when the budget cannot cover the wait or r1 was
    /// interrupted: the caller stops with the failure it has.
    asio::awaitable<bool> retry(std::string_view step, tier level, const failure& f, milliseconds delay) {
        // A signal that came while the failed step was winding down (flyctl already exited, its
        // pipes still draining) has no wait left to cancel: neither announce nor start one.
        if (co_await interrupted()) co_return false;
        // What is left of the budget against the wait, both in milliseconds: now() + delay would
        // overflow the clock for a wait of centuries.
        auto left = std::chrono::duration_cast<milliseconds>(budget_end_ - clk_.now());
        if (delay > left) {
            budget_exhausted_ = true;
            co_return false;
        }
        attempt_record rec{.number = static_cast<unsigned>(outcome_.attempts.size()) + 2,
                           .step = std::string(step),
                           .level = level,
                           .cls = f.why.cls,
                           .signal = std::string(f.why.signal),
                           .delay = delay,
                           .detail = f.detail};
        if (on_attempt_) on_attempt_(rec);
        outcome_.attempts.push_back(std::move(rec));
        co_await clk_.sleep_until(clk_.now() + delay);
        co_return !(co_await interrupted());
    }

    static asio::awaitable<bool> interrupted() {
        auto cs = co_await asio::this_coro::cancellation_state;
        co_return cs.cancelled() != asio::cancellation_type::none;
    }

    /// Evaluates every criterion; returns the first failure (ec empty when all passed).
    asio::awaitable<failure> evaluate(const std::vector<criterion*>& criteria) {
        outcome_.criteria.clear();
        failure first;
        for (auto* c : criteria) {
            auto r = co_await c->evaluate();
            if (!r.passed && !first.ec) first = r.fault;
            outcome_.criteria.push_back(std::move(r));
        }
        co_return first;
    }

    task_outcome finish(failure last) {
        if (last.ec && budget_exhausted_) last.detail += " (retry budget exhausted)";
        outcome_.last = std::move(last);
        return std::move(outcome_);
    }

    clock& clk_;
    loop_policy policy_;
    backoff jitter_;
    std::function<void(const attempt_record&)> on_attempt_;
    clock::time_point budget_end_;
    bool budget_exhausted_ = false;
    task_outcome outcome_;
};

failure interruption() { return {make_error_code(error::interrupted), "interrupted", {failure_class::permanent, "interrupted"}}; }

}  // namespace

std::string_view to_string(tier t) noexcept {
    switch (t) {
    case tier::first: return "first";
    case tier::env_fix: return "env-fix";
    case tier::repair: return "repair";
    }
    return "first";
}

bool redeploy_may_help(const failure& f, const loop_policy& policy) noexcept {
    if (f.why.cls != failure_class::transient) return false;
    switch (f.source) {
    case failure_source::step:
    case failure_source::source_tree: return true;  // a fresh deploy of what HEAD is now
    case failure_source::health:
        // A 4xx (a 429 too: the app throttles r1, it is not broken) is what the app means to say.
        return policy.redeploy_on_unhealthy && !(f.http_status >= 400 && f.http_status < 500);
    case failure_source::release: return policy.redeploy_on_unhealthy;
    }
    return false;
}

asio::awaitable<task_outcome> run_task(clock& clk, loop_policy policy, backoff jitter, deploy_step deploy,
                                       std::vector<criterion*> criteria,
                                       std::function<void(const attempt_record&)> on_attempt) {
    task_run run{clk, std::move(policy), std::move(jitter), std::move(on_attempt)};
    const auto& p = run.policy_;
    unsigned redeploys = 0;
    for (;;) {
        run.outcome_.deploy_started = clk.now();
        if (!p.dry_run) {
            ++run.outcome_.deploys;
            auto deployed = co_await deploy();
            if (deployed.ec == error::interrupted) co_return run.finish(std::move(deployed));
            if (deployed.ec) {
                // env-fix: a transient failure of the provider CLI itself (the API's 503, a reset)
                // is the same step again. One that ran past its own deadline is not, unless asked:
                // three times --deploy-timeout is rarely what anyone wants.
                bool may_retry = deployed.why.cls == failure_class::transient && redeploys < p.retries &&
                                 (!deployed.timed_out || p.retry_on_timeout);
                if (!may_retry) co_return run.finish(std::move(deployed));
                auto delay = wait_for(deployed, run.jitter_.next(redeploys), p);
                ++redeploys;
                if (!co_await run.retry("deploy", tier::env_fix, deployed, delay)) {
                    if (co_await task_run::interrupted()) deployed = interruption();
                    co_return run.finish(std::move(deployed));
                }
                continue;
            }
        }

        // A signal that arrived as the deploy finished stops us before the criteria.
        if (co_await task_run::interrupted()) co_return run.finish(interruption());
        // After a good deploy, a failing criterion is re-checked through the warm-up window (and,
        // with verify_at_least, until that long after the deploy started), then the deploy ends.
        failure failed;
        clock::time_point warmup_end{}, floor_end{};
        for (std::size_t warm = 0;; ++warm) {
            failed = co_await run.evaluate(criteria);
            if (!failed.ec || p.dry_run) co_return run.finish({});
            if (co_await task_run::interrupted()) co_return run.finish(interruption());
            if (warm == 0) {
                warmup_end = clk.now() + (p.retries == 0 ? milliseconds(0) : p.warmup);
                floor_end = run.outcome_.deploy_started + p.verify_at_least;
            }
            auto now = clk.now();
            if (!failed.recheck_may_help || p.warmup_schedule.empty()) break;
            // Inside the floor any failure is looked at again; past it, only a transient one.
            auto end = failed.why.cls == failure_class::transient ? std::max(warmup_end, floor_end) : floor_end;
            if (now >= end) break;
            auto planned = p.warmup_schedule[std::min(warm, p.warmup_schedule.size() - 1)];
            auto left = std::chrono::duration_cast<milliseconds>(end - now);
            // A rate limit is never asked sooner than it said, even when that wait ends past the
            // window (the next failure then ends the re-checks); any other wait is clipped to it.
            auto delay = wait_for(failed, planned, p);
            if (!is_rate_limit(failed.why)) delay = std::min(delay, left);
            auto which = std::find_if(run.outcome_.criteria.begin(), run.outcome_.criteria.end(),
                                      [](const criterion_result& r) { return !r.passed; });
            if (!co_await run.retry(which->id, tier::env_fix, failed, delay)) {
                if (co_await task_run::interrupted()) failed = interruption();
                co_return run.finish(std::move(failed));
            }
        }

        // repair: only where a fresh deploy can change the outcome (see redeploy_may_help).
        if (!redeploy_may_help(failed, p) || redeploys >= p.retries) co_return run.finish(std::move(failed));
        auto delay = wait_for(failed, run.jitter_.next(redeploys), p);
        ++redeploys;
        if (!co_await run.retry("deploy", tier::repair, failed, delay)) {
            if (co_await task_run::interrupted()) failed = interruption();
            co_return run.finish(std::move(failed));
        }
    }
}

}  // namespace r1::engine
