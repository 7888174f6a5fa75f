// r1 deploy --batch and r1 verify, run as a user would: the real binary, a stand-in flyctl that
// records when each deploy starts and ends, and a real TLS server on loopback.
#include "tests/support/output_checks.hpp"
#include "tests/support/fake_flyctl.hpp"
#include "tests/support/processes.hpp"
#include "tests/support/r1_process.hpp"
#include "tests/support/test_pki.hpp"
#include "tests/support/tls_server.hpp"

#include <boost/json/parse.hpp>
#include <boost/json/value.hpp>

#include <catch2/catch.hpp>

#include <algorithm>
#include <chrono>
#include <csignal>
#include <filesystem>
#include <map>
#include <sstream>
#include <thread>

using namespace std::chrono_literals;
using r1::test::fake_flyctl;
using r1::test::r1_options;
using r1::test::run_r1;
using r1::test::temp_dir;
using r1::test::tls_server;
using r1::test::count_of;
using r1::test::ndjson;
using r1::test::ca_path;
namespace json = boost::json;

namespace {


/// A manifest of apps deployed with the stand-in flyctl, all health-checked at `health_url`.
struct fleet_files {
    temp_dir dir;
    fake_flyctl fly;
    std::string manifest_path() const { return (dir / "fleet.toml").string(); }
    std::string events_path() const { return (dir / "events").string(); }

    void write(const std::string& health_url, const std::vector<std::string>& apps, std::string extra_defaults = "") {
        std::string text = "[defaults]\nflyctl = \"" + fly.path() + "\"\nhealth_url = \"" + health_url + "\"\nretries = 0\n" +
                           extra_defaults + "\n";
        for (const auto& a : apps) text += "[[app]]\nname = \"" + a + "\"\n";
        r1::test::write_file(dir / "fleet.toml", text);
    }

    r1_options opts(std::vector<std::string> extra) const {
        r1_options o;
        o.args = {"deploy", "--batch", manifest_path(), "--ca-file", ca_path()};
        o.args.insert(o.args.end(), extra.begin(), extra.end());
        o.env = {{"FAKE_FLY_RECORD", fly.record_dir()},
                 {"FAKE_FLY_EVENTS", events_path()},
                 {"FAKE_FLY_BY_NAME", "1"},
                 {"FLY_API_TOKEN", "fm2_batchTOKENvalue"}};
        return o;
    }

    /// The most deploys that were running at one moment, from the stand-in's start/end records.
    std::size_t max_overlap() const {
        std::vector<std::pair<long long, int>> edges;
        std::istringstream in(r1::test::read_file(events_path()));
        std::string kind, app;
        long long ns = 0;
        while (in >> kind >> app >> ns) edges.emplace_back(ns, kind == "start" ? 1 : -1);
        std::sort(edges.begin(), edges.end());  // at a tie an end (-1) sorts first
        int now = 0, most = 0;
        for (auto [t, d] : edges) most = std::max(most, now += d);
        return static_cast<std::size_t>(most);
    }
    std::vector<std::string> started_apps() const {
        std::vector<std::string> apps;
        std::istringstream in(r1::test::read_file(events_path()));
        std::string kind, app, ns;
        while (in >> kind >> app >> ns)
            if (kind == "start") apps.push_back(app);
        return apps;
    }
};

}  // namespace

TEST_CASE("r1 verify: checks every URL, one line per task, then a summary; exit 1 when one fails",
          "[cli][batch][verify]") {
    tls_server server;
    auto r = run_r1({.args = {"verify", "--ca-file", ca_path(), server.https_url("/ok?i=1"), server.https_url("/ok?i=2"),
                              server.https_url("/status/503"), server.https_url("/empty"), server.http_url("/ok")}});
    INFO(r.out << r.err);
    CHECK(r.exit_code == 1);
    CHECK(count_of(r.out, "] ok     ") == 3);
    CHECK(count_of(r.out, "] FAILED ") == 2);
    CHECK(r.out.find("got HTTP 503 (Service Unavailable)") != std::string::npos);
    CHECK(r.out.find("200 but empty body") != std::string::npos);
    // The summary lists failures first, then counts.
    auto table = r.out.substr(r.out.find("STATUS"));
    CHECK(table.find("FAILED") < table.find("ok "));
    CHECK(r.out.find("r1: 5 tasks in ") != std::string::npos);
    CHECK(r.out.find("3 ok, 2 failed; exit 1\n") != std::string::npos);
    CHECK(server.requests().size() == 5);
}

TEST_CASE("r1 verify: every URL healthy exits 0; the list comes from a file or stdin", "[cli][batch][verify]") {
    tls_server server;
    std::string list = "# prod checks\n\n";
    for (int i = 0; i < 20; ++i) list += server.https_url("/ok?n=" + std::to_string(i)) + "\n";
    SECTION("stdin") {
        auto r = run_r1({.args = {"verify", "--batch", "-", "--ca-file", ca_path(), "--expected-body", "healthy"},
                         .stdin_data = list});
        INFO(r.err);
        CHECK(r.exit_code == 0);
        CHECK(r.out.find("20 ok, 0 failed; exit 0") != std::string::npos);
    }
    SECTION("file") {
        temp_dir dir;
        r1::test::write_file(dir / "urls.txt", list);
        auto r = run_r1(
            {.args = {"verify", "--batch", (dir / "urls.txt").string(), "--ca-file", ca_path(), "--concurrency", "3"}});
        CHECK(r.exit_code == 0);
        CHECK(count_of(r.out, "] ok ") == 20);
    }
    CHECK(server.requests().size() == 20);
}

TEST_CASE("r1 verify --log-dir: one verdict file per check, named by position and URL or by app",
          "[cli][batch][verify][log-dir]") {
    tls_server server;
    temp_dir dir;
    SECTION("a URL list") {
        auto r = run_r1({.args = {"verify", "--ca-file", ca_path(), "--log-dir", dir.path().string(),
                                  server.https_url("/ok"), server.https_url("/status/503")}});
        INFO(r.err);
        CHECK(r.exit_code == 1);
        auto port = std::to_string(server.https_port());
        // Each line has its time; the file starts with r1's command line and directory.
        std::string head = "r1: r1 verify --ca-file " + ca_path() + " --log-dir " + dir.path().string() + " " +
                           server.https_url("/ok") + " " + server.https_url("/status/503") + "\nr1: in " +
                           std::filesystem::current_path().string() + "\n";
        CHECK(r1::test::without_log_times(r1::test::read_file(dir / ("task-1-https___localhost_" + port + "_ok.log"))) ==
              head + "r1: check " + server.https_url("/ok") + "\nr1: ok: health check: 200 OK (10 bytes)\n");
        CHECK(r1::test::without_log_times(
                  r1::test::read_file(dir / ("task-2-https___localhost_" + port + "_status_503.log"))) ==
              head + "r1: check " + server.https_url("/status/503") +
                  "\nr1: failed: health check: got HTTP 503 (Service Unavailable)\n");
    }
    SECTION("a manifest's named apps") {
        r1::test::write_file(dir / "fleet.toml", "[[app]]\nname = \"api\"\nhealth_url = \"" + server.https_url("/ok") +
                                                     "\"\n");
        auto r = run_r1({.args = {"verify", "--batch", (dir / "fleet.toml").string(), "--ca-file", ca_path(),
                                  "--log-dir", dir.path().string()}});
        INFO(r.err);
        CHECK(r.exit_code == 0);
        auto log = r1::test::without_log_times(r1::test::read_file(dir / "api.log"));
        CHECK(log.ends_with("\nr1: check " + server.https_url("/ok") + "\nr1: ok: health check: 200 OK (10 bytes)\n"));
    }
}

TEST_CASE("r1 verify --output json: NDJSON events, the report and JUnit all match the run", "[cli][batch][json]") {
    tls_server server;
    temp_dir dir;
    auto report = (dir / "report.json").string();
    auto junit = (dir / "junit.xml").string();
    auto r = run_r1({.args = {"verify", "--output", "json", "--ca-file", ca_path(), "--report", report, "--junit", junit,
                              server.https_url("/ok"), server.https_url("/status/404"), server.https_url("/ok?x=1&y=2")}});
    INFO(r.out << r.err);
    CHECK(r.exit_code == 1);
    auto events = ndjson(r.out);
    REQUIRE(events.size() == 8);
    CHECK(events.front().at("event") == "batch.start");
    CHECK(events.front().at("total") == 3);
    std::map<std::string, int> kinds;
    std::map<std::int64_t, std::string> status;
    for (const auto& e : events) {
        ++kinds[std::string(e.at("event").as_string())];
        if (e.at("event") == "task.end") status[e.at("index").as_int64()] = std::string(e.at("status").as_string());
    }
    CHECK(kinds["task.start"] == 3);
    CHECK(kinds["task.end"] == 3);
    CHECK(status[0] == "ok");
    CHECK(status[1] == "failed");
    CHECK(status[2] == "ok");
    const auto& end = events.back();
    CHECK(end.at("event") == "batch.end");
    CHECK(end.at("ok") == 2);
    CHECK(end.at("failed") == 1);
    CHECK(end.at("exit_code") == 1);

    auto doc = json::parse(r1::test::read_file(report));
    CHECK(doc.at("command") == "verify");
    CHECK(doc.at("exit_code") == 1);
    CHECK(doc.at("counts").at("total") == 3);
    const auto& tasks = doc.at("tasks").as_array();
    REQUIRE(tasks.size() == 3);
    CHECK(tasks[1].at("status") == "failed");
    CHECK(tasks[1].at("exit_code") == 1);
    CHECK(tasks[1].at("detail") == "health check: got HTTP 404 (Not Found)");

    auto xml = r1::test::read_file(junit);
    CHECK(xml.starts_with("<?xml version=\"1.0\" encoding=\"UTF-8\"?>"));
    CHECK(count_of(xml, "<testcase ") == 3);
    CHECK(count_of(xml, "<failure ") == 1);
    CHECK(xml.find("tests=\"3\" failures=\"1\" errors=\"0\"") != std::string::npos);
    CHECK(xml.find("/ok?x=1&amp;y=2\"") != std::string::npos);  // escaped inside the attribute
    CHECK(xml.find("x=1&y") == std::string::npos);
}

TEST_CASE("r1 deploy --batch: a bad manifest lists every problem with its line and runs nothing",
          "[cli][batch][usage]") {
    fleet_files f;
    r1::test::write_file(f.dir / "fleet.toml", "[defaults]\nflyctl = \"" + f.fly.path() +
                                                   "\"\nregoin = \"iad\"\n\n[[app]]\nname = \"api\"\n\n[[app]]\nname = "
                                                   "\"api\"\n\n[[app]]\nname = \"web\"\nhealth_url = \"https://u:p@x.example/\"\n");
    auto r = run_r1(f.opts({}));
    CHECK(r.exit_code == 2);
    CHECK(r.out.empty());
    CHECK(r.err.find("fleet.toml:3: unknown key \"regoin\" (did you mean \"region\"?)") != std::string::npos);
    CHECK(r.err.find("fleet.toml:9: duplicate app name \"api\" (first at line 6)") != std::string::npos);
    CHECK(r.err.find("fleet.toml:13: invalid health_url") != std::string::npos);  // the value's own line
    CHECK(r.err.find("3 problems in " + f.manifest_path() + "; nothing was started") != std::string::npos);
    CHECK_FALSE(std::filesystem::exists(f.events_path()));  // no flyctl ran

    SECTION("flags that need a batch, or conflict with one") {
        CHECK(run_r1({.args = {"deploy", "--app", "a", "--concurrency", "3"}}).exit_code == 2);
        auto both = run_r1(f.opts({"--app", "api"}));
        CHECK(both.exit_code == 2);
        CHECK(both.err.find("--app cannot be combined with --batch") != std::string::npos);
        CHECK(run_r1({.args = {"verify"}}).exit_code == 2);
        CHECK(run_r1({.args = {"verify", "--concurrency", "0", "https://x.example/"}}).exit_code == 2);
        auto missing = run_r1({.args = {"deploy", "--batch", "/nonexistent/fleet.toml"}});
        CHECK(missing.exit_code == 2);
        CHECK(missing.err.find("cannot read /nonexistent/fleet.toml") != std::string::npos);
    }
}

TEST_CASE("r1 deploy --batch: the batch exits with the highest-precedence task code, 2 > 3 > 1",
          "[cli][batch][exit]") {
    tls_server server;
    fleet_files f;
    // ok-*: deploys and is healthy. sick: deploys, health 404 (1). fail-*: flyctl fails (3).
    // A missing flyctl is a setup error (2).
    std::string text = "[defaults]\nflyctl = \"" + f.fly.path() + "\"\nhealth_url = \"" + server.https_url("/ok") +
                       "\"\nretries = 0\n";
    auto app = [&](std::string name, std::string more = "") { return "[[app]]\nname = \"" + name + "\"\n" + more; };
    std::string sick = app("sick", "health_url = \"" + server.https_url("/status/404") + "\"\n");
    std::string broken = app("fail-a");
    std::string setup = app("nofly", "flyctl = \"/nonexistent/flyctl\"\n");
    struct example {
        std::string apps;
        int code;
    };
    auto ex = GENERATE_COPY(example{app("ok-a") + app("ok-b"), 0}, example{app("ok-a") + sick, 1},
                            example{sick + broken + app("ok-a"), 3}, example{broken + setup + sick, 2});
    r1::test::write_file(f.dir / "fleet.toml", text + ex.apps);
    auto r = run_r1(f.opts({"--concurrency", "4"}));
    INFO(r.out << r.err);
    CHECK(r.exit_code == ex.code);
    CHECK(r.out.find("; exit " + std::to_string(ex.code) + "\n") != std::string::npos);
}

TEST_CASE("r1 deploy --batch: never more than --concurrency deploys at once, and every one runs",
          "[cli][batch][concurrency]") {
    tls_server server;
    fleet_files f;
    std::vector<std::string> apps;
    for (int i = 0; i < 12; ++i) apps.push_back("app-" + std::to_string(i));
    f.write(server.https_url("/ok"), apps);
    auto o = f.opts({"--concurrency", "3", "--log-dir", (f.dir / "logs").string()});
    o.env.emplace_back("FAKE_FLY_SLEEP", "0.3");
    auto r = run_r1(o);
    INFO(r.out << r.err);
    CHECK(r.exit_code == 0);
    CHECK(f.started_apps().size() == 12);
    CHECK(f.max_overlap() <= 3);
    CHECK(f.max_overlap() >= 2);  // and they did run side by side
    // Each app's whole output is in its own log, nothing interleaved on the terminal.
    auto log = r1::test::read_file(f.dir / "logs" / "app-7.log");
    CHECK(log.find("==> Building image") != std::string::npos);
    CHECK(log.find("monitoring") != std::string::npos);
    CHECK(r.out.find("==> Building image") == std::string::npos);
}

TEST_CASE("r1 deploy --batch: each task has its own deadline", "[cli][batch][timeout]") {
    tls_server server;
    fleet_files f;
    r1::test::write_file(f.dir / "fleet.toml", "[defaults]\nflyctl = \"" + f.fly.path() + "\"\nhealth_url = \"" +
                                                   server.https_url("/ok") + "\"\nretries = 0\n[[app]]\nname = \"sleep-a\"\n"
                                                   "deploy_timeout = \"500ms\"\n[[app]]\nname = \"quick\"\n");
    auto start = std::chrono::steady_clock::now();
    auto r = run_r1(f.opts({}));
    INFO(r.out << r.err);
    CHECK(r.exit_code == 3);
    CHECK(std::chrono::steady_clock::now() - start < 15s);
    CHECK(r.out.find("timed out") != std::string::npos);
    CHECK(r.out.find("1 ok, 1 failed") != std::string::npos);
}

TEST_CASE("r1 deploy --batch --fail-fast: nothing new starts after the first failure", "[cli][batch][fail-fast]") {
    tls_server server;
    fleet_files f;
    f.write(server.https_url("/ok"), {"fail-first", "second", "third"});
    SECTION("with --fail-fast") {
        auto r = run_r1(f.opts({"--concurrency", "1", "--fail-fast", "--report", (f.dir / "r.json").string()}));
        INFO(r.out << r.err);
        CHECK(r.exit_code == 3);
        CHECK(f.started_apps() == std::vector<std::string>{"fail-first"});
        CHECK(r.out.find("0 ok, 1 failed, 2 not started (--fail-fast)") != std::string::npos);
        auto doc = json::parse(r1::test::read_file(f.dir / "r.json"));
        CHECK(doc.at("counts").at("skipped") == 2);
        CHECK(doc.at("tasks").as_array()[2].at("status") == "skipped");
        // The failed task's own output is shown, indented, after the task's line: with provider
        // output, on stderr.
        CHECK(r.err.find("  | Error: failed to fetch an image or build from source") != std::string::npos);
        CHECK(r.out.find("  | Error") == std::string::npos);
    }
    SECTION("without, every app runs") {
        auto r = run_r1(f.opts({"--concurrency", "1"}));
        CHECK(r.exit_code == 3);
        CHECK(f.started_apps().size() == 3);
    }
}

TEST_CASE("r1 deploy --batch: SIGINT/SIGTERM mid-batch stops every task's process group, reports, exits 130/143",
          "[cli][batch][signal]") {
    auto sig = GENERATE(SIGINT, SIGTERM);
    CAPTURE(sig);
    fleet_files f;
    f.write(r1::test::refused_http_url(), {"a", "b", "c", "d", "e"});
    auto o = f.opts({"--concurrency", "2", "--report", (f.dir / "r.json").string(), "--junit", (f.dir / "j.xml").string()});
    o.env.emplace_back("FAKE_FLY_MODE", "family");
    r1::test::r1_process r1p{o};
    // Two deploys running, each with a grandchild: four pids.
    std::vector<pid_t> pids;
    for (int waited = 0; waited < 10'000 && pids.size() < 4; waited += 20) {
        std::this_thread::sleep_for(20ms);
        pids.clear();
        std::istringstream in(r1::test::read_file(f.fly.record_dir() + "/all.pids"));
        for (pid_t p; in >> p;) pids.push_back(p);
    }
    REQUIRE(pids.size() == 4);
    for (auto p : pids) REQUIRE(r1::test::process_alive(p));
    r1p.signal(sig);
    auto r = r1p.wait();
    INFO(r.out << r.err);
    CHECK(r.exit_code == 128 + sig);
    for (auto p : pids) CHECK(r1::test::wait_until_gone(p, 500));
    CHECK(r.err.find("interrupted by") != std::string::npos);
    CHECK(r.out.find("2 interrupted, 3 not started") != std::string::npos);
    auto doc = json::parse(r1::test::read_file(f.dir / "r.json"));
    CHECK(doc.at("interrupted_by") == (sig == SIGINT ? "SIGINT" : "SIGTERM"));
    CHECK(doc.at("exit_code") == 128 + sig);
    CHECK(doc.at("counts").at("interrupted") == 2);
    CHECK(doc.at("counts").at("skipped") == 3);
    CHECK(count_of(r1::test::read_file(f.dir / "j.xml"), "<skipped ") == 5);
}

TEST_CASE("r1 deploy --batch --dry-run: a preview per app, no process started", "[cli][batch][dry-run]") {
    fleet_files f;
    f.write("https://unused.example/", {"api", "web"});
    auto r = run_r1(f.opts({"--dry-run", "--output", "json"}));
    INFO(r.out << r.err);
    CHECK(r.exit_code == 0);
    auto events = ndjson(r.out);
    int previews = 0;
    for (const auto& e : events)
        if (e.at("event") == "task.end") {
            auto preview = std::string(e.at("preview").as_string());
            CHECK(preview.find("app = \"" + std::string(e.at("app").as_string()) + "\"") != std::string::npos);
            ++previews;
        }
    CHECK(previews == 2);
    CHECK_FALSE(std::filesystem::exists(f.events_path()));
}

TEST_CASE("r1 verify: 5,000 checks in one batch stay in bounded memory", "[cli][batch][memory]") {
#if defined(__SANITIZE_ADDRESS__)
    constexpr long ceiling_kb = 512 * 1024;  // ASan's shadow and quarantine, not r1's buffers
#else
    constexpr long ceiling_kb = 64 * 1024;
#endif
    tls_server server;
    std::string list;
    for (int i = 0; i < 5000; ++i) list += server.https_url("/ok?i=" + std::to_string(i), "127.0.0.1") + "\n";
    auto r = run_r1({.args = {"verify", "--batch", "-", "--ca-file", ca_path(), "--output", "json"},
                     .stdin_data = list,
                     .timeout_ms = 240'000});
    INFO(r.err);
    REQUIRE(r.exit_code == 0);
    auto events = ndjson(r.out);
    CHECK(events.back().at("ok") == 5000);
    CHECK(server.requests().size() == 5000);
    CHECK(r.max_rss_kb < ceiling_kb);
    UNSCOPED_INFO("5,000 checks: peak RSS " << r.max_rss_kb << " KiB");
}
