#include "engine/watch_state.hpp"

#include <catch2/catch.hpp>

#include <algorithm>
#include <set>

using namespace std::chrono_literals;
using r1::engine::alert_policy;
using r1::engine::alert_tracker;
using r1::engine::round_plan;
using r1::engine::round_tally;
using r1::engine::target_state;
using change = alert_tracker::change;
using verdict = round_tally::verdict;

TEST_CASE("alert_tracker: a first success is silent, fail_after failures in a row go down once",
          "[engine][watch][alerts]") {
    alert_policy p{.fail_after = 3, .recover_after = 2};
    alert_tracker t;
    CHECK(t.state() == target_state::unknown);
    CHECK(t.record(true, p) == change::none);  // starting r1 pages nobody
    CHECK(t.state() == target_state::up);
    CHECK(t.record(false, p) == change::none);
    CHECK(t.record(false, p) == change::none);
    CHECK(t.record(false, p) == change::went_down);
    CHECK(t.state() == target_state::down);
    CHECK(t.consecutive_failures() == 3);
    CHECK(t.record(false, p) == change::none);  // already down: no second event
    CHECK(t.record(true, p) == change::none);
    CHECK(t.record(true, p) == change::came_up);
    CHECK(t.state() == target_state::up);
    CHECK(t.consecutive_successes() == 2);
}

TEST_CASE("alert_tracker: flapping shorter than the thresholds changes nothing", "[engine][watch][alerts]") {
    alert_policy p{.fail_after = 2, .recover_after = 2};
    alert_tracker t;
    t.record(true, p);
    for (int i = 0; i < 20; ++i) CHECK(t.record(i % 2 == 0 ? false : true, p) == change::none);
    CHECK(t.state() == target_state::up);
    SECTION("down, then flapping successes never bring it up") {
        t.record(false, p);
        REQUIRE(t.record(false, p) == change::went_down);
        for (int i = 0; i < 20; ++i) CHECK(t.record(i % 2 == 0, p) == change::none);
        CHECK(t.state() == target_state::down);
    }
}

TEST_CASE("alert_tracker: a target failing from the start goes down from unknown", "[engine][watch][alerts]") {
    alert_policy p{.fail_after = 1, .recover_after = 1};
    alert_tracker t;
    CHECK(t.record(false, p) == change::went_down);
    CHECK(t.record(true, p) == change::came_up);
}

TEST_CASE("round_tally: more than half of at least 5 targets failed is inconclusive, decided as early as possible",
          "[engine][watch][rounds]") {
    SECTION("known inconclusive once the failures pass half, before the round ends") {
        round_tally r{10};
        for (int i = 0; i < 5; ++i) r.add(false);
        CHECK(r.current() == verdict::pending);  // 5 of 10 is not more than half
        r.add(false);
        CHECK(r.current() == verdict::inconclusive);
        CHECK_FALSE(r.complete());
    }
    SECTION("known conclusive once the rest cannot reach half") {
        round_tally r{10};
        for (int i = 0; i < 4; ++i) r.add(true);
        CHECK(r.current() == verdict::pending);
        r.add(true);  // 5 ok: at most 5 more failures, not more than half
        CHECK(r.current() == verdict::conclusive);
        for (int i = 0; i < 5; ++i) r.add(false);
        CHECK(r.current() == verdict::conclusive);
        CHECK(r.complete());
        CHECK(r.failed() == 5);
    }
    SECTION("skipped targets count as done, not failed") {
        round_tally r{6};
        r.add_skipped();
        r.add_skipped();
        r.add(true);
        r.add(true);
        CHECK(r.current() == verdict::conclusive);
        CHECK(r.skipped() == 2);
    }
    SECTION("fewer than 5 targets are never inconclusive") {
        round_tally r{4};
        CHECK(r.current() == verdict::conclusive);
        for (int i = 0; i < 4; ++i) r.add(false);
        CHECK(r.current() == verdict::conclusive);
    }
    SECTION("exactly 5: three failures are inconclusive") {
        round_tally r{5};
        r.add(false);
        r.add(false);
        CHECK(r.current() == verdict::pending);
        r.add(false);
        CHECK(r.current() == verdict::inconclusive);
    }
}

TEST_CASE("round_plan: one target per slice, jittered within it, every round", "[engine][watch][schedule]") {
    std::mt19937_64 rng{42};
    const std::size_t n = 1000;
    round_plan plan{n, rng};
    const auto interval = std::chrono::nanoseconds(60s);
    const auto slice = interval / n;
    std::set<std::size_t> slices;
    for (std::size_t i = 0; i < n; ++i) slices.insert(plan.slice_of(i));
    CHECK(slices.size() == n);  // a permutation

    auto first = plan.offsets(interval, rng);
    auto second = plan.offsets(interval, rng);
    std::size_t moved = 0;
    for (std::size_t i = 0; i < n; ++i) {
        auto s = static_cast<long>(plan.slice_of(i));
        CHECK(first[i] >= slice * s);
        CHECK(first[i] < slice * (s + 1) + 1ns);
        CHECK(first[i] < interval);
        CHECK(second[i] >= slice * s);
        moved += first[i] != second[i];
    }
    CHECK(moved > n * 9 / 10);  // a fresh draw each round
    // Neighbours in the file are not neighbours in time.
    std::size_t adjacent = 0;
    for (std::size_t i = 0; i + 1 < n; ++i)
        adjacent += plan.slice_of(i) + 1 == plan.slice_of(i + 1) || plan.slice_of(i + 1) + 1 == plan.slice_of(i);
    CHECK(adjacent < n / 50);
}

TEST_CASE("round_plan: no targets, no offsets", "[engine][watch][schedule]") {
    std::mt19937_64 rng{1};
    round_plan plan{0, rng};
    CHECK(plan.offsets(std::chrono::nanoseconds(1s), rng).empty());
}
