// Fault injection, operator side: SIGINT and SIGTERM reach the real r1 binary at each phase of a
// deploy and of a batch. Each phase is reached by waiting on an event (a pid file, a request seen by
// the loopback server, a line r1 printed), never by sleeping. After the signal: exit 130 / 143, a line
// saying so, reports written, every recorded pid gone, and no waiting out timers r1 no longer needs.
#include "tests/faults/fault_support.hpp"
#include "tests/support/output_checks.hpp"
#include "tests/support/stall_server.hpp"

#include <catch2/catch.hpp>

#include <csignal>
#include <map>

using namespace r1::test::faults;
using r1::test::fake_flyctl;
using r1::test::ndjson;
using r1::test::r1_options;
using r1::test::r1_process;
using r1::test::stall_server;
using r1::test::temp_dir;
using r1::test::count_of;
namespace json = boost::json;

namespace {

std::string signal_name(int sig) { return sig == SIGINT ? "SIGINT" : "SIGTERM"; }

std::string interrupted_line(int sig) {
    return "r1: interrupted by " + signal_name(sig) + "; child processes stopped\n";
}

}  // namespace

TEST_CASE("interrupt: SIGINT/SIGTERM while the health check waits on a stalled server ends it at once",
          "[faults][interrupt][health]") {
    auto sig = GENERATE(SIGINT, SIGTERM);
    CAPTURE(sig);
    fake_flyctl fly;
    stall_server server;
    auto json_output = GENERATE(false, true);
    CAPTURE(json_output);
    auto o = deploy_opts(fly, "ok", {"--health-url", server.url("/stall"), "--timeout", "60s"});
    if (json_output) o.args.insert(o.args.end(), {"--output", "json"});
    r1_process r1p{o};
    REQUIRE(server.wait_requests("/stall", 1));
    auto [r, took] = signal_and_wait(r1p, {sig});
    INFO(r.out << r.err);
    CHECK(r.exit_code == 128 + sig);
    CHECK(took < 5);
    CHECK(r.err.ends_with(interrupted_line(sig)));
    CHECK(server.wait_closed("/stall", 1, 2000));  // r1 hung up: no socket left behind
    if (json_output) {
        auto events = ndjson(r.out);
        REQUIRE_FALSE(events.empty());
        CHECK(events.back().at("event") == "result");
        CHECK(events.back().at("exit_code") == 128 + sig);
        CHECK(events.back().at("ok") == false);
        CHECK(events.back().at("message").as_string() == "interrupted by " + signal_name(sig) + "; child processes stopped");
    }
}

TEST_CASE("interrupt: SIGINT/SIGTERM while a health re-check waits ends the wait", "[faults][interrupt][retry]") {
    auto sig = GENERATE(SIGINT, SIGTERM);
    CAPTURE(sig);
    fake_flyctl fly;
    stall_server server;  // /429 asks for 60 s
    r1_process r1p{deploy_opts(fly, "ok", {"--health-url", server.url("/429"), "--retries", "1"})};
    REQUIRE(r1p.wait_for_err("r1: attempt 2 (env-fix) re-checks DEPLOY-HEALTH-200 in 1m"));
    auto [r, took] = signal_and_wait(r1p, {sig});
    INFO(r.err);
    CHECK(r.exit_code == 128 + sig);
    CHECK(took < 5);
    CHECK(r.err.ends_with(interrupted_line(sig)));
    CHECK(server.requests("/429") == 1);  // no re-check after the interrupt
}

TEST_CASE("interrupt: SIGINT/SIGTERM while a redeploy waits ends the wait and deploys nothing more",
          "[faults][interrupt][retry]") {
    auto sig = GENERATE(SIGINT, SIGTERM);
    CAPTURE(sig);
    fake_flyctl fly;
    r1_process r1p{deploy_opts(fly, "rate-limited", {"--retries", "2"})};
    // A 429 from the deploy waits at least 10 s before the next one.
    REQUIRE(r1p.wait_for_err("r1: attempt 2 (env-fix) retries the deploy in 10s: transient [http-429]"));
    auto [r, took] = signal_and_wait(r1p, {sig});
    INFO(r.err);
    CHECK(r.exit_code == 128 + sig);
    CHECK(took < 5);
    CHECK(r.err.ends_with(interrupted_line(sig)));
    CHECK(pids_in(fly.record_dir() + "/deploys").size() == 1);
}

TEST_CASE("interrupt: SIGINT while flyctl's escaped daemon holds its pipes starts no retry wait",
          "[faults][interrupt][retry]") {
    fake_flyctl fly;
    auto o = deploy_opts(fly, "setsid-daemon", {"--retries", "2"});
    o.env.emplace_back("FAKE_FLY_ERROR", "Error: failed to create release: 429 Too Many Requests");
    r1_process r1p{o};
    auto flyctl = r1::test::wait_for_pid_file(fly.record_dir() + "/flyctl.pid", 10'000);
    auto daemon = r1::test::wait_for_pid_file(fly.record_dir() + "/daemon.pid", 2000);
    REQUIRE(flyctl > 0);
    REQUIRE(daemon > 0);
    // flyctl has exited; r1 is draining the pipes the daemon still holds (up to 2 s).
    REQUIRE(r1::test::wait_until_gone(flyctl, 10'000));
    auto [r, took] = signal_and_wait(r1p, {SIGINT});
    INFO(r.err);
    CHECK(r.exit_code == 130);
    CHECK(took < 2.0 + 3.0);  // not the 10 s rate-limit wait
    CHECK(r.err.find("r1: attempt 2") == std::string::npos);
    CHECK(r.err.ends_with(interrupted_line(SIGINT)));
    ::kill(daemon, SIGKILL);  // outside flyctl's group: not r1's to stop
    CHECK(r1::test::wait_until_gone(daemon, 2000));
}

TEST_CASE("interrupt: a flyctl ignoring SIGINT and SIGTERM is killed after the 5 s grace, at once on a second "
          "signal",
          "[faults][interrupt][escalation]") {
    fake_flyctl fly;
    r1_process r1p{deploy_opts(fly, "stubborn", {})};
    auto pids = wait_for_pids(fly.record_dir() + "/all.pids", 2);
    REQUIRE(r1::test::wait_for_pid_file(fly.record_dir() + "/flyctl.pid", 10'000) > 0);
    REQUIRE(pids.size() == 2);
    SECTION("one signal: SIGKILL follows after the grace") {
        auto sig = GENERATE(SIGINT, SIGTERM);
        CAPTURE(sig);
        auto [r, took] = signal_and_wait(r1p, {sig});
        INFO(r.err);
        CHECK(r.exit_code == 128 + sig);
        CHECK(took >= 4.5);
        CHECK(took < 5.0 + 10.0);
        CHECK(r.err.ends_with(interrupted_line(sig)));
    }
    SECTION("a second signal kills at once") {
        auto [r, took] = signal_and_wait(r1p, {SIGINT, SIGTERM});
        INFO(r.err);
        CHECK(r.exit_code == 130);  // the first signal names the interruption
        CHECK(took < 4.0);
        CHECK(r.err.ends_with(interrupted_line(SIGINT)));
    }
    CHECK(survivors(pids).empty());
}

TEST_CASE("interrupt: SIGINT/SIGTERM while git reads HEAD before the deploy starts no flyctl",
          "[faults][interrupt][git]") {
    auto sig = GENERATE(SIGINT, SIGTERM);
    CAPTURE(sig);
    fake_flyctl fly;
    temp_dir work;
    std::filesystem::create_directories(work / "repo" / ".git");
    std::filesystem::create_directories(work / "bin");
    r1::test::write_file(work / "bin" / "git", "#!/bin/sh\necho $$ > " + (work / "git.pid").string() +
                                                   "\nexec sleep 600\n");
    ::chmod((work / "bin" / "git").c_str(), 0755);
    auto o = deploy_opts(fly, "ok", {"--dir", (work / "repo").string()});
    o.env.emplace_back("PATH", (work / "bin").string() + ":/usr/bin:/bin");
    r1_process r1p{o};
    auto git = r1::test::wait_for_pid_file(work / "git.pid", 10'000);
    REQUIRE(git > 0);
    auto [r, took] = signal_and_wait(r1p, {sig});
    INFO(r.err);
    CHECK(r.exit_code == 128 + sig);
    CHECK(took < 5);
    CHECK(r.err.ends_with(interrupted_line(sig)));
    CHECK_FALSE(r1::test::process_alive(git));
    CHECK_FALSE(std::filesystem::exists(fly.record_dir() + "/argv"));  // flyctl never started
}

TEST_CASE("interrupt: SIGINT/SIGTERM with batch tasks in every phase stops them all, reports, exits 130/143",
          "[faults][interrupt][batch]") {
    auto sig = GENERATE(SIGINT, SIGTERM);
    CAPTURE(sig);
    fake_flyctl fly;
    temp_dir dir;
    stall_server server;
    auto family_rec = (dir / "rec-family").string();
    auto stubborn_rec = (dir / "rec-stubborn").string();
    auto family = mode_wrapper(dir.path(), fly, "family", family_rec);
    auto stubborn = mode_wrapper(dir.path(), fly, "stubborn", stubborn_rec);
    // Four run at once: one deploying (with a grandchild), one deploying and ignoring signals, one
    // health check stalled, one waiting to re-check after a 429. Two wait for a slot.
    std::string manifest = "[defaults]\nflyctl = \"" + fly.path() + "\"\nhealth_url = \"" + server.url("/ok") +
                           "\"\nretries = 0\n"
                           "[[app]]\nname = \"deploying\"\nflyctl = \"" + family + "\"\n"
                           "[[app]]\nname = \"stubborn\"\nflyctl = \"" + stubborn + "\"\n"
                           "[[app]]\nname = \"checking\"\nhealth_url = \"" + server.url("/stall") + "\"\n"
                           "health_timeout = \"60s\"\n"
                           "[[app]]\nname = \"waiting\"\nhealth_url = \"" + server.url("/429") + "\"\nretries = 1\n"
                           "[[app]]\nname = \"queued-a\"\n"
                           "[[app]]\nname = \"queued-b\"\n";
    r1::test::write_file(dir / "fleet.toml", manifest);
    r1_options o;
    o.args = {"deploy", "--batch", (dir / "fleet.toml").string(), "--concurrency", "4", "--output", "json",
              "--report", (dir / "r.json").string(), "--junit", (dir / "j.xml").string()};
    o.env = {{"FAKE_FLY_RECORD", fly.record_dir()}, {"FAKE_FLY_MODE", "ok"},
             {"FAKE_FLY_EVENTS", (dir / "events").string()}};
    r1_process r1p{o};

    auto family_pids = wait_for_pids(family_rec + "/all.pids", 2);
    auto stubborn_pids = wait_for_pids(stubborn_rec + "/all.pids", 2);
    REQUIRE(r1::test::wait_for_pid_file(stubborn_rec + "/flyctl.pid", 10'000) > 0);
    REQUIRE(family_pids.size() == 2);
    REQUIRE(stubborn_pids.size() == 2);
    REQUIRE(server.wait_requests("/stall", 1));
    REQUIRE(server.wait_closed("/429", 1));  // answered and read: now in its 60 s wait
    auto [r, took] = signal_and_wait(r1p, {sig});
    INFO(r.out << r.err);

    CHECK(r.exit_code == 128 + sig);
    CHECK(took >= 4.5);  // the stubborn deploy got its grace
    CHECK(took < 5.0 + 10.0);  // and nothing else was waited out
    CHECK(r.err.find("r1: interrupted by " + signal_name(sig) + "; running tasks stopped, the rest not started\n") !=
          std::string::npos);
    std::vector<pid_t> all = family_pids;
    all.insert(all.end(), stubborn_pids.begin(), stubborn_pids.end());
    CHECK(survivors(all).empty());
    CHECK(server.wait_closed("/stall", 1, 2000));
    CHECK(server.requests("/429") == 1);
    CHECK(r1::test::read_file(dir / "events").find("queued") == std::string::npos);

    std::map<std::string, json::value> ends;
    json::value batch_end;
    for (const auto& e : ndjson(r.out)) {
        if (e.at("event") == "task.end") ends[json::value_to<std::string>(e.at("app"))] = e;
        if (e.at("event") == "batch.end") batch_end = e;
    }
    REQUIRE(ends.size() == 4);
    for (const auto& [app, e] : ends) {
        CAPTURE(app);
        CHECK(e.at("status") == "interrupted");
        CHECK(e.at("code") == 128 + sig);
    }
    REQUIRE(batch_end.is_object());
    CHECK(batch_end.at("exit_code") == 128 + sig);
    CHECK(batch_end.at("interrupted") == 4);
    CHECK(batch_end.at("skipped") == 2);
    CHECK(batch_end.at("signal").as_string() == signal_name(sig));

    auto doc = json::parse(r1::test::read_file(dir / "r.json"));
    CHECK(doc.at("interrupted_by").as_string() == signal_name(sig));
    CHECK(doc.at("exit_code") == 128 + sig);
    CHECK(doc.at("counts").at("interrupted") == 4);
    CHECK(doc.at("counts").at("skipped") == 2);
    for (const auto& t : doc.at("tasks").as_array()) {
        auto name = json::value_to<std::string>(t.at("name"));
        CAPTURE(name);
        CHECK(t.at("status") == (name.starts_with("queued") ? "skipped" : "interrupted"));
    }
    CHECK(count_of(r1::test::read_file(dir / "j.xml"), "<skipped ") == 6);
}

TEST_CASE("interrupt: a second signal stops a batch of stubborn deploys at once", "[faults][interrupt][batch]") {
    fake_flyctl fly;
    temp_dir dir;
    stall_server server;
    std::string manifest = "[defaults]\nflyctl = \"" + fly.path() + "\"\nhealth_url = \"" + server.url("/ok") +
                           "\"\nretries = 0\n[[app]]\nname = \"a\"\n[[app]]\nname = \"b\"\n[[app]]\nname = \"c\"\n";
    r1::test::write_file(dir / "fleet.toml", manifest);
    r1_options o;
    o.args = {"deploy", "--batch", (dir / "fleet.toml").string(), "--concurrency", "2", "--report",
              (dir / "r.json").string()};
    o.env = {{"FAKE_FLY_RECORD", fly.record_dir()}, {"FAKE_FLY_MODE", "stubborn"}};
    r1_process r1p{o};
    auto pids = wait_for_pids(fly.record_dir() + "/all.pids", 4);
    REQUIRE(pids.size() == 4);
    auto [r, took] = signal_and_wait(r1p, {SIGINT, SIGTERM});
    INFO(r.out << r.err);
    CHECK(r.exit_code == 130);
    CHECK(took < 4.0);
    CHECK(survivors(pids).empty());
    auto doc = json::parse(r1::test::read_file(dir / "r.json"));
    CHECK(doc.at("interrupted_by") == "SIGINT");
    CHECK(doc.at("counts").at("interrupted") == 2);
    CHECK(doc.at("counts").at("skipped") == 1);
}
