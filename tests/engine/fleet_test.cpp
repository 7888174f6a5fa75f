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
