#include "engine/repair_loop.hpp"

#include "tests/support/manual_clock.hpp"
#include "tests/support/run.hpp"

#include <boost/asio/bind_cancellation_slot.hpp>
#include <boost/asio/cancellation_signal.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/this_coro.hpp>
#include <catch2/catch.hpp>

#include <algorithm>
#include <deque>
#include <optional>

using namespace std::chrono_literals;
using r1::engine::attempt_record;
using r1::engine::criterion_result;
using r1::engine::failure;
using r1::engine::failure_class;
using r1::engine::loop_policy;
using r1::engine::tier;
using r1::test::manual_clock;

namespace {

failure transient(std::string_view signal, std::string detail = "transient failure") {
    return {make_error_code(r1::error::unavailable), std::move(detail), {failure_class::transient, signal}};
}
failure permanent(std::string_view signal, std::string detail = "permanent failure") {
    return {make_error_code(r1::error::provider_failed), std::move(detail), {failure_class::permanent, signal}};
}
/// A failing health check, as DEPLOY-HEALTH-200 reports one: its source and HTTP status.
failure unhealthy(unsigned status, failure_class cls = failure_class::transient) {
    failure f{make_error_code(r1::error::unhealthy), "health check: got HTTP " + std::to_string(status),
              {cls, status == 429 ? "http-429" : "http-5xx"}};
    f.source = r1::engine::failure_source::health;
    f.http_status = status;
    return f;
}

/// A criterion that answers from a script: each evaluation takes the next result (the last repeats).
class scripted_criterion final : public r1::engine::criterion {
public:
    explicit scripted_criterion(std::deque<failure> script) : script_(std::move(script)) {}
    std::string_view id() const override { return "DEPLOY-HEALTH-200"; }
    boost::asio::awaitable<criterion_result> evaluate() override {
        ++evaluations;
        failure f = script_.front();
        if (script_.size() > 1) script_.pop_front();
        co_return criterion_result{std::string(id()), !f.ec, f.ec ? f.detail : "ok", f};
    }
    int evaluations = 0;

private:
    std::deque<failure> script_;
};

struct harness {
    manual_clock clock;
    int deploys = 0;
    std::deque<failure> deploy_script{failure{}};
    std::vector<attempt_record> seen;

    r1::engine::task_outcome run(loop_policy policy, scripted_criterion& crit) {
        auto deploy = [this]() -> boost::asio::awaitable<failure> {
            ++deploys;
            failure f = deploy_script.front();
            if (deploy_script.size() > 1) deploy_script.pop_front();
            co_return f;
        };
        // Named arguments, moved in: GCC 12 mis-copies prvalue class arguments into coroutine frames.
        r1::engine::backoff jitter{policy.redeploy_backoff, 42};
        r1::engine::deploy_step step = deploy;
        std::vector<r1::engine::criterion*> criteria{&crit};
        std::function<void(const attempt_record&)> on_attempt = [this](const attempt_record& a) { seen.push_back(a); };
        return r1::test::run(r1::engine::run_task(clock, std::move(policy), std::move(jitter), std::move(step),
                                                  std::move(criteria), std::move(on_attempt)));
    }
};

}  // namespace

TEST_CASE("repair_loop: a healthy first deploy needs no retry", "[engine][repair]") {
    harness h;
    scripted_criterion health{{failure{}}};
    auto out = h.run({}, health);
    CHECK_FALSE(out.last.ec);
    CHECK(h.deploys == 1);
    CHECK(out.attempts.empty());
    REQUIRE(out.criteria.size() == 1);
    CHECK(out.criteria[0].passed);
    CHECK(h.clock.sleeps().empty());
}

TEST_CASE("repair_loop: a warming-up endpoint is re-checked 1, 2, 4 s before anything is redeployed",
          "[engine][repair][warmup]") {
    harness h;
    scripted_criterion health{{transient("http-503"), transient("http-503"), transient("http-503"), failure{}}};
    auto out = h.run({}, health);
    CHECK_FALSE(out.last.ec);
    CHECK(h.deploys == 1);
    CHECK(health.evaluations == 4);
    CHECK(h.clock.sleeps() == std::vector<manual_clock::duration>{1s, 2s, 4s});
    REQUIRE(out.attempts.size() == 3);
    CHECK(out.attempts[0].number == 2);
    CHECK(out.attempts[0].level == tier::env_fix);
    CHECK(out.attempts[0].step == "DEPLOY-HEALTH-200");
    CHECK(out.attempts[0].signal == "http-503");
    CHECK(h.seen.size() == 3);
}

TEST_CASE("repair_loop: after the warm-up, a failing health check ends the deploy; nothing is redeployed",
          "[engine][repair][tiers]") {
    harness h;
    scripted_criterion health{{unhealthy(503)}};
    loop_policy p;
    p.retry_budget = 24h;
    auto out = h.run(p, health);
    CHECK(out.last.ec == r1::error::unhealthy);
    CHECK(h.deploys == 1);
    CHECK(health.evaluations == 5);  // the check and four re-checks: 1 + 2 + 4 + 8 = the 15 s warm-up
    CHECK(h.clock.sleeps() == std::vector<manual_clock::duration>{1s, 2s, 4s, 8s});
    CHECK(std::none_of(out.attempts.begin(), out.attempts.end(),
                       [](const attempt_record& a) { return a.level == tier::repair; }));
}

// The seed redeployed a still-failing endpoint twice by default (46 s and three deploys for a 503);
// since issue 15 only --redeploy-on-unhealthy does, and never for a 4xx.
TEST_CASE("repair_loop: --redeploy-on-unhealthy redeploys a still-failing endpoint, bounded by --retries, never a 4xx",
          "[engine][repair][tiers]") {
    harness h;
    loop_policy p;
    p.retries = 2;
    p.retry_budget = 24h;
    p.redeploy_on_unhealthy = true;
    SECTION("a 502 is redeployed") {
        scripted_criterion health{{unhealthy(502)}};
        auto out = h.run(p, health);
        CHECK(out.last.ec == r1::error::unhealthy);
        CHECK(h.deploys == 3);               // the first deploy and two redeploys
        CHECK(health.evaluations == 3 * 5);  // each deploy: one check and four warm-up re-checks
        auto repairs = std::count_if(out.attempts.begin(), out.attempts.end(),
                                     [](const attempt_record& a) { return a.level == tier::repair; });
        CHECK(repairs == 2);
        for (const auto& a : out.attempts)
            if (a.level == tier::repair) CHECK(a.delay <= p.redeploy_backoff.cap);
    }
    SECTION("a 429 is re-checked, never redeployed") {
        scripted_criterion health{{unhealthy(429)}};
        auto out = h.run(p, health);
        CHECK(h.deploys == 1);
        CHECK(h.clock.sleeps() == std::vector<manual_clock::duration>{10s, 10s});  // the floor, twice in 15 s
    }
    SECTION("a 404 is not redeployed") {
        scripted_criterion health{{unhealthy(404, failure_class::permanent)}};
        h.run(p, health);
        CHECK(h.deploys == 1);
        CHECK(h.clock.sleeps().empty());
    }
}

TEST_CASE("repair_loop: the warm-up re-checks follow 1, 2, 4, 8 s clipped to --warmup, the last step repeating",
          "[engine][repair][warmup]") {
    harness h;
    scripted_criterion health{{unhealthy(503)}};
    loop_policy p;
    p.retry_budget = 24h;
    SECTION("5s") {
        p.warmup = 5s;
        h.run(p, health);
        CHECK(h.clock.sleeps() == std::vector<manual_clock::duration>{1s, 2s, 2s});
    }
    SECTION("40s") {
        p.warmup = 40s;
        h.run(p, health);
        CHECK(h.clock.sleeps() == std::vector<manual_clock::duration>{1s, 2s, 4s, 8s, 8s, 8s, 8s, 1s});
    }
    SECTION("0s") {
        p.warmup = 0s;
        h.run(p, health);
        CHECK(h.clock.sleeps().empty());
    }
    CHECK(h.deploys == 1);
}

TEST_CASE("repair_loop: with verify_at_least, any failure is re-checked until that long after the deploy started",
          "[engine][repair][auto-rollback]") {
    harness h;
    loop_policy p;
    p.retry_budget = 24h;
    p.verify_at_least = 30s;
    SECTION("a permanent 404 (never re-checked otherwise), even with --retries 0") {
        p.retries = 0;
        scripted_criterion health{{unhealthy(404, failure_class::permanent)}};
        auto out = h.run(p, health);
        CHECK(h.clock.now() - out.deploy_started == 30s);
        CHECK(h.clock.sleeps() == std::vector<manual_clock::duration>{1s, 2s, 4s, 8s, 8s, 7s});
    }
    SECTION("a 503 whose warm-up ends first") {
        scripted_criterion health{{unhealthy(503)}};
        auto out = h.run(p, health);
        CHECK(h.clock.now() - out.deploy_started == 30s);
    }
    SECTION("a recovery inside the 30 s passes") {
        scripted_criterion health{{unhealthy(503), unhealthy(503), failure{}}};
        auto out = h.run(p, health);
        CHECK_FALSE(out.last.ec);
        CHECK(h.clock.now() - out.deploy_started == 3s);
    }
    CHECK(h.deploys == 1);
}

TEST_CASE("repair_loop: a deploy that ran past its own deadline is retried only with retry_on_timeout",
          "[engine][repair][timeout]") {
    harness h;
    auto hung = transient("timeout", "flyctl deploy (app x) timed out and was stopped");
    hung.timed_out = true;
    h.deploy_script = {hung, failure{}};
    scripted_criterion health{{failure{}}};
    loop_policy p;
    p.retry_budget = 24h;
    SECTION("by default it is not") {
        auto out = h.run(p, health);
        CHECK(out.last.timed_out);
        CHECK(h.deploys == 1);
        CHECK(out.attempts.empty());
    }
    SECTION("--retries-on-timeout retries it") {
        p.retry_on_timeout = true;
        auto out = h.run(p, health);
        CHECK_FALSE(out.last.ec);
        CHECK(h.deploys == 2);
    }
}

TEST_CASE("repair_loop: a permanent failure stops at once", "[engine][repair][permanent]") {
    harness h;
    SECTION("in the deploy") {
        h.deploy_script = {permanent("auth", "flyctl deploy (app x) exited 1: Error: unauthorized")};
        scripted_criterion health{{failure{}}};
        auto out = h.run({}, health);
        CHECK(out.last.ec == r1::error::provider_failed);
        CHECK(out.last.detail == "flyctl deploy (app x) exited 1: Error: unauthorized");
        CHECK(h.deploys == 1);
        CHECK(health.evaluations == 0);
    }
    SECTION("in a criterion") {
        scripted_criterion health{{permanent("http-4xx")}};
        auto out = h.run({}, health);
        CHECK(h.deploys == 1);
        CHECK(health.evaluations == 1);
        CHECK(out.attempts.empty());
    }
    CHECK(h.clock.sleeps().empty());
}

TEST_CASE("repair_loop: a transient deploy failure is retried with jittered backoff", "[engine][repair][backoff]") {
    harness h;
    h.deploy_script = {transient("http-503"), transient("timeout"), failure{}};
    scripted_criterion health{{failure{}}};
    loop_policy p;
    p.retry_budget = 24h;
    auto out = h.run(p, health);
    CHECK_FALSE(out.last.ec);
    CHECK(h.deploys == 3);
    REQUIRE(out.attempts.size() == 2);
    CHECK(out.attempts[0].level == tier::env_fix);
    CHECK(out.attempts[0].delay <= 1s);   // full jitter: uniform in [0, base]
    CHECK(out.attempts[1].delay <= 2s);   // then [0, 2 * base]
}

TEST_CASE("repair_loop: --retries 0 disables every retry", "[engine][repair][retries]") {
    harness h;
    h.deploy_script = {transient("http-503")};
    scripted_criterion health{{transient("http-503")}};
    loop_policy p;
    p.retries = 0;
    auto out = h.run(p, health);
    CHECK(h.deploys == 1);
    CHECK(out.attempts.empty());
    CHECK(h.clock.sleeps().empty());
}

TEST_CASE("repair_loop: a rate limit honours Retry-After, and waits long without it", "[engine][repair][429]") {
    harness h;
    auto limited = transient("http-429");
    SECTION("Retry-After: 30") {
        limited.retry_after = 30s;
        scripted_criterion health{{limited, failure{}}};
        h.run({}, health);
        CHECK(h.clock.sleeps() == std::vector<manual_clock::duration>{30s});
    }
    SECTION("no Retry-After") {
        scripted_criterion health{{limited, failure{}}};
        h.run({}, health);
        CHECK(h.clock.sleeps() == std::vector<manual_clock::duration>{10s});
    }
}

TEST_CASE("repair_loop: the retry budget bounds all waiting together", "[engine][repair][budget]") {
    harness h;
    scripted_criterion health{{transient("http-503")}};
    loop_policy p;
    p.retry_budget = 5s;  // covers the 1 s and 2 s re-checks, not the 4 s one
    auto out = h.run(p, health);
    CHECK(h.clock.sleeps() == std::vector<manual_clock::duration>{1s, 2s});
    CHECK(h.deploys == 1);
    CHECK(out.last.detail.ends_with("(retry budget exhausted)"));
}

TEST_CASE("repair_loop: a dry run deploys nothing and never enters the repair tier", "[engine][repair][dry-run]") {
    harness h;
    scripted_criterion health{{transient("http-503")}};
    loop_policy p;
    p.dry_run = true;
    auto out = h.run(p, health);
    CHECK(h.deploys == 0);
    CHECK(out.attempts.empty());
    CHECK_FALSE(out.last.ec);
}

TEST_CASE("repair_loop: an interrupt during a wait stops the task as interrupted", "[engine][repair][cancel]") {
    manual_clock clock;
    scripted_criterion health{{transient("http-503")}};
    boost::asio::io_context ctx;
    boost::asio::cancellation_signal cancel;
    std::optional<r1::engine::task_outcome> got;
    auto body = [&]() -> boost::asio::awaitable<r1::engine::task_outcome> {
        co_await boost::asio::this_coro::reset_cancellation_state(boost::asio::enable_total_cancellation());
        co_await boost::asio::this_coro::throw_if_cancelled(false);
        loop_policy p;
        r1::engine::backoff jitter{p.redeploy_backoff, 1};
        r1::engine::deploy_step step = []() -> boost::asio::awaitable<failure> { co_return failure{}; };
        std::vector<r1::engine::criterion*> criteria{&health};
        std::function<void(const attempt_record&)> on_attempt = [&](const attempt_record&) {
            cancel.emit(boost::asio::cancellation_type::total);  // Ctrl-C as the first retry is decided
        };
        co_return co_await r1::engine::run_task(clock, std::move(p), std::move(jitter), std::move(step),
                                                std::move(criteria), std::move(on_attempt));
    };
    boost::asio::co_spawn(ctx, body(), boost::asio::bind_cancellation_slot(cancel.slot(), [&](std::exception_ptr e, auto r) {
                              if (e) std::rethrow_exception(e);
                              got = std::move(r);
                          }));
    ctx.run();
    REQUIRE(got);
    CHECK(got->last.ec == r1::error::interrupted);
    CHECK(got->attempts.size() == 1);
    CHECK(health.evaluations == 1);
}

TEST_CASE("repair_loop: a Retry-After beyond the budget (or beyond any clock) stops at once, nothing retried",
          "[engine][repair][429][budget]") {
    harness h;
    auto limited = transient("http-429");
    limited.retry_after = GENERATE(std::chrono::seconds(11 * 60), std::chrono::seconds(9'999'999'999),
                                   std::chrono::seconds::max());
    scripted_criterion health{{limited, failure{}}};
    loop_policy p;
    p.retry_budget = 10min;
    auto out = h.run(p, health);
    CHECK(out.attempts.empty());
    CHECK(h.clock.sleeps().empty());
    CHECK(h.deploys == 1);
    CHECK(health.evaluations == 1);
    CHECK(out.last.detail.ends_with("(retry budget exhausted)"));
}
