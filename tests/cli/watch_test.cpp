// r1 verify --every against real loopback servers that go down and come back: state changes with
// flap suppression, inconclusive rounds, SIGHUP reloads, --on-change commands, certificate
// warnings, TLS session resumption, and SIGINT / SIGTERM leaving nothing behind.
#include "tests/cli/watch_support.hpp"
#include "tests/support/processes.hpp"
#include "tests/support/stall_server.hpp"
#include "tests/support/tls_server.hpp"

#include <catch2/catch.hpp>

#include <csignal>
#include <fstream>
#include <set>

#include <sys/stat.h>

using namespace r1::test::watching;
using r1::test::flap_server;
using r1::test::r1_process;
using r1::test::temp_dir;

TEST_CASE("r1 verify --every: a target that goes down and comes back is reported once each way, in order",
          "[cli][watch][alerts]") {
    flap_server server;
    auto urls = six_targets(server);
    r1_process r1p{{.args = watch_args(urls, {"--fail-after", "2", "--recover-after", "2"})}};
    REQUIRE(wait_rounds(r1p, 1));
    server.set_status("f", 503);
    REQUIRE(r1p.wait_for_out("\"event\":\"target.down\"", 20'000));
    server.set_status("f", 200);
    REQUIRE(r1p.wait_for_out("\"event\":\"target.up\"", 20'000));
    auto r = stop(r1p, SIGTERM);
    CHECK(r.exit_code == 143);

    auto changes = events_of(r.out, {"target.down", "target.up", "round.inconclusive"});
    REQUIRE(changes.size() == 2);
    CHECK(changes[0].at("event") == "target.down");
    CHECK(changes[0].at("target").as_string() == server.url("f"));
    CHECK(changes[0].at("consecutive_failures") == 2);
    CHECK(changes[0].at("status") == 503);
    CHECK(changes[0].at("cause") == "http-503");  // the stable code every NDJSON event uses
    CHECK(changes[0].at("detail") == "health check: got HTTP 503 (Service Unavailable)");
    CHECK(changes[1].at("event") == "target.up");
    CHECK(changes[1].at("consecutive_successes") == 2);
    CHECK(changes[1].at("down_for_ms").as_int64() >= 0);

    // The down event came only after two failed checks of f; the up event after two good ones.
    auto all = events_of(r.out);
    std::vector<bool> f_results;
    for (const auto& e : all) {
        if (e.at("event") == "check" && e.at("target").as_string() == server.url("f")) f_results.push_back(e.at("ok").as_bool());
        if (e.at("event") == "target.down") {
            REQUIRE(f_results.size() >= 3);
            CHECK_FALSE(f_results[f_results.size() - 1]);
            CHECK_FALSE(f_results[f_results.size() - 2]);
        }
        if (e.at("event") == "target.up") {
            CHECK(f_results[f_results.size() - 1]);
            CHECK(f_results[f_results.size() - 2]);
        }
    }
    CHECK(r.err.find("r1: interrupted by SIGTERM") != std::string::npos);
}

TEST_CASE("r1 verify --every: a target failing every other check never goes down (flap suppression)",
          "[cli][watch][alerts]") {
    flap_server server;
    auto urls = six_targets(server);
    server.alternate("f");
    r1_process r1p{{.args = watch_args(urls, {"--fail-after", "2"})}};
    REQUIRE(server.wait_requests("f", 10, 30'000));
    auto r = stop(r1p, SIGINT);
    CHECK(r.exit_code == 130);
    CHECK(events_of(r.out, {"target.down", "target.up"}).empty());
    std::size_t failed = 0;
    for (const auto& e : events_of(r.out, {"check"}))
        if (e.at("target").as_string() == server.url("f") && !e.at("ok").as_bool()) ++failed;
    CHECK(failed >= 4);
}

TEST_CASE("r1 verify --every: when most targets fail in one round the round is inconclusive and nobody is paged",
          "[cli][watch][inconclusive]") {
    flap_server server;
    auto urls = six_targets(server);
    r1_process r1p{{.args = watch_args(urls, {"--fail-after", "1", "--recover-after", "1"})}};
    REQUIRE(wait_rounds(r1p, 1));
    server.set_default(503);  // r1's own network "fails": every target at once
    REQUIRE(r1p.wait_for_out("\"event\":\"round.inconclusive\"", 20'000, 3));
    server.set_default(200);
    // The rounds that straddle the outage's start and end are partly failed: with half or fewer of
    // their targets failed they are conclusive, and with --fail-after 1 those targets are paged.
    // What this test holds r1 to is the rest: wait for a round with no failure, then one target
    // alone failing is paged, alone.
    auto clean_round_after = [&](std::size_t seen) {
        auto until = std::chrono::steady_clock::now() + std::chrono::seconds(20);
        while (std::chrono::steady_clock::now() < until) {
            auto ends = events_of(r1p.out_so_far(), {"round.end"});
            for (std::size_t k = seen; k < ends.size(); ++k)
                if (ends[k].at("failed").as_int64() == 0) return ends[k].at("round").as_int64();
            std::this_thread::sleep_for(std::chrono::milliseconds(20));
        }
        return std::int64_t{-1};
    };
    auto clean = clean_round_after(events_of(r1p.out_so_far(), {"round.end"}).size());
    REQUIRE(clean > 0);
    auto downs_before = events_of(r1p.out_so_far(), {"target.down"}).size();
    server.set_status("c", 503);
    REQUIRE(r1p.wait_for_out("\"event\":\"target.down\"", 20'000, downs_before + 1));
    auto r = stop(r1p, SIGTERM);
    CHECK(r.exit_code == 143);

    std::set<std::int64_t> inconclusive_rounds;
    for (const auto& e : events_of(r.out, {"round.inconclusive"})) inconclusive_rounds.insert(e.at("round").as_int64());
    REQUIRE(inconclusive_rounds.size() >= 3);
    auto downs = events_of(r.out, {"target.down"});
    for (const auto& d : downs) CHECK(inconclusive_rounds.count(d.at("round").as_int64()) == 0);  // nobody paged
    std::vector<boost::json::object> later;
    for (const auto& d : downs)
        if (d.at("round").as_int64() > clean) later.push_back(d);
    REQUIRE(later.size() == 1);
    CHECK(later[0].at("target").as_string() == server.url("c"));
    for (const auto& d : downs)  // a transitional round's page, if any, is before the clean round
        if (d.at("target").as_string() != server.url("c")) CHECK(d.at("round").as_int64() < clean);
    auto inconclusive = events_of(r.out, {"round.inconclusive"});
    CHECK(inconclusive[0].at("targets") == 6);
    CHECK(inconclusive[0].at("failed").as_int64() >= 4);
    // Each inconclusive round also ends as one.
    std::size_t ended_inconclusive = 0;
    for (const auto& e : events_of(r.out, {"round.end"})) ended_inconclusive += e.at("inconclusive").as_bool();
    CHECK(ended_inconclusive >= 3);
}

TEST_CASE("r1 verify --every: SIGHUP re-reads the file; a broken file keeps the old targets and says why",
          "[cli][watch][reload]") {
    flap_server server;
    temp_dir dir;
    auto list = dir / "urls.txt";
    r1::test::write_file(list, server.url("a") + "\n" + server.url("b") + "\n");
    r1_process r1p{{.args = watch_args({}, {"--batch", list.string()})}};
    REQUIRE(wait_rounds(r1p, 1));

    r1::test::write_file(list, server.url("a") + "\nnot a url\n" + server.url("b") + "\nftp://x/\n");
    r1p.signal(SIGHUP);
    REQUIRE(r1p.wait_for_err("still watching the previous 2 targets"));
    auto err = r1p.err_so_far();
    CHECK(err.find("urls.txt:2: ") != std::string::npos);
    CHECK(err.find("urls.txt:4: ") != std::string::npos);
    CHECK(err.find("2 problems in " + list.string()) != std::string::npos);
    auto before = server.requests("a");
    REQUIRE(server.wait_requests("a", before + 2, 10'000));  // still running, on the old set

    r1::test::write_file(list, server.url("a") + "\n" + server.url("b") + "\n" + server.url("new") + "\n");
    r1p.signal(SIGHUP);
    REQUIRE(r1p.wait_for_err("targets (1 added, 0 removed)"));
    REQUIRE(server.wait_requests("new", 2, 10'000));

    r1::test::write_file(list, server.url("new") + "\n");
    r1p.signal(SIGHUP);
    REQUIRE(r1p.wait_for_err("r1: reloaded " + list.string() + ": 1 target (0 added, 2 removed)"));
    REQUIRE(wait_rounds(r1p, count_rounds(r1p) + 2));
    auto a_after = server.requests("a");
    REQUIRE(wait_rounds(r1p, count_rounds(r1p) + 2));
    CHECK(server.requests("a") == a_after);  // no longer checked
    auto r = stop(r1p, SIGTERM);
    CHECK(r.exit_code == 143);
    auto reloads = events_of(r.out, {"watch.reload"});
    REQUIRE(reloads.size() == 3);
    CHECK(reloads[0].at("ok") == false);
    CHECK(reloads[0].at("problems") == 2);
    CHECK(reloads[1].at("ok") == true);
    CHECK(reloads[1].at("added") == 1);
    CHECK(reloads[2].at("removed") == 2);
}

TEST_CASE("r1 verify --every: --on-change gets every event once, in order, as JSON on stdin",
          "[cli][watch][on-change]") {
    flap_server server;
    temp_dir dir;
    auto log = dir / "events.ndjson";
    auto hook = dir / "hook.sh";
    r1::test::write_file(hook, "#!/bin/sh\ncat >> '" + log.string() + "'\n");
    ::chmod(hook.c_str(), 0755);
    auto urls = six_targets(server);
    r1_process r1p{{.args = watch_args(urls, {"--fail-after", "1", "--recover-after", "1", "--on-change", hook.string()})}};
    REQUIRE(wait_rounds(r1p, 1));
    server.set_status("a", 503);
    REQUIRE(r1p.wait_for_out("\"event\":\"target.down\"", 20'000));
    server.set_default(503);
    REQUIRE(r1p.wait_for_out("\"event\":\"round.inconclusive\"", 20'000));
    server.set_default(200);
    server.set_status("a", 200);
    REQUIRE(r1p.wait_for_out("\"event\":\"target.up\"", 20'000));
    server.set_status("b", 503);
    REQUIRE(r1p.wait_for_out("\"event\":\"target.down\"", 20'000, 2));

    auto printed = [&] { return lines_of(r1p.out_so_far(), {"target.down", "target.up", "round.inconclusive"}); };
    // The command runs after the event is printed: wait until it has caught up.
    auto until = std::chrono::steady_clock::now() + std::chrono::seconds(20);
    while (r1::test::read_file(log).size() < joined(printed()).size() && std::chrono::steady_clock::now() < until)
        std::this_thread::sleep_for(std::chrono::milliseconds(20));
    auto r = stop(r1p, SIGTERM);
    CHECK(r.exit_code == 143);
    auto expected = lines_of(r.out, {"target.down", "target.up", "round.inconclusive"});
    REQUIRE(expected.size() >= 4);
    CHECK(r1::test::read_file(log) == joined(expected));
}

TEST_CASE("r1 verify --every: a failing --on-change command is reported and the monitor goes on",
          "[cli][watch][on-change]") {
    flap_server server;
    auto urls = six_targets(server);
    server.set_status("a", 503);
    SECTION("missing program: refused before anything starts") {
        auto r = r1::test::run_r1({.args = watch_args(urls, {"--on-change", "/nonexistent/hook --flag"})});
        CHECK(r.exit_code == 2);
        CHECK(r.err == "r1: error: --on-change /nonexistent/hook: no such executable (give a path, or a program on $PATH)\n");
        CHECK(server.requests("a") == 0);
    }
    SECTION("a command that exits 3 and one that overruns --on-change-timeout") {
        temp_dir dir;
        auto hook = dir / "hook.sh";
        bool slow = GENERATE(false, true);
        r1::test::write_file(hook, slow ? "#!/bin/sh\nexec sleep 30\n" : "#!/bin/sh\ncat >/dev/null; echo hook-said-this >&2; exit 3\n");
        ::chmod(hook.c_str(), 0755);
        r1_process r1p{{.args = watch_args(urls, {"--fail-after", "1", "--on-change", hook.string() + " arg1",
                                                  "--on-change-timeout", "300ms"})}};
        REQUIRE(r1p.wait_for_err(slow ? "ran past --on-change-timeout and was stopped" : "exited 3", 20'000));
        if (!slow) CHECK(r1p.err_so_far().find("hook-said-this") != std::string::npos);
        auto rounds = count_rounds(r1p);
        REQUIRE(wait_rounds(r1p, rounds + 2));
        auto r = stop(r1p, SIGINT);
        CHECK(r.exit_code == 130);
    }
}

TEST_CASE("r1 verify --every: an --on-change command's output on a terminal keeps colours and loses other controls",
          "[cli][watch][on-change][terminal]") {
    flap_server server;
    temp_dir dir;
    auto hook = dir / "hook.sh";
    r1::test::write_file(hook, "#!/bin/sh\ncat >/dev/null\n"
                               "printf 'hook \\033]0;owned\\007said \\033[31mred\\033[0m \\033[2Jbell \\007done\\n' >&2\n");
    ::chmod(hook.c_str(), 0755);
    auto urls = six_targets(server);
    server.set_status("a", 503);
    r1_process r1p{{.args = watch_args(urls, {"--fail-after", "1", "--on-change", hook.string()}),
                    .stderr_terminal = true}};
    REQUIRE(r1p.wait_for_err("done\n", 20'000));
    auto r = stop(r1p, SIGTERM);
    CHECK(r.exit_code == 143);
    auto at = r.err.find("hook ");
    REQUIRE(at != std::string::npos);
    auto line = r.err.substr(at, r.err.find('\n', at) - at);
    CHECK(line == "hook said \x1b[31mred\x1b[0m bell done");
}

TEST_CASE("r1 verify --every: SIGINT / SIGTERM stop a running --on-change command and a stalled check at once",
          "[cli][watch][interrupt]") {
    int sig = GENERATE(SIGINT, SIGTERM);
    CAPTURE(sig);
    flap_server server;
    r1::test::stall_server stall;
    temp_dir dir;
    auto pid_file = dir / "hook.pid";
    auto hook = dir / "hook.sh";
    r1::test::write_file(hook, "#!/bin/sh\necho $$ > '" + pid_file.string() + "'\nexec sleep 60\n");
    ::chmod(hook.c_str(), 0755);
    auto urls = six_targets(server);
    urls.push_back(stall.url("/stall"));
    server.set_status("a", 503);
    r1_process r1p{{.args = watch_args(urls, {"--fail-after", "1", "--on-change", hook.string(), "--on-change-timeout",
                                              "60s", "--timeout", "60s"})}};
    auto hook_pid = r1::test::wait_for_pid_file(pid_file, 20'000);
    REQUIRE(hook_pid > 0);
    REQUIRE(stall.wait_requests("/stall", 1));
    auto sent = std::chrono::steady_clock::now();
    auto r = stop(r1p, sig);
    auto took = std::chrono::duration<double>(std::chrono::steady_clock::now() - sent).count();
    CHECK(r.exit_code == 128 + sig);
    CHECK(took < 5);
    CHECK(r1::test::wait_until_gone(hook_pid, 1000));
    CHECK(stall.wait_closed("/stall", 1, 2000));  // the stalled check's socket was closed
    auto end = events_of(r.out, {"watch.end"});
    REQUIRE(end.size() == 1);
    CHECK(end[0].at("exit_code") == 128 + sig);
}

TEST_CASE("r1 verify --every: --cert-expiry-warn sends one warning per certificate inside the window",
          "[cli][watch][certs]") {
    flap_server server;  // its certificate expires in 7 days (tests/support/test_pki.cpp)
    auto urls = six_targets(server);
    SECTION("14d: each target warns once") {
        r1_process r1p{{.args = watch_args(urls, {"--cert-expiry-warn", "14d"})}};
        REQUIRE(wait_rounds(r1p, 3));
        auto r = stop(r1p, SIGTERM);
        auto warnings = events_of(r.out, {"target.cert_expiring"});
        REQUIRE(warnings.size() == 6);
        for (const auto& w : warnings) {
            CHECK(w.at("days_left").as_int64() >= 6);
            CHECK(w.at("days_left").as_int64() <= 7);
            CHECK(w.at("warn_days") == 14);
        }
        for (const auto& c : events_of(r.out, {"check"})) {
            CHECK(c.at("cert_days_left").as_int64() >= 6);
            CHECK(c.at("cert_not_after").as_string().size() == 24);
        }
    }
    SECTION("3d: none") {
        r1_process r1p{{.args = watch_args(urls, {"--cert-expiry-warn", "3d"})}};
        REQUIRE(wait_rounds(r1p, 2));
        auto r = stop(r1p, SIGTERM);
        CHECK(events_of(r.out, {"target.cert_expiring"}).empty());
    }
}

TEST_CASE("r1 verify --every: TLS sessions are resumed between rounds, with a full handshake when due",
          "[cli][watch][resume]") {
    flap_server server;
    SECTION("resumed by default; the certificate is verified in full at least every --full-handshake-every") {
        r1_process r1p{{.args = watch_args({server.url("a")}, {"--every", "150ms", "--full-handshake-every", "1s"})}};
        REQUIRE(server.wait_requests("a", 16, 30'000));
        auto r = stop(r1p, SIGTERM);
        auto checks = events_of(r.out, {"check"});
        REQUIRE(checks.size() >= 15);  // the one in flight at SIGTERM is not reported
        std::size_t resumed = 0;
        for (const auto& c : checks) resumed += c.at("tls_resumed").as_bool();
        CHECK_FALSE(checks[0].at("tls_resumed").as_bool());  // the first one is always full
        CHECK(resumed >= checks.size() / 2);
        CHECK(resumed < checks.size() - 1);  // ~every 1s a full one, out of ~6 per second
        CHECK(server.resumed_handshakes() >= resumed);  // a check cut short by SIGTERM may have resumed too
        CHECK(server.resumed_handshakes() <= resumed + 1);
        CHECK(server.full_handshakes() >= 2);
    }
    SECTION("--full-handshake-every 0: never") {
        r1_process r1p{{.args = watch_args({server.url("a")}, {"--every", "150ms", "--full-handshake-every", "0"})}};
        REQUIRE(server.wait_requests("a", 6, 30'000));
        auto r = stop(r1p, SIGTERM);
        CHECK(server.resumed_handshakes() == 0);
        for (const auto& c : events_of(r.out, {"check"})) CHECK_FALSE(c.at("tls_resumed").as_bool());
    }
    SECTION("a failed check and a state change are followed by a full handshake") {
        r1_process r1p{{.args = watch_args({server.url("a")}, {"--every", "150ms", "--fail-after", "2"})}};
        REQUIRE(server.wait_requests("a", 4, 30'000));
        server.set_status("a", 503);
        REQUIRE(r1p.wait_for_out("\"event\":\"target.down\"", 20'000));
        server.set_status("a", 200);
        REQUIRE(r1p.wait_for_out("\"event\":\"target.up\"", 20'000));
        auto n = server.requests("a");
        REQUIRE(server.wait_requests("a", n + 3, 20'000));
        auto r = stop(r1p, SIGTERM);
        auto all = events_of(r.out, {"check", "target.down", "target.up"});
        bool after_failure = false, after_change = false;
        std::size_t checked = 0;
        for (const auto& e : all) {
            if (e.at("event") != "check") {
                after_change = true;
                continue;
            }
            bool resumed = e.at("tls_resumed").as_bool();
            if (after_failure || after_change) {
                CHECK_FALSE(resumed);
                ++checked;
            }
            after_change = false;
            after_failure = !e.at("ok").as_bool();
        }
        CHECK(checked >= 3);
    }
}

TEST_CASE("r1 verify --every: usage errors are refused before anything starts", "[cli][watch][usage]") {
    auto r = r1::test::run_r1({.args = {"verify", "--fail-after", "2", "https://localhost/"}});
    CHECK(r.exit_code == 2);
    CHECK(r.err == "r1: error: --fail-after needs --every DURATION\n");
    r = r1::test::run_r1({.args = {"verify", "--every", "1m", "--report", "x.json", "https://localhost/"}});
    CHECK(r.exit_code == 2);
    CHECK(r.err == "r1: error: --report cannot be combined with --every\n");
    for (std::vector<std::string> flag : {std::vector<std::string>{"--shard", "1/2"}, {"--max-failures", "3"}}) {
        r = r1::test::run_r1({.args = {"verify", "--every", "1m", flag[0], flag[1], "https://localhost/"}});
        CHECK(r.exit_code == 2);
        CHECK(r.err == "r1: error: " + flag[0] + " cannot be combined with --every\n");
    }
    r = r1::test::run_r1({.args = {"verify", "--every", "10ms", "https://localhost/"}});
    CHECK(r.exit_code == 2);
    CHECK(r.err == "r1: error: --every must be at least 100ms\n");
    r = r1::test::run_r1({.args = {"verify", "--every", "1m", "--metrics-listen", "::1:9115", "https://localhost/"}});
    CHECK(r.exit_code == 2);
    CHECK(r.err.starts_with("r1: error: invalid --metrics-listen \"::1:9115\""));
    r = r1::test::run_r1({.args = {"verify", "--every", "1m", "--cert-expiry-warn", "0d", "https://localhost/"}});
    CHECK(r.exit_code == 2);
    r = r1::test::run_r1({.args = {"verify", "--every", "1m", "not a url"}});
    CHECK(r.exit_code == 2);
    CHECK(r.err.find("nothing was started") != std::string::npos);
}

TEST_CASE("r1 verify --every: past 300 checks a second the checks spread over one loop per core, all the same",
          "[cli][watch][loops]") {
    flap_server server;
    std::vector<std::string> urls;
    for (int i = 0; i < 100; ++i) urls.push_back(server.http_url("n" + std::to_string(i)));
    server.set_status("n7", 503);
    r1_process r1p{{.args = watch_args(urls, {"--every", "250ms", "--fail-after", "2"})}};  // 400 checks/s
    REQUIRE(wait_rounds(r1p, 4));
    std::ifstream status("/proc/" + std::to_string(r1p.pid()) + "/status");
    long threads = 0;
    for (std::string line; std::getline(status, line);)
        if (line.rfind("Threads:", 0) == 0) threads = std::atol(line.c_str() + 8);
    CHECK(threads == static_cast<long>(std::max(1u, std::thread::hardware_concurrency())) + 1);
    auto r = stop(r1p, SIGTERM);
    CHECK(r.exit_code == 143);
    auto start = events_of(r.out, {"watch.start"});
    REQUIRE(start.size() == 1);
    CHECK(start[0].at("loops") == std::max(1u, std::thread::hardware_concurrency()));
    auto downs = events_of(r.out, {"target.down"});
    REQUIRE(downs.size() == 1);
    CHECK(downs[0].at("target").as_string() == server.http_url("n7"));
    for (const auto& e : events_of(r.out, {"round.end"})) {
        CHECK(e.at("failed") == 1);
        CHECK(e.at("ok") == 99);
    }
}

TEST_CASE("r1 verify --every: an https target's redirect to plain http fails unless --allow-insecure-redirects",
          "[cli][watch][redirect]") {
    r1::test::tls_server server;
    const auto url = server.https_url("/to-http");
    auto allow = GENERATE(false, true);
    std::vector<std::string> extra;
    if (allow) extra.push_back("--allow-insecure-redirects");
    r1_process r1p{{.args = watch_args({url}, extra)}};
    REQUIRE(wait_rounds(r1p, 1));
    auto r = stop(r1p, SIGTERM);
    CHECK(r.exit_code == 143);
    auto checks = events_of(r.out, {"check"});
    REQUIRE(!checks.empty());
    INFO(r.out);
    CHECK(checks.front().at("ok").as_bool() == allow);
    auto detail = std::string(checks.front().at("detail").as_string());
    CHECK((detail.find("refused the redirect from https to " + server.http_url("/ok")) != std::string::npos) == !allow);
}
