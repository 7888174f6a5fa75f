// engine::run_fleet on real threads and event loops: the concurrency cap, launch order, fail-fast,
// interrupts (graceful, then hard), serialised hooks and exceptions. Tasks are real coroutines that
// wait on real timers; nothing here needs a child process or a socket.
#include "engine/fleet.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <catch2/catch.hpp>

#include <algorithm>
#include <atomic>
#include <csignal>
#include <mutex>
#include <stdexcept>
#include <thread>
#include <vector>

namespace asio = boost::asio;
using namespace std::chrono_literals;
using r1::engine::fleet_hooks;
using r1::engine::fleet_options;

namespace {

/// Waits `d` on the task's own loop; false if it was cancelled first, with how it was cancelled.
asio::awaitable<bool> wait_for(std::chrono::milliseconds d, asio::cancellation_type* seen = nullptr) {
    asio::steady_timer timer{co_await asio::this_coro::executor, d};
    auto [ec] = co_await timer.async_wait(asio::as_tuple(asio::use_awaitable));
    if (seen) *seen = (co_await asio::this_coro::cancellation_state).cancelled();
    co_return !ec;
}

/// Counts tasks in flight and the most ever seen at once.
struct gauge {
    std::atomic<int> now{0}, most{0};
    void enter() {
        int n = ++now;
        for (int m = most.load(); n > m && !most.compare_exchange_weak(m, n);) {}
    }
    void leave() { --now; }
};

}  // namespace

TEST_CASE("fleet: runs every task once, in order, never more than the concurrency at once", "[engine][fleet]") {
    for (unsigned loops : {1u, 2u, 4u}) {
        gauge g;
        std::vector<int> runs(40, 0);
        std::vector<std::size_t> started;
        fleet_hooks hooks;
        hooks.run = [&](std::size_t i) -> asio::awaitable<bool> {
            g.enter();
            ++runs[i];
            co_await wait_for(std::chrono::milliseconds(1 + i % 3));
            g.leave();
            co_return true;
        };
        hooks.started = [&](std::size_t i) { started.push_back(i); };
        auto summary = r1::engine::run_fleet({.tasks = 40, .concurrency = 5, .loops = loops}, hooks);
        CHECK(summary.launched == 40);
        CHECK(summary.signal == 0);
        CHECK_FALSE(summary.stopped_early);
        CHECK(g.most.load() <= 5);
        CHECK(g.most.load() >= 2);  // the cap was used, not a single file
        for (int n : runs) CHECK(n == 1);
        for (std::size_t i = 0; i < started.size(); ++i) CHECK(started[i] == i);  // handed out in file order
    }
}

TEST_CASE("fleet: fail-fast launches nothing after the first failure, running tasks finish", "[engine][fleet]") {
    std::atomic<int> finished_ok{0};
    fleet_hooks hooks;
    hooks.run = [&](std::size_t i) -> asio::awaitable<bool> {
        co_await wait_for(i == 2 ? 1ms : 30ms);
        if (i == 2) co_return false;
        ++finished_ok;
        co_return true;
    };
    auto summary = r1::engine::run_fleet({.tasks = 100, .concurrency = 4, .loops = 2, .fail_fast = true}, hooks);
    CHECK(summary.stopped_early);
    CHECK(summary.launched == 4);  // 0..3 were in flight when 2 failed; 4 and later never started
    CHECK(finished_ok.load() == 3);
}

TEST_CASE("fleet: the first interrupt cancels running tasks gracefully and launches nothing more; "
          "a second is terminal", "[engine][fleet][interrupt]") {
    std::mutex m;
    std::vector<asio::cancellation_type> seen(8, asio::cancellation_type::none);
    std::vector<std::string> events;  // hook order, as the fleet serialises them
    std::function<void(int)> interrupt;
    bool stopped_watching = false;
    std::atomic<int> running{0};
    bool stubborn = false;  // tasks that let only a terminal cancellation through

    fleet_hooks hooks;
    hooks.run = [&](std::size_t i) -> asio::awaitable<bool> {
        if (stubborn) co_await asio::this_coro::reset_cancellation_state(asio::enable_terminal_cancellation());
        ++running;
        asio::cancellation_type how{};
        bool ok = co_await wait_for(10s, &how);
        std::lock_guard lock{m};
        seen[i] = how;
        co_return ok;
    };
    hooks.started = [&](std::size_t i) { events.push_back("start " + std::to_string(i)); };
    hooks.finished = [&](std::size_t i, bool) { events.push_back("end " + std::to_string(i)); };
    hooks.interrupted = [&](int sig) { events.push_back("interrupted " + std::to_string(sig)); };
    hooks.watch_interrupts = [&](asio::io_context&, std::function<void(int)> fn) {
        interrupt = std::move(fn);
        return std::function<void()>([&] { stopped_watching = true; });
    };
    auto run = [&](int interrupts) {
        std::thread user([&] {
            while (running.load() < 3) std::this_thread::sleep_for(1ms);
            interrupt(SIGINT);
            if (interrupts > 1) {
                std::this_thread::sleep_for(50ms);
                interrupt(SIGTERM);  // the second: terminal, whatever the signal
            }
        });
        auto start = std::chrono::steady_clock::now();
        auto summary = r1::engine::run_fleet({.tasks = 8, .concurrency = 3, .loops = 2}, hooks);
        user.join();
        CHECK(std::chrono::steady_clock::now() - start < 5s);
        CHECK(summary.signal == SIGINT);
        CHECK(summary.launched == 3);
        CHECK(stopped_watching);
    };

    SECTION("graceful") {
        run(1);
        for (std::size_t i = 0; i < 3; ++i) CHECK(seen[i] == asio::cancellation_type::total);
        // "interrupted" comes before any task's end, and only once.
        auto at = std::find(events.begin(), events.end(), "interrupted " + std::to_string(SIGINT));
        REQUIRE(at != events.end());
        CHECK(std::count_if(events.begin(), events.end(), [](auto& e) { return e.starts_with("interrupted"); }) == 1);
        CHECK(std::none_of(events.begin(), at, [](auto& e) { return e.starts_with("end"); }));
    }
    SECTION("a task that ignores the graceful stop gets the terminal one") {
        stubborn = true;
        run(2);
        for (std::size_t i = 0; i < 3; ++i) CHECK(seen[i] == asio::cancellation_type::terminal);
    }
}

TEST_CASE("fleet: loop_done runs once on each loop, after that loop's last task and before run_fleet returns",
          "[engine][fleet][loop-done]") {
    for (bool interrupted : {false, true}) {
        std::mutex m;
        std::vector<std::thread::id> ran_on(12);
        std::vector<char> ended(12, 0);
        struct done_call {
            std::thread::id thread;
            bool all_its_tasks_ended = false;
        };
        std::vector<done_call> calls;
        std::atomic<int> completed{0}, running{0};
        std::function<void(int)> interrupt;

        fleet_hooks hooks;
        hooks.run = [&](std::size_t i) -> asio::awaitable<bool> {
            {
                std::lock_guard lock{m};
                ran_on[i] = std::this_thread::get_id();
            }
            ++running;
            bool ok = co_await wait_for(interrupted ? 10s : std::chrono::milliseconds(1 + i % 4));
            std::lock_guard lock{m};
            ended[i] = 1;
            co_return ok;
        };
        hooks.loop_done = [&]() -> asio::awaitable<void> {
            {
                std::lock_guard lock{m};
                done_call c{std::this_thread::get_id(), true};
                for (std::size_t i = 0; i < ran_on.size(); ++i)
                    if (ran_on[i] == c.thread && !ended[i]) c.all_its_tasks_ended = false;
                calls.push_back(c);
            }
            co_await wait_for(20ms);  // awaited: the loop (and run_fleet) waits for it
            ++completed;
        };
        if (interrupted)
            hooks.watch_interrupts = [&](asio::io_context&, std::function<void(int)> fn) {
                interrupt = std::move(fn);
                return std::function<void()>([] {});
            };
        std::thread user([&] {
            if (!interrupted) return;
            while (running.load() < 4) std::this_thread::sleep_for(1ms);
            interrupt(SIGINT);
        });
        auto summary = r1::engine::run_fleet({.tasks = 12, .concurrency = 4, .loops = 2}, hooks);
        user.join();
        INFO("interrupted: " << interrupted);
        CHECK(summary.launched == (interrupted ? 4u : 12u));
        REQUIRE(calls.size() == 2);
        CHECK(calls[0].thread != calls[1].thread);
        for (const auto& c : calls) CHECK(c.all_its_tasks_ended);
        CHECK(completed.load() == 2);
    }
}

TEST_CASE("fleet: hooks are never called concurrently, ticks included", "[engine][fleet]") {
    std::atomic<bool> inside{false};
    std::atomic<int> overlaps{0}, ticks{0};
    auto guard = [&] {
        if (inside.exchange(true)) ++overlaps;
        std::this_thread::sleep_for(std::chrono::microseconds(50));
        inside = false;
    };
    fleet_hooks hooks;
    hooks.run = [](std::size_t) -> asio::awaitable<bool> {
        co_await wait_for(2ms);
        co_return true;
    };
    hooks.started = [&](std::size_t) { guard(); };
    hooks.finished = [&](std::size_t, bool) { guard(); };
    hooks.tick = [&] {
        guard();
        ++ticks;
    };
    r1::engine::run_fleet({.tasks = 200, .concurrency = 16, .loops = 4, .tick_every = 1ms}, hooks);
    CHECK(overlaps.load() == 0);
    CHECK(ticks.load() > 0);
}

TEST_CASE("fleet: an exception escaping a task is rethrown once every other task has ended", "[engine][fleet]") {
    std::atomic<int> ended{0};
    fleet_hooks hooks;
    hooks.run = [&](std::size_t i) -> asio::awaitable<bool> {
        if (i == 1) throw std::runtime_error("task 1 broke");
        co_await wait_for(20ms);
        ++ended;
        co_return true;
    };
    CHECK_THROWS_WITH(r1::engine::run_fleet({.tasks = 3, .concurrency = 3, .loops = 2}, hooks), "task 1 broke");
    CHECK(ended.load() == 2);  // the others ran to their end before run_fleet returned
}

TEST_CASE("fleet: no tasks, no loops left running", "[engine][fleet]") {
    fleet_hooks hooks;
    hooks.run = [](std::size_t) -> asio::awaitable<bool> { co_return true; };
    auto summary = r1::engine::run_fleet({.tasks = 0, .concurrency = 4}, hooks);
    CHECK(summary.launched == 0);
}

TEST_CASE("fleet: a wave starts only once every task of the one before has ended and its gate said go",
          "[engine][fleet][waves]") {
    std::mutex m;
    std::vector<std::string> events;
    auto log = [&](std::string e) {
        std::lock_guard lock{m};
        events.push_back(std::move(e));
    };
    fleet_hooks hooks;
    hooks.run = [&](std::size_t i) -> asio::awaitable<bool> {
        co_await wait_for(std::chrono::milliseconds(1 + (i * 7) % 5));
        co_return true;
    };
    hooks.started = [&](std::size_t i) { log("start " + std::to_string(i)); };
    hooks.finished = [&](std::size_t i, bool) { log("end " + std::to_string(i)); };
    hooks.wave_started = [&](std::size_t w) { log("wave " + std::to_string(w)); };
    std::vector<std::size_t> gated;
    hooks.gate = [&](std::size_t w) -> asio::awaitable<bool> {
        log("gate " + std::to_string(w));
        co_await wait_for(5ms);  // a gate takes time: nothing may start meanwhile
        gated.push_back(w);
        log("gate done " + std::to_string(w));
        co_return true;
    };
    // Waves [0,1) [1,4) [4,10) [10,20): the last end is implied.
    auto summary = r1::engine::run_fleet({.tasks = 20, .concurrency = 4, .loops = 2, .wave_ends = {1, 4, 10}}, hooks);
    CHECK(summary.launched == 20);
    CHECK(summary.waves == 4);
    CHECK(summary.stop == r1::engine::fleet_stop::none);
    CHECK(gated == std::vector<std::size_t>{0, 1, 2});  // no gate after the last wave
    const std::vector<std::size_t> ends{1, 4, 10, 20};
    auto wave_of = [&](std::size_t i) { return static_cast<std::size_t>(std::upper_bound(ends.begin(), ends.end(), i) - ends.begin()); };
    std::size_t wave = 0;
    std::vector<int> ended(20, 0);
    bool gate_open = false;
    for (const auto& e : events) {
        INFO(e);
        if (e.starts_with("wave ")) {
            wave = std::stoul(e.substr(5));
            continue;
        }
        if (e.starts_with("gate done")) {
            gate_open = false;
            continue;
        }
        if (e.starts_with("gate ")) {
            gate_open = true;
            auto w = std::stoul(e.substr(5));
            for (std::size_t i = 0; i < ends[w]; ++i) CHECK(ended[i] == 1);  // every task of the wave ended
            continue;
        }
        auto i = std::stoul(e.substr(e.find(' ') + 1));
        if (e.starts_with("start")) {
            CHECK_FALSE(gate_open);
            CHECK(wave_of(i) == wave);  // only the current wave's tasks start
        } else {
            ended[i] = 1;
        }
    }
}

TEST_CASE("fleet: a gate that says stop launches nothing more, and says which wave", "[engine][fleet][waves]") {
    std::atomic<int> ran{0};
    fleet_hooks hooks;
    hooks.run = [&](std::size_t) -> asio::awaitable<bool> {
        ++ran;
        co_await wait_for(1ms);
        co_return true;
    };
    hooks.gate = [&](std::size_t w) -> asio::awaitable<bool> { co_return w == 0; };
    auto summary = r1::engine::run_fleet({.tasks = 30, .concurrency = 8, .loops = 2, .wave_ends = {2, 5}}, hooks);
    CHECK(ran.load() == 5);
    CHECK(summary.launched == 5);
    CHECK(summary.stop == r1::engine::fleet_stop::gate);
    CHECK(summary.gate_wave == 1);
    CHECK(summary.stopped_early);
}

TEST_CASE("fleet: max_failures stops launching at exactly K failures; tasks in flight run to their end",
          "[engine][fleet][max-failures]") {
    SECTION("one at a time: the K-th failure is the last task launched") {
        std::vector<std::size_t> started;
        fleet_hooks hooks;
        hooks.run = [&](std::size_t i) -> asio::awaitable<bool> {
            co_await wait_for(1ms);
            co_return i % 2 == 0;  // 1, 3, 5, ... fail
        };
        hooks.started = [&](std::size_t i) { started.push_back(i); };
        for (std::size_t k : {1u, 2u, 3u}) {
            started.clear();
            auto summary = r1::engine::run_fleet({.tasks = 20, .concurrency = 1, .loops = 1, .max_failures = k}, hooks);
            CHECK(summary.failed == k);
            CHECK(summary.launched == 2 * k);  // 0 ok, 1 fail, 2 ok, 3 fail, ...
            CHECK(started.back() == 2 * k - 1);
            CHECK(summary.stop == r1::engine::fleet_stop::failures);
        }
    }
    SECTION("concurrently: nothing starts once K have failed; the overshoot is bounded by what was in flight") {
        constexpr std::size_t k = 3;
        constexpr unsigned concurrency = 4;
        std::size_t failed_so_far = 0, started_after_k = 0, in_flight = 0, most_in_flight_at_k = 0;
        fleet_hooks hooks;
        hooks.run = [&](std::size_t i) -> asio::awaitable<bool> {
            co_await wait_for(std::chrono::milliseconds(2 + i % 3));
            co_return i % 3 != 1;  // every third fails
        };
        hooks.started = [&](std::size_t) {
            ++in_flight;
            if (failed_so_far >= k) ++started_after_k;
        };
        hooks.finished = [&](std::size_t, bool ok) {
            --in_flight;
            if (!ok && ++failed_so_far == k) most_in_flight_at_k = in_flight;
        };
        auto summary = r1::engine::run_fleet({.tasks = 60, .concurrency = concurrency, .loops = 2, .max_failures = k}, hooks);
        CHECK(started_after_k == 0);
        CHECK(summary.failed >= k);
        CHECK(summary.failed <= k + most_in_flight_at_k);  // only the ones already running could add
        CHECK(summary.failed <= k + concurrency - 1);
        CHECK(summary.launched < 60);
    }
    SECTION("fail_fast is max_failures 1") {
        fleet_hooks hooks;
        hooks.run = [&](std::size_t i) -> asio::awaitable<bool> { co_return i != 4; };
        auto summary = r1::engine::run_fleet({.tasks = 20, .concurrency = 1, .loops = 1, .fail_fast = true}, hooks);
        CHECK(summary.launched == 5);
        CHECK(summary.failed == 1);
    }
}

TEST_CASE("fleet: several limits at once (by region and by provider): each group's cap holds, every task runs, "
          "the first task with room goes first", "[engine][fleet][limits]") {
    constexpr std::size_t tasks = 40;
    auto region = [](std::size_t i) -> std::size_t { return i % 3; };        // caps 1, 2, none
    auto provider = [](std::size_t i) -> std::size_t { return (i / 2) % 2; };  // caps 2, 3
    std::mutex m;
    std::vector<int> region_now(3, 0), region_most(3, 0), provider_now(2, 0), provider_most(2, 0);
    std::vector<int> runs(tasks, 0);
    std::vector<std::size_t> started;
    fleet_hooks hooks;
    hooks.run = [&](std::size_t i) -> asio::awaitable<bool> {
        {
            std::lock_guard lock{m};
            region_most[region(i)] = std::max(region_most[region(i)], ++region_now[region(i)]);
            provider_most[provider(i)] = std::max(provider_most[provider(i)], ++provider_now[provider(i)]);
            ++runs[i];
        }
        co_await wait_for(std::chrono::milliseconds(2 + i % 4));
        std::lock_guard lock{m};
        --region_now[region(i)];
        --provider_now[provider(i)];
        co_return true;
    };
    hooks.started = [&](std::size_t i) { started.push_back(i); };
    fleet_options opts{.tasks = tasks, .concurrency = 8, .loops = 2};
    opts.limits.push_back({region, {1, 2, 0}});
    opts.limits.push_back({provider, {2, 3}});
    auto summary = r1::engine::run_fleet(opts, hooks);
    CHECK(summary.launched == tasks);
    for (int n : runs) CHECK(n == 1);
    CHECK(region_most[0] == 1);
    CHECK(region_most[1] <= 2);
    CHECK(provider_most[0] <= 2);
    CHECK(provider_most[1] <= 3);
    CHECK(started.front() == 0);
    CHECK(std::is_sorted(started.begin(), started.begin() + 2));  // 0 then 1: both had room
}

TEST_CASE("fleet: an interrupt during a gate cancels it, and no later wave starts", "[engine][fleet][waves][interrupt]") {
    std::function<void(int)> interrupt;
    std::atomic<bool> in_gate{false};
    asio::cancellation_type gate_saw{};
    std::atomic<int> ran{0};
    fleet_hooks hooks;
    hooks.run = [&](std::size_t) -> asio::awaitable<bool> {
        ++ran;
        co_await wait_for(1ms);
        co_return true;
    };
    hooks.gate = [&](std::size_t) -> asio::awaitable<bool> {
        in_gate = true;
        bool ok = co_await wait_for(10s, &gate_saw);
        co_return ok;
    };
    hooks.watch_interrupts = [&](asio::io_context&, std::function<void(int)> fn) {
        interrupt = std::move(fn);
        return std::function<void()>([] {});
    };
    std::thread user([&] {
        while (!in_gate.load()) std::this_thread::sleep_for(1ms);
        interrupt(SIGTERM);
    });
    auto start = std::chrono::steady_clock::now();
    auto summary = r1::engine::run_fleet({.tasks = 10, .concurrency = 3, .loops = 2, .wave_ends = {2}}, hooks);
    user.join();
    CHECK(std::chrono::steady_clock::now() - start < 5s);
    CHECK(gate_saw == asio::cancellation_type::total);
    CHECK(summary.signal == SIGTERM);
    CHECK(summary.stop == r1::engine::fleet_stop::interrupted);
    CHECK(ran.load() == 2);
    CHECK(summary.waves == 1);
}

TEST_CASE("fleet: an exception escaping a gate is rethrown, and nothing more starts", "[engine][fleet][waves]") {
    std::atomic<int> ran{0};
    fleet_hooks hooks;
    hooks.run = [&](std::size_t) -> asio::awaitable<bool> {
        ++ran;
        co_return true;
    };
    hooks.gate = [](std::size_t) -> asio::awaitable<bool> {
        throw std::runtime_error("gate broke");
        co_return true;
    };
    CHECK_THROWS_WITH(r1::engine::run_fleet({.tasks = 6, .concurrency = 2, .loops = 2, .wave_ends = {3}}, hooks),
                      "gate broke");
    CHECK(ran.load() == 3);
}
