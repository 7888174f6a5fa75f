// Fault injection, provider side: the real r1 binary against a stand-in flyctl that dies, crashes,
// closes its output, ignores signals, leaves daemons, floods or prints binary. Each test checks
// what a user relies on: the exit code, the one-line cause, no survivors, bounded time and memory.
#include "tests/faults/fault_support.hpp"
#include "tests/support/stall_server.hpp"

#include <catch2/catch.hpp>

#include <csignal>

using namespace r1::test::faults;
using r1::test::fake_flyctl;
using r1::test::no_control_bytes;
using r1::test::ndjson;
using r1::test::r1_options;
using r1::test::run_r1;
using r1::test::stall_server;
using r1::test::temp_dir;
namespace json = boost::json;

namespace {

/// A fleet manifest: every app deployed by `flyctl`, health-checked at `health_url`, no retries.
std::string write_manifest(const temp_dir& dir, const std::string& flyctl, const std::string& health_url,
                           const std::vector<std::string>& apps) {
    std::string text = "[defaults]\nflyctl = \"" + flyctl + "\"\nhealth_url = \"" + health_url + "\"\nretries = 0\n";
    for (const auto& a : apps) text += "[[app]]\nname = \"" + a + "\"\n";
    r1::test::write_file(dir / "fleet.toml", text);
    return (dir / "fleet.toml").string();
}

}  // namespace

TEST_CASE("provider faults: flyctl killed by a signal exits 3 and names the signal", "[faults][provider][signal]") {
    fake_flyctl fly;
    stall_server health;
    struct variant {
        std::string mode;
        std::string says;
        std::string last_words;
    };
    auto v = GENERATE(variant{"killed", "was killed by signal 9 (SIGKILL)", "Error: out of memory while building"},
                      variant{"segv", "was killed by signal 11 (SIGSEGV)", "--> Pushing image"});
    CAPTURE(v.mode);
    auto start = sclock::now();

    SECTION("text") {
        auto r = run_r1(deploy_opts(fly, v.mode, {"--health-url", health.url("/ok")}));
        INFO(r.err);
        CHECK(r.exit_code == 3);
        CHECK(r.err.find("r1: error: flyctl deploy (app demo-app) " + v.says + ": " + v.last_words + "\n") !=
              std::string::npos);
        CHECK(r.out.empty());  // no health check after a failed deploy
    }
    SECTION("json") {
        auto r = run_r1(deploy_opts(fly, v.mode, {"--health-url", health.url("/ok"), "--output", "json"}));
        auto events = ndjson(r.out);
        REQUIRE_FALSE(events.empty());
        const auto& last = events.back();
        CHECK(last.at("event") == "result");
        CHECK(last.at("exit_code") == 3);
        CHECK(json::value_to<std::string>(last.at("message")).find(v.says) != std::string::npos);
        CHECK(r.exit_code == 3);
    }
    CHECK(health.requests("/ok") == 0);
    CHECK(seconds_since(start) < 20);
    auto pid = r1::test::wait_for_pid_file(fly.record_dir() + "/flyctl.pid", 2000);
    REQUIRE(pid > 0);
    CHECK_FALSE(r1::test::process_alive(pid));
}

TEST_CASE("provider faults: flyctl closing stdout early is waited for, not taken for its end",
          "[faults][provider][pipes]") {
    fake_flyctl fly;
    SECTION("stdout closed, stderr open: the failure that follows is reported") {
        auto start = sclock::now();
        auto r = run_r1(deploy_opts(fly, "close-stdout", {}));
        INFO(r.err);
        CHECK(r.exit_code == 3);
        CHECK(r.err.find("r1: error: flyctl deploy (app demo-app) exited 1: "
                         "Error: release command failed after closing stdout\n") != std::string::npos);
        CHECK(seconds_since(start) >= 1.0);  // it ran on for a second after closing stdout
    }
    SECTION("both closed, still running: --deploy-timeout bounds the wait, and nothing survives") {
        auto start = sclock::now();
        auto r = run_r1(deploy_opts(fly, "close-both", {"--deploy-timeout", "2s"}));
        auto took = seconds_since(start);
        INFO(r.err);
        CHECK(r.exit_code == 3);
        CHECK(r.err.find("r1: error: flyctl deploy (app demo-app) timed out and was stopped\n") != std::string::npos);
        CHECK(took >= 2.0);
        CHECK(took < 15.0);  // SIGTERM works: no kill grace spent
        auto pids = pids_in(fly.record_dir() + "/all.pids");
        REQUIRE(pids.size() == 2);
        CHECK(survivors(pids).empty());
    }
}

TEST_CASE("provider faults: flyctl ignoring SIGTERM at --deploy-timeout is killed after the 5 s grace",
          "[faults][provider][deadline]") {
    fake_flyctl fly;
    auto start = sclock::now();
    auto r = run_r1(deploy_opts(fly, "stubborn", {"--deploy-timeout", "1s"}));
    auto took = seconds_since(start);
    INFO(r.err);
    CHECK(r.exit_code == 3);
    CHECK(r.err.find("r1: error: flyctl deploy (app demo-app) timed out and was stopped") != std::string::npos);
    CHECK(took >= 1.0 + 4.5);  // the grace was given
    CHECK(took < 1.0 + 5.0 + 10.0);
    auto pids = pids_in(fly.record_dir() + "/all.pids");
    REQUIRE(pids.size() == 2);
    CHECK(survivors(pids).empty());
}

TEST_CASE("provider faults: a daemon left in flyctl's process group is killed when flyctl exits",
          "[faults][provider][group]") {
    fake_flyctl fly;
    stall_server health;
    auto start = sclock::now();
    auto r = run_r1(deploy_opts(fly, "daemon", {"--health-url", health.url("/ok")}));
    INFO(r.err);
    CHECK(r.exit_code == 0);
    CHECK(r.out == "health check: 200 OK (10 bytes)\n");
    CHECK(seconds_since(start) < 10);
    auto daemon = r1::test::wait_for_pid_file(fly.record_dir() + "/daemon.pid", 2000);
    REQUIRE(daemon > 0);
    CHECK(r1::test::wait_until_gone(daemon, 500));
}

TEST_CASE("provider faults: a daemon that left flyctl's group holding its pipes delays r1 by the drain window "
          "at most",
          "[faults][provider][group]") {
    fake_flyctl fly;
    stall_server health;
    auto o = deploy_opts(fly, "setsid-daemon", {"--health-url", health.url("/ok")});
    SECTION("flyctl succeeded") {
        auto start = sclock::now();
        auto r = run_r1(o);
        INFO(r.err);
        CHECK(r.exit_code == 0);
        CHECK(r.out == "health check: 200 OK (10 bytes)\n");
        CHECK(seconds_since(start) < 2.0 + 8.0);  // 2 s drain window, then the check
    }
    SECTION("flyctl failed: its last words are still reported") {
        o.env.emplace_back("FAKE_FLY_ERROR", "Error: could not find a good candidate within 21 attempts");
        auto start = sclock::now();
        auto r = run_r1(o);
        INFO(r.err);
        CHECK(r.exit_code == 3);
        CHECK(r.err.find("exited 1: Error: could not find a good candidate within 21 attempts\n") != std::string::npos);
        CHECK(seconds_since(start) < 2.0 + 8.0);
    }
    // It left the group on purpose, as flyctl's own agent does: r1 does not hunt it down. Cleanup.
    auto daemon = r1::test::wait_for_pid_file(fly.record_dir() + "/daemon.pid", 2000);
    REQUIRE(daemon > 0);
    ::kill(daemon, SIGKILL);
    CHECK(r1::test::wait_until_gone(daemon, 2000));
}

TEST_CASE("provider faults: two deploys printing 100 MB each stay in bounded memory and time in a batch",
          "[faults][provider][memory]") {
    fake_flyctl fly;
    temp_dir dir;
    stall_server health;
    auto manifest = write_manifest(dir, fly.path(), health.url("/ok"), {"flood-a", "flood-b"});
    r1_options o;
    o.args = {"deploy", "--batch", manifest, "--concurrency", "2", "--log-dir", (dir / "logs").string(),
              "--report", (dir / "r.json").string(), "--output", "json"};
    o.env = {{"FAKE_FLY_RECORD", fly.record_dir()}, {"FAKE_FLY_MODE", "flood"}};
#if defined(__SANITIZE_ADDRESS__)
    o.env.emplace_back("ASAN_OPTIONS", "quarantine_size_mb=1");  // see fault_support.hpp
#endif
    auto start = sclock::now();
    auto r = run_r1(o);
    auto took = seconds_since(start);
    INFO(r.err << "peak RSS " << r.max_rss_kb << " kB");
    CHECK(r.exit_code == 3);
    CHECK(took < 90);
    CHECK(r.max_rss_kb < rss_ceiling_kb);
    auto doc = json::parse(r1::test::read_file(dir / "r.json"));
    for (const auto& t : doc.at("tasks").as_array()) {
        CHECK(t.at("status") == "failed");
        CHECK(json::value_to<std::string>(t.at("detail")).find("exited 1: ...") != std::string::npos);
        auto tail = json::value_to<std::string>(t.at("output_tail"));
        CHECK(tail.size() <= 8 * 1024);
        CHECK(tail.find("Error: flood over") != std::string::npos);
    }
    // Every byte went to the task's log, none to r1's own output.
    CHECK(std::filesystem::file_size(dir / "logs" / "flood-a.log") > 100'000'000);
    CHECK(r.out.size() < 64 * 1024);
}

TEST_CASE("provider faults: binary output from flyctl stays printable in NDJSON, the report and JUnit",
          "[faults][provider][binary]") {
    fake_flyctl fly;
    temp_dir dir;
    stall_server health;
    SECTION("a single deploy with --output json") {
        auto r = run_r1(deploy_opts(fly, "binary", {"--output", "json", "--health-url", health.url("/ok")}));
        CHECK(r.exit_code == 3);
        auto events = ndjson(r.out);  // throws on invalid JSON or UTF-8
        REQUIRE_FALSE(events.empty());
        auto message = json::value_to<std::string>(events.back().at("message"));
        CHECK(message.starts_with("flyctl deploy (app demo-app) exited 1: "));
        CHECK(message.ends_with("Error: \xEF\xBF\xBD\xEF\xBF\xBD corrupt layer"));
        CHECK(no_control_bytes(message));
    }
    SECTION("a batch") {
        auto manifest = write_manifest(dir, fly.path(), health.url("/ok"), {"bin-a", "bin-b"});
        r1_options o;
        o.args = {"deploy", "--batch", manifest, "--output", "json", "--report", (dir / "r.json").string(),
                  "--junit", (dir / "j.xml").string()};
        o.env = {{"FAKE_FLY_RECORD", fly.record_dir()}, {"FAKE_FLY_MODE", "binary"}};
        auto r = run_r1(o);
        CHECK(r.exit_code == 3);
        for (const auto& e : ndjson(r.out)) {
            if (e.at("event") != "task.end") continue;
            CHECK(no_control_bytes(json::value_to<std::string>(e.at("detail"))));
            auto tail = json::value_to<std::string>(e.at("output_tail"));
            CHECK(no_control_bytes(tail));
            CHECK(tail.find("corrupt layer") != std::string::npos);
        }
        auto report = r1::test::read_file(dir / "r.json");
        auto doc = json::parse(report);
        for (const auto& t : doc.at("tasks").as_array())
            CHECK(no_control_bytes(json::value_to<std::string>(t.at("output_tail"))));
        // XML 1.0 allows no control characters but tab, LF and CR, escaped or not.
        auto junit = r1::test::read_file(dir / "j.xml");
        CHECK(no_control_bytes(junit));
        CHECK(junit.find("corrupt layer") != std::string::npos);
    }
}
