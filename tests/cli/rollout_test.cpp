// Rollout control through the real binary: canaries, waves with a verification gate, the failure
// budget, per-region caps and interrupts in every phase. Deploys run the stand-in flyctl, which
// records when each starts and ends; health checks go to a real HTTPS server on loopback whose pages
// can go down once they have been seen up.
#include "tests/support/fleet_dir.hpp"
#include "tests/support/output_checks.hpp"
#include "tests/support/page_server.hpp"
#include "tests/support/processes.hpp"
#include "tests/support/r1_process.hpp"
#include "tests/support/test_pki.hpp"

#include <catch2/catch.hpp>

#include <csignal>
#include <map>
#include <sstream>
#include <thread>

using namespace std::chrono_literals;
using r1::test::app;
using r1::test::count_of;
using r1::test::fleet_dir;
using r1::test::ndjson;
using r1::test::page;
using r1::test::page_server;
using r1::test::r1_process;
using r1::test::run_r1;
namespace json = boost::json;

namespace {

const page healthy{200, "OK healthy", "text/plain"};

/// Apps whose health URL is the server's /<name>, each page healthy unless the test says otherwise.
std::string apps_at(page_server& server, const std::vector<std::string>& names, const std::string& more = "") {
    std::string body;
    for (const auto& n : names) {
        server.serve("/" + n, healthy);
        body += app(n, "health_url = \"" + server.url("/" + n) + "\"\n" + more);
    }
    return body;
}

std::vector<std::string> names(const std::string& prefix, int n) {
    std::vector<std::string> out;
    for (int i = 0; i < n; ++i) out.push_back(prefix + std::to_string(i));
    return out;
}

/// Each task's status and skip reason in the report, by name.
std::map<std::string, std::pair<std::string, std::string>> statuses(const json::object& report) {
    std::map<std::string, std::pair<std::string, std::string>> out;
    for (const auto& t : report.at("tasks").as_array()) {
        const auto& o = t.as_object();
        out[std::string(o.at("name").as_string())] = {std::string(o.at("status").as_string()),
                                                       o.contains("skip_reason") ? std::string(o.at("skip_reason").as_string()) : ""};
    }
    return out;
}

/// The pids the stand-in's "family" mode wrote (each deploy and its grandchild).
std::vector<pid_t> family_pids(const fleet_dir& f) {
    std::vector<pid_t> pids;
    std::istringstream in(r1::test::read_file(f.fly().record_dir() + "/all.pids"));
    for (pid_t p; in >> p;) pids.push_back(p);
    return pids;
}

}  // namespace

TEST_CASE("--canary: a failed canary stops the rest, reported as skipped with the reason everywhere",
          "[cli][rollout][canary]") {
    page_server server;
    fleet_dir f;
    f.write(apps_at(server, {"api", "web"}) + app("fail-canary", "canary = true\nhealth_url = \"" + server.url("/api") + "\"\n") +
            apps_at(server, {"jobs", "admin"}));
    auto o = f.deploy({"--output", "json", "--report", f.path("r.json"), "--junit", f.path("j.xml")});
    auto r = run_r1(o);
    INFO(r.out << r.err);
    CHECK(r.exit_code == 3);
    CHECK(f.started_apps() == std::vector<std::string>{"fail-canary"});
    const std::string reason = "not started: canary fail-canary (exit 3) failed";
    // NDJSON: the canary wave, its gate, then a task.skipped per app kept back.
    auto events = ndjson(r.out);
    std::vector<std::string> kinds;
    std::map<std::string, std::string> skipped;
    for (const auto& e : events) {
        kinds.emplace_back(e.at("event").as_string());
        if (e.at("event") == "task.skipped") skipped[std::string(e.at("app").as_string())] = std::string(e.at("reason").as_string());
        if (e.at("event") == "wave.gate") {
            CHECK(e.at("wave") == 1);
            CHECK(e.at("passed") == false);
        }
    }
    // The canary's own lifecycle events (its pre-flight) come between its task.start and task.end.
    CHECK(kinds == std::vector<std::string>{"batch.start", "wave.start", "task.start", "preflight", "task.end", "wave.gate",
                                            "task.skipped", "task.skipped", "task.skipped", "task.skipped", "batch.end"});
    CHECK(skipped.size() == 4);
    for (const auto& [name, why] : skipped) CHECK(why == reason);
    CHECK(events.back().at("stopped_by") == "canary");
    // The report and JUnit say the same.
    auto report = r1::test::read_report(f.path("r.json"));
    CHECK(report.at("stopped_by") == "canary");
    CHECK(report.at("rollout").at("waves").as_array()[0].at("canary") == true);
    CHECK(report.at("rollout").at("waves").as_array()[0].at("gate") == "failed");
    auto st = statuses(report);
    CHECK(st["fail-canary"].first == "failed");
    for (auto n : {"api", "web", "jobs", "admin"}) CHECK(st[n] == std::pair<std::string, std::string>{"skipped", reason});
    auto xml = r1::test::read_file(f.path("j.xml"));
    CHECK(count_of(xml, "<skipped message=\"" + reason + "\"/>") == 4);
    // And the summary, in text.
    auto text = run_r1(f.deploy({}));
    CHECK(count_of(text.out, reason) == 4);
    CHECK(text.out.find("0 ok, 1 failed, 4 not started (a canary failed); exit 3") != std::string::npos);
}

TEST_CASE("--canary N: the first N apps go first; healthy canaries let the rest through", "[cli][rollout][canary]") {
    page_server server;
    fleet_dir f;
    auto all = names("app-", 6);
    f.write(apps_at(server, all));
    auto r = run_r1(f.deploy({"--canary", "2", "--concurrency", "4", "--report", f.path("r.json")}));
    INFO(r.out << r.err);
    CHECK(r.exit_code == 0);
    auto spans = f.deploys();
    REQUIRE(spans.size() == 6);
    // Both canaries ended before any other deploy started.
    long long canaries_done = 0;
    for (const auto& s : spans)
        if (s.app == "app-0" || s.app == "app-1") canaries_done = std::max(canaries_done, s.end_ns);
    for (const auto& s : spans)
        if (s.app != "app-0" && s.app != "app-1") CHECK(s.start_ns > canaries_done);
    // r1's notes on the rollout go to stderr, with its other decisions; results to stdout.
    CHECK(r.err.find("r1: wave 1/2 (canaries): 2 tasks") != std::string::npos);
    CHECK(r.err.find("r1: wave 1/2 (canaries) passed its gate: 2 apps deployed so far healthy") != std::string::npos);
    auto report = r1::test::read_report(f.path("r.json"));
    CHECK(report.at("stopped_by").is_null());
    CHECK(report.at("rollout").at("waves").as_array().size() == 2);
}

TEST_CASE("--waves: each gate re-checks every app deployed so far; an app that went down stops the rollout",
          "[cli][rollout][waves]") {
    page_server server;
    fleet_dir f;
    auto all = names("svc-", 6);
    f.write(apps_at(server, all));
    SECTION("all healthy: wave k's apps are checked once at deploy and once at every gate after") {
        auto r = run_r1(f.deploy({"--waves", "1,50%", "--concurrency", "3", "--report", f.path("r.json")}));
        INFO(r.out << r.err);
        CHECK(r.exit_code == 0);
        // Cumulative: 1 app, then up to 50% of 6 (3 in all), then the rest: svc-0 | svc-1, svc-2 | svc-3..5.
        CHECK(server.count("/svc-0") == 3);
        for (auto n : {"/svc-1", "/svc-2"}) CHECK(server.count(n) == 2);
        for (auto n : {"/svc-3", "/svc-4", "/svc-5"}) CHECK(server.count(n) == 1);
        auto report = r1::test::read_report(f.path("r.json"));
        auto waves = report.at("rollout").at("waves").as_array();
        REQUIRE(waves.size() == 3);
        CHECK(waves[0].at("tasks") == 1);
        CHECK(waves[1].at("tasks") == 2);
        CHECK(waves[2].at("tasks") == 3);
        CHECK(waves[0].at("gate") == "passed");
        CHECK(waves[1].at("gate") == "passed");
        CHECK(waves[2].at("gate").is_null());  // nothing after the last wave
        for (const auto& t : report.at("tasks").as_array())
            CHECK(t.at("wave") == (t.at("name") == "svc-0" ? 1 : t.at("name") == "svc-1" || t.at("name") == "svc-2" ? 2 : 3));
    }
    SECTION("svc-0 goes down after its deploy's check: the first gate catches it, nothing else deploys") {
        server.serve("/svc-0", page{200, "OK healthy", "text/plain", {}, false, {}, 1, 503});
        auto r = run_r1(f.deploy({"--waves", "1,50%", "--report", f.path("r.json"), "--junit", f.path("j.xml")}));
        INFO(r.out << r.err);
        CHECK(r.exit_code == 1);  // it is an unhealthy app now
        CHECK(f.started_apps() == std::vector<std::string>{"svc-0"});
        CHECK(r.err.find("r1: wave 1/3 failed its gate: svc-0 is no longer healthy: health check: got HTTP 503 "
                         "(Service Unavailable); the rest are not started") != std::string::npos);
        auto report = r1::test::read_report(f.path("r.json"));
        CHECK(report.at("stopped_by") == "gate");
        auto st = statuses(report);
        CHECK(st["svc-0"].first == "failed");
        const std::string reason = "not started: wave 1/3 failed its gate: svc-0 is no longer healthy: health check: "
                                   "got HTTP 503 (Service Unavailable)";
        for (int i = 1; i < 6; ++i) CHECK(st["svc-" + std::to_string(i)] == std::pair<std::string, std::string>{"skipped", reason});
        for (const auto& t : report.at("tasks").as_array())
            if (t.at("name") == "svc-0")
                CHECK(t.at("detail") == "gate after wave 1/3: health check: got HTTP 503 (Service Unavailable)");
        CHECK(count_of(r1::test::read_file(f.path("j.xml")), "<failure ") == 1);
    }
    SECTION("a failed deploy in a wave stops at its gate; with --max-failures 2 one is tolerated") {
        fleet_dir g;
        g.write(apps_at(server, {"a"}) + app("fail-b", "health_url = \"" + server.url("/a") + "\"\n") +
                apps_at(server, {"c", "d", "e"}));
        auto strict = run_r1(g.deploy({"--waves", "2,100%", "--concurrency", "1"}));
        CHECK(strict.exit_code == 3);
        CHECK(g.started_apps() == std::vector<std::string>{"a", "fail-b"});
        CHECK(strict.out.find("wave 1/2 failed its gate: fail-b (exit 3) failed") != std::string::npos);
        fleet_dir h;
        h.write(apps_at(server, {"a"}) + app("fail-b", "health_url = \"" + server.url("/a") + "\"\n") +
                apps_at(server, {"c", "d", "e"}));
        auto tolerant = run_r1(h.deploy({"--waves", "2,100%", "--concurrency", "1", "--max-failures", "2"}));
        CHECK(tolerant.exit_code == 3);
        CHECK(h.started_apps().size() == 5);
    }
}

TEST_CASE("--max-failures K: no task starts after the K-th failure; running ones finish and count",
          "[cli][rollout][max-failures]") {
    page_server server;
    SECTION("one at a time: exactly K failures") {
        fleet_dir f;
        f.write(apps_at(server, {"a"}) + app("fail-1", "health_url = \"" + server.url("/a") + "\"\n") +
                apps_at(server, {"b"}) + app("fail-2", "health_url = \"" + server.url("/a") + "\"\n") +
                apps_at(server, {"c"}) + app("fail-3", "health_url = \"" + server.url("/a") + "\"\n") + apps_at(server, {"d"}));
        auto r = run_r1(f.deploy({"--concurrency", "1", "--max-failures", "2", "--report", f.path("r.json")}));
        INFO(r.out << r.err);
        CHECK(r.exit_code == 3);
        CHECK(f.started_apps() == std::vector<std::string>{"a", "fail-1", "b", "fail-2"});
        CHECK(r.out.find("2 ok, 2 failed, 3 not started (--max-failures 2); exit 3") != std::string::npos);
        auto st = statuses(r1::test::read_report(f.path("r.json")));
        CHECK(st["c"].second == "not started: --max-failures 2 reached (2 failed)");
    }
    SECTION("concurrently: in NDJSON order, no task.start follows the K-th failed task.end") {
        fleet_dir f;
        std::string body;
        for (int i = 0; i < 16; ++i)
            body += i % 3 == 1 ? app("fail-" + std::to_string(i), "health_url = \"" + server.url("/ok") + "\"\n")
                               : apps_at(server, {"ok-" + std::to_string(i)});
        server.serve("/ok", healthy);
        f.write(body);
        auto o = f.deploy({"--concurrency", "4", "--max-failures", "2", "--output", "json"});
        o.env.emplace_back("FAKE_FLY_SLEEP", "0.2");
        auto r = run_r1(o);
        INFO(r.out << r.err);
        CHECK(r.exit_code == 3);
        int failed = 0, starts_after = 0, failed_total = 0;
        for (const auto& e : ndjson(r.out)) {
            if (e.at("event") == "task.start" && failed >= 2) ++starts_after;
            if (e.at("event") == "task.end" && e.at("status") == "failed") {
                ++failed;
                ++failed_total;
            }
        }
        CHECK(starts_after == 0);
        CHECK(failed_total >= 2);
        CHECK(failed_total <= 2 + 3);  // at most what was already in flight
        CHECK(f.started_apps().size() < 16);
    }
    SECTION("--fail-fast still works, and with --max-failures above 1 it is refused") {
        fleet_dir f;
        f.write(app("fail-a", "health_url = \"" + server.url("/ok") + "\"\n") + apps_at(server, {"b", "c"}));
        auto r = run_r1(f.deploy({"--concurrency", "1", "--fail-fast"}));
        CHECK(r.exit_code == 3);
        CHECK(r.out.find("0 ok, 1 failed, 2 not started (--fail-fast)") != std::string::npos);
        auto both = run_r1(f.deploy({"--fail-fast", "--max-failures", "3"}));
        CHECK(both.exit_code == 2);
        CHECK(both.err == "r1: error: --fail-fast is --max-failures 1: give one of them\n");
    }
}

TEST_CASE("--region-concurrency and [region.CODE]: a region's cap holds beside the batch's", "[cli][rollout][regions]") {
    page_server server;
    fleet_dir f;
    server.serve("/ok", healthy);
    std::string body = "health_url = \"" + server.url("/ok") + "\"\n[region.fra]\nconcurrency = 1\n";
    std::vector<std::string> iad, fra, syd;
    for (int i = 0; i < 4; ++i) {
        iad.push_back("iad-" + std::to_string(i));
        fra.push_back("fra-" + std::to_string(i));
        syd.push_back("syd-" + std::to_string(i));
        body += app(iad.back()) + app(fra.back(), "region = \"fra\"\n") + app(syd.back(), "region = \"syd\"\n");
    }
    f.write(body);
    auto o = f.deploy({"--concurrency", "8", "--region-concurrency", "2"});
    o.env.emplace_back("FAKE_FLY_SLEEP", "0.3");
    auto r = run_r1(o);
    INFO(r.out << r.err);
    CHECK(r.exit_code == 0);
    CHECK(f.started_apps().size() == 12);
    CHECK(f.max_overlap(fra) == 1);  // its own cap
    CHECK(f.max_overlap(iad) <= 2);  // iad is the default region: capped by the flag
    CHECK(f.max_overlap(syd) <= 2);
    CHECK(f.max_overlap(iad) + f.max_overlap(syd) >= 3);  // and the regions ran side by side

    SECTION("a cap on a region no app deploys to, or a wrong key, is refused with the regions used") {
        f.write(body + "[region.fr]\nconcurrency = 1\n[region.syd]\nconcurency = 2\n", "typo.toml");
        auto bad = run_r1(f.deploy({}, "typo.toml"));
        CHECK(bad.exit_code == 2);
        CHECK(bad.err.find("[region.fr]: no app deploys to region \"fr\" (regions used: fra, iad, syd)") != std::string::npos);
        CHECK(bad.err.find("unknown key \"concurency\" in [region.syd] (did you mean \"concurrency\"?)") != std::string::npos);
    }
    SECTION("a provider without regions deploys to none: its apps' region is not capped") {
        f.write("[region.fra]\nconcurrency = 1\n" + app("site", "provider = \"vercel\"\nregion = \"fra\"\n"), "vercel.toml");
        auto bad = run_r1(f.deploy({"--dry-run"}, "vercel.toml"));
        CHECK(bad.exit_code == 2);
        CHECK(bad.err.find("[region.fra]: no app deploys to region \"fra\"\n") != std::string::npos);
    }
}

TEST_CASE("rollout flags: bad values and --rollback-wave are refused before anything runs", "[cli][rollout][usage]") {
    fleet_dir f;
    f.write(app("a") + app("b"));
    auto refused = [&](std::vector<std::string> args, std::string says) {
        auto r = run_r1(f.deploy(args));
        INFO(r.err);
        CHECK(r.exit_code == 2);
        CHECK(r.err.find(says) != std::string::npos);
        CHECK(count_of(r.err, "\n") == 1);
        CHECK_FALSE(std::filesystem::exists(f.fly().record_dir() + "/argv"));
    };
    refused({"--waves", "0,100%"}, "invalid --waves \"0,100%\"");
    refused({"--waves", "10%,x"}, "invalid --waves");
    refused({"--canary", "0"}, "invalid --canary \"0\"");
    refused({"--max-failures", "0"}, "invalid --max-failures \"0\"");
    refused({"--rollback-wave"}, "--rollback-wave needs auto-rollback (--auto-rollback), which this r1 does not have yet");
    auto no_batch = run_r1({.args = {"deploy", "--app", "a", "--canary", "1"}});
    CHECK(no_batch.exit_code == 2);
    CHECK(no_batch.err.find("--canary needs --batch FILE") != std::string::npos);
}

TEST_CASE("rollout: SIGINT / SIGTERM in each phase (canaries, a gate, a later wave) leaves no process behind",
          "[cli][rollout][signal]") {
    auto sig = GENERATE(SIGINT, SIGTERM);
    CAPTURE(sig);
    page_server server;
    fleet_dir f;
    f.write(apps_at(server, names("app-", 6)));
    auto expect_stopped = [&](r1::test::r1_result r, const std::vector<pid_t>& pids) {
        INFO(r.out << r.err);
        CHECK(r.exit_code == 128 + sig);
        for (auto p : pids) CHECK(r1::test::wait_until_gone(p, 1000));
        auto report = r1::test::read_report(f.path("r.json"));
        CHECK(report.at("exit_code") == 128 + sig);
        CHECK(report.at("stopped_by") == "interrupt");
        const std::string reason = std::string("not started: interrupted by ") + (sig == SIGINT ? "SIGINT" : "SIGTERM");
        for (const auto& [name, st] : statuses(report))
            if (st.first == "skipped") CHECK(st.second == reason);
    };
    SECTION("while the canaries deploy") {
        auto o = f.deploy({"--canary", "2", "--report", f.path("r.json")});
        o.env.emplace_back("FAKE_FLY_MODE", "family");
        r1_process p{o};
        std::vector<pid_t> pids;
        for (int waited = 0; waited < 10'000 && pids.size() < 4; waited += 20) {
            std::this_thread::sleep_for(20ms);
            pids = family_pids(f);
        }
        REQUIRE(pids.size() == 4);  // two canaries, a grandchild each
        p.signal(sig);
        expect_stopped(p.wait(), pids);
        CHECK(f.started_apps().size() == 2);
    }
    SECTION("while a gate re-checks (a page that hangs on its second request)") {
        server.serve("/app-0", page{200, "OK healthy", "text/plain", {}, false, {}, 1, 0, true});
        auto o = f.deploy({"--waves", "1,100%", "--report", f.path("r.json")});
        r1_process p{o};
        for (int waited = 0; waited < 10'000 && server.count("/app-0") < 2; waited += 10) std::this_thread::sleep_for(10ms);
        REQUIRE(server.count("/app-0") == 2);  // the gate's check is in flight
        auto start = std::chrono::steady_clock::now();
        p.signal(sig);
        auto r = p.wait();
        CHECK(std::chrono::steady_clock::now() - start < 5s);
        expect_stopped(r, {});
        CHECK(f.started_apps() == std::vector<std::string>{"app-0"});
        CHECK(r1::test::read_report(f.path("r.json")).at("rollout").at("waves").as_array()[0].at("gate") == "interrupted");
    }
    SECTION("in a later wave") {
        f.write(apps_at(server, {"quick"}) + apps_at(server, {"family-a", "family-b", "family-c"}));
        auto o = f.deploy({"--waves", "1,100%", "--report", f.path("r.json"), "--concurrency", "2"});
        r1_process p{o};
        std::vector<pid_t> pids;
        for (int waited = 0; waited < 10'000 && pids.size() < 4; waited += 20) {
            std::this_thread::sleep_for(20ms);
            pids = family_pids(f);
        }
        REQUIRE(pids.size() == 4);  // wave 2: two deploys at once, a grandchild each
        p.signal(sig);
        expect_stopped(p.wait(), pids);
        CHECK(f.started_apps().size() == 3);  // quick, then two of wave 2
    }
}
