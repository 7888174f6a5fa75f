#include "proc/real_runner.hpp"

#include "tests/support/processes.hpp"
#include "tests/support/run.hpp"

#include <boost/asio/bind_cancellation_slot.hpp>
#include <boost/asio/cancellation_signal.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <catch2/catch.hpp>

#include <csignal>
#include <functional>
#include <optional>

namespace asio = boost::asio;
using namespace std::chrono_literals;
using r1::proc::real_runner;
using r1::proc::run_output;
using r1::proc::run_request;
using r1::proc::stream;
using sclock = std::chrono::steady_clock;

namespace {

run_request fake(std::vector<std::string> args) {
    run_request req;
    req.argv = {R1_FAKE_CLI};
    req.argv.insert(req.argv.end(), args.begin(), args.end());
    req.deadline = sclock::now() + 30s;
    return req;
}

run_output run_ok(run_request req) {
    real_runner runner;
    auto r = r1::test::run(runner.run(std::move(req)));
    REQUIRE(r.has_value());
    return *r;
}

}  // namespace

TEST_CASE("real_runner: reports exit code and keeps stdout and stderr apart", "[proc][runner]") {
    auto out = run_ok(fake({"out", "hello", "err", "oops", "exit", "3"}));
    CHECK(out.exit_code == 3);
    CHECK(out.signal == 0);
    CHECK(out.out_tail == "hello");
    CHECK(out.err_tail == "oops");
    CHECK_FALSE(out.succeeded());
    CHECK_FALSE(out.timed_out);
}

TEST_CASE("real_runner: streams every chunk to the callback in order", "[proc][runner][stream]") {
    auto req = fake({"spew", "300000", "err", "done"});
    std::string seen_out, seen_err;
    req.on_output = [&](stream s, std::string_view chunk) { (s == stream::out ? seen_out : seen_err) += chunk; };
    auto out = run_ok(std::move(req));
    CHECK(out.succeeded());
    CHECK(seen_out.size() == 300000);
    CHECK(seen_err == "done");
    CHECK(out.out_bytes == 300000);
}

TEST_CASE("real_runner: keeps only a bounded tail of a flood", "[proc][runner][memory]") {
    auto req = fake({"spew", "20000000", "out", "THE-END"});
    req.tail_bytes = 1000;
    auto out = run_ok(std::move(req));
    CHECK(out.out_bytes == 20000007);
    CHECK(out.out_tail.size() == 1000);
    CHECK(out.out_tail.ends_with("THE-END"));
}

TEST_CASE("real_runner: reports the signal that killed the child", "[proc][runner][signal]") {
    auto out = run_ok(fake({"raise", std::to_string(SIGSEGV)}));
    CHECK(out.signal == SIGSEGV);
    CHECK_FALSE(out.succeeded());
}

TEST_CASE("real_runner: runs the child in the requested directory", "[proc][runner][cwd]") {
    r1::test::temp_dir dir;
    auto req = fake({"cwd", (dir / "cwd.txt").string()});
    auto work = dir / "work";
    std::filesystem::create_directory(work);
    req.cwd = work.string();
    CHECK(run_ok(std::move(req)).succeeded());
    CHECK(r1::test::read_file(dir / "cwd.txt") == std::filesystem::canonical(work).string() + "\n");
}

TEST_CASE("real_runner: a missing program is a spawn error, not an exit code", "[proc][runner][spawn]") {
    real_runner runner;
    run_request req;
    req.argv = {"/nonexistent/flyctl", "deploy"};
    auto r = r1::test::run(runner.run(std::move(req)));
    REQUIRE(r.has_error());
    CHECK(r.error() == boost::system::errc::no_such_file_or_directory);
}

TEST_CASE("real_runner: the deadline stops the child with SIGTERM", "[proc][runner][deadline]") {
    auto req = fake({"sleep", "20000"});
    req.deadline = sclock::now() + 200ms;
    auto start = sclock::now();
    auto out = run_ok(std::move(req));
    CHECK(out.timed_out);
    CHECK(out.signal == SIGTERM);
    CHECK(sclock::now() - start < 3s);
}

TEST_CASE("real_runner: a child that ignores SIGTERM gets SIGKILL after the grace period",
          "[proc][runner][deadline]") {
    auto req = fake({"ignore-sigterm", "sleep", "20000"});
    // Room for the child to start and ignore SIGTERM first: through the exec shim, under ASan,
    // that takes a few hundred milliseconds.
    req.deadline = sclock::now() + 1s;
    req.kill_grace = 300ms;
    auto start = sclock::now();
    auto out = run_ok(std::move(req));
    CHECK(out.timed_out);
    CHECK(out.signal == SIGKILL);
    auto took = sclock::now() - start;
    CHECK(took >= 1300ms);
    CHECK(took < 4s);
}

TEST_CASE("real_runner: no grandchild outlives the child", "[proc][runner][group]") {
    r1::test::temp_dir dir;
    auto pid_file = dir / "grandchild.pid";
    auto start = sclock::now();
    // The grandchild holds the pipes open: run() must still return promptly, with the group cleared.
    auto out = run_ok(fake({"grandchild", pid_file.string(), "exit", "0"}));
    CHECK(out.succeeded());
    CHECK(sclock::now() - start < 3s);
    auto gc = r1::test::wait_for_pid_file(pid_file);
    REQUIRE(gc > 0);
    CHECK(r1::test::wait_until_gone(gc, 2000));
}

TEST_CASE("real_runner: cancellation interrupts the child and its whole group", "[proc][runner][cancel]") {
    r1::test::temp_dir dir;
    auto pid_file = dir / "grandchild.pid";
    auto signal_type = GENERATE(asio::cancellation_type::total, asio::cancellation_type::terminal);
    CAPTURE(static_cast<int>(signal_type));

    asio::io_context ctx;
    asio::cancellation_signal cancel;
    real_runner runner;
    std::optional<boost::system::result<run_output>> got;
    auto req = fake({"grandchild", pid_file.string(), "sleep", "20000"});
    asio::co_spawn(
        ctx,
        [&]() -> asio::awaitable<boost::system::result<run_output>> {
            co_await asio::this_coro::reset_cancellation_state(asio::enable_total_cancellation());
            co_return co_await runner.run(req);
        },
        asio::bind_cancellation_slot(cancel.slot(), [&](std::exception_ptr e, auto r) {
            if (e) std::rethrow_exception(e);
            got = std::move(r);
        }));
    // Cancelled once the grandchild exists (its pid file is written), not after a fixed time: through
    // the exec shim under ASan, starting the child alone can take a few hundred milliseconds.
    asio::steady_timer poll{ctx};
    std::function<void()> when_grandchild_runs = [&] {
        if (!r1::test::read_file(pid_file).empty()) {
            cancel.emit(signal_type);
            return;
        }
        poll.expires_after(10ms);
        poll.async_wait([&](auto) { when_grandchild_runs(); });
    };
    when_grandchild_runs();
    auto start = sclock::now();
    ctx.run();

    REQUIRE(got);
    REQUIRE(got->has_value());
    CHECK((*got)->cancelled);
    CHECK((*got)->signal == (signal_type == asio::cancellation_type::total ? SIGINT : SIGKILL));
    CHECK(sclock::now() - start < 4s);
    auto gc = r1::test::wait_for_pid_file(pid_file);
    REQUIRE(gc > 0);
    CHECK(r1::test::wait_until_gone(gc, 2000));
}

TEST_CASE("real_runner: env entries reach the child on top of r1's environment, replacing same-named ones",
          "[proc][runner][env]") {
    ::setenv("R1_TEST_REPLACED", "from-r1", 1);
    run_request req;
    req.argv = {"/usr/bin/env"};
    req.deadline = sclock::now() + 30s;
    req.env = {"FLY_EMIT_RELEASE_JSON=1", "R1_TEST_REPLACED=from-request"};
    auto out = run_ok(std::move(req));
    ::unsetenv("R1_TEST_REPLACED");
    CHECK(out.succeeded());
    CHECK(out.out_tail.find("\nFLY_EMIT_RELEASE_JSON=1\n") != std::string::npos);
    CHECK(out.out_tail.find("R1_TEST_REPLACED=from-request\n") != std::string::npos);
    CHECK(out.out_tail.find("R1_TEST_REPLACED=from-r1") == std::string::npos);
    CHECK(out.out_tail.find("PATH=") != std::string::npos);  // the rest is inherited
}
