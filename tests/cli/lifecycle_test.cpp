// The deploy lifecycle through the real r1 binary, against the stateful flyctl stand-in
// (tests/support/flyctl_standin.py: status, releases, deploy with its release line, logs) and a
// loopback HTTPS server that answers what the stand-in says the serving image answers.
#include "tests/support/flyctl_standin.hpp"
#include "tests/support/output_checks.hpp"
#include "tests/support/processes.hpp"
#include "tests/support/r1_process.hpp"
#include "tests/support/test_pki.hpp"
#include "tests/support/tls_server.hpp"

#include <boost/json/value.hpp>
#include <catch2/catch.hpp>

#include <chrono>
#include <csignal>
#include <algorithm>
#include <filesystem>
#include <map>
#include <thread>

using r1::test::ca_path;
using r1::test::count_of;
using r1::test::flyctl_standin;
using r1::test::ndjson;
using r1::test::r1_options;
using r1::test::r1_process;
using r1::test::r1_result;
using r1::test::tls_server;
namespace json = boost::json;
using sclock = std::chrono::steady_clock;

namespace {

const std::string v1_image = "registry.fly.io/demo:deployment-01JR100001";
const std::string v2_image = "registry.fly.io/demo:deployment-01JR100002";
const std::string v3_image = "registry.fly.io/demo:deployment-01JR100003";

/// The stand-in with app "demo" and `releases` earlier releases, the server answering for it.
struct fixture {
    flyctl_standin fly;
    tls_server server;
    r1::test::temp_dir dir;  // --dir: empty, so no fly.toml is written
    std::string pinned;  // the image serving before the test, with its digest, as the machines report it
    explicit fixture(int releases = 1) {
        fly.add_app("demo", releases);
        server.serve_files(fly.files_dir());
        auto app = fly.app("demo");
        for (const auto& m : app.at("machines").as_array())
            pinned = std::string(m.at("config").at("image").as_string()) + "@" +
                     std::string(m.at("image_ref").at("digest").as_string());
    }
    r1_options opts(std::vector<std::string> args, std::vector<std::string> extra = {}) const {
        r1_options o;
        o.args = std::move(args);
        std::vector<std::string> common{"--app", "demo", "--flyctl", fly.path(), "--dir", dir.path().string(),
                                        "--health-url", server.https_url("/files/demo"), "--ca-file", ca_path()};
        o.args.insert(o.args.end(), common.begin(), common.end());
        o.args.insert(o.args.end(), extra.begin(), extra.end());
        o.env = {fly.env()};
        o.timeout_ms = 120'000;
        return o;
    }
    r1_result deploy(std::vector<std::string> extra = {}) const { return run_r1(opts({"deploy"}, std::move(extra))); }
    r1_result rollback(std::vector<std::string> extra = {}) const { return run_r1(opts({"rollback"}, std::move(extra))); }
    /// The image the app's first machine runs now, by the stand-in's state.
    std::string serving() const {
        auto app = fly.app("demo");  // named: a temporary in a range-for initializer dies too soon
        for (const auto& m : app.at("machines").as_array())
            if (m.at("state") == "started") return std::string(m.at("config").at("image").as_string());
        return {};
    }
};

std::vector<std::string> deploy_argv() { return {"flyctl", "deploy", "--app", "demo", "--region", "iad"}; }
std::vector<std::string> rollback_argv(const std::string& image) {
    return {"flyctl", "deploy", "--app", "demo", "--image", image};
}

json::object event(const std::vector<json::value>& events, std::string_view name) {
    for (const auto& e : events)
        if (e.at("event").as_string() == name) return e.as_object();
    FAIL("no " << name << " event");
    return {};
}

double seconds_since(sclock::time_point t) { return std::chrono::duration<double>(sclock::now() - t).count(); }

}  // namespace

TEST_CASE("lifecycle: a first deploy has no rollback target and is proven on every machine", "[cli][lifecycle]") {
    fixture f{0};
    auto r = f.deploy({"--output", "json"});
    INFO(r.err);
    CHECK(r.exit_code == 0);
    auto events = ndjson(r.out);
    auto pre = event(events, "preflight");
    CHECK(pre.at("ok") == true);
    CHECK(pre.at("detail") == "first deploy: app demo has no release yet");
    CHECK_FALSE(pre.contains("release"));
    CHECK(event(events, "release").at("release").at("version") == "1");
    auto poll = event(events, "release.poll");
    CHECK(poll.at("ok") == true);
    CHECK(poll.at("ready") == 2);
    CHECK(poll.at("total") == 2);
    auto result = events.back().as_object();
    CHECK(result.at("event") == "result");
    CHECK(result.at("previous_release").is_null());
    CHECK(result.at("release").at("image").as_string() == v1_image);
    CHECK(f.fly.calls() == std::vector<std::vector<std::string>>{
                               {"flyctl", "status", "--json", "--app", "demo"}, deploy_argv(),
                               {"flyctl", "status", "--json", "--app", "demo"}});
}

TEST_CASE("lifecycle: a healthy deploy names the release it made and the one before", "[cli][lifecycle]") {
    fixture f;
    auto r = f.deploy();
    INFO(r.err);
    CHECK(r.exit_code == 0);
    CHECK(r.out == "health check: 200 OK (10 bytes)\n");
    CHECK(r.err.find("r1: pre-flight: v1 (" + f.pinned + ") serves on 2 machines\n") != std::string::npos);
    CHECK(r.err.find("r1: release: deployed v2 (" + v2_image + ")\n") != std::string::npos);
    CHECK(r.err.find("r1: DEPLOY-RELEASE-LIVE pass: v2 serves on all 2 machines\n") != std::string::npos);
    CHECK(f.fly.calls_of("deploy") == std::vector<std::vector<std::string>>{deploy_argv()});
    CHECK(f.fly.calls_of("logs").empty());  // evidence only for a failure
    CHECK(f.serving() == v2_image);
}

TEST_CASE("lifecycle: an unhealthy deploy runs flyctl deploy once and ends after the warm-up, with the app's logs",
          "[cli][lifecycle][retry]") {
    fixture f;
    f.fly.set("demo", "new_health", 503);
    auto start = sclock::now();
    auto r = f.deploy();
    auto took = seconds_since(start);
    INFO(r.err);
    CHECK(r.exit_code == 1);
    CHECK(r.out == "health check: got HTTP 503 (Service Unavailable)\n");
    // Once: redeploying the very same release rarely changes a health check (the seed ran it 3 times).
    CHECK(f.fly.calls_of("deploy") == std::vector<std::vector<std::string>>{deploy_argv()});
    CHECK(count_of(r.err, "re-checks DEPLOY-HEALTH-200") == 4);  // 1 + 2 + 4 + 8 s: the 15 s warm-up
    CHECK(r.err.find("redeploys") == std::string::npos);
    CHECK(took > 14.5);
    CHECK(took < 40);  // the seed took 46 s and more here, against a stand-in that deploys at once
    // Evidence: flyctl logs --no-tail, its lines under the failure.
    CHECK(f.fly.calls_of("logs") == std::vector<std::vector<std::string>>{{"flyctl", "logs", "--no-tail", "--app", "demo"}});
    CHECK(r.err.find("r1: the app's last 4 log lines:\n") != std::string::npos);
    CHECK(r.err.find("[info]Error: connect ECONNREFUSED 10.0.0.2:5432 (v2, answering 503)") != std::string::npos);
    CHECK(f.serving() == v2_image);  // nothing rolled back without --auto-rollback
}

TEST_CASE("lifecycle: the evidence of a failed verification is the app's last 200 log lines, secrets masked",
          "[cli][lifecycle][evidence]") {
    fixture f;
    f.fly.set("demo", "new_health", 503);
    const std::string token = "fm2_lifecycle-evidence-token-0123456789";
    const std::string password = "hunter2-evidence-password";
    // 250 lines before the deploy (flyctl logs --no-tail prints what fly kept), two secrets among
    // the last ones: the token r1 passes on, and a value printed with a secret-looking name.
    json::array logs;
    for (int i = 1; i <= 250; ++i) {
        std::string n = std::to_string(1000 + i).substr(1);
        std::string line = "2026-12-01T00:00:00Z app[148e4d5b7d0589] iad [info]line " + n;
        if (i == 240) line += " DATABASE_PASSWORD=" + password;
        if (i == 245) line += " using token " + token;
        logs.emplace_back(line);
    }
    f.fly.set("demo", "logs", logs);
    auto o = f.opts({"deploy"}, {"--warmup", "0", "--output", "json"});
    o.env.emplace_back("FLY_API_TOKEN", token);
    auto r = run_r1(o);
    INFO(r.err);
    CHECK(r.exit_code == 1);
    auto events = ndjson(r.out);
    auto evidence = std::string(events.back().at("evidence").as_string());
    CHECK(count_of(evidence, "\n") == 200);  // 248 of the 250, then the deploy's two machines' lines
    CHECK(evidence.find("line 052\n") == std::string::npos);
    CHECK(evidence.starts_with("2026-12-01T00:00:00Z app[148e4d5b7d0589] iad [info]line 053\n"));
    CHECK(evidence.find("line 240 DATABASE_PASSWORD=[redacted]\n") != std::string::npos);
    CHECK(evidence.find("line 245 using token [redacted]\n") != std::string::npos);
    CHECK(event(events, "evidence").at("detail") == "200 lines of the app's recent logs");
    CHECK(r.out.find(password) == std::string::npos);
    CHECK(r.out.find(token) == std::string::npos);
    CHECK(r.err.find(password) == std::string::npos);
    CHECK(r.err.find(token) == std::string::npos);
}

TEST_CASE("lifecycle: --redeploy-on-unhealthy restores redeploys of a failing health check, --retries bound them",
          "[cli][lifecycle][retry]") {
    fixture f;
    f.fly.set("demo", "new_health", 503);
    auto r = f.deploy({"--redeploy-on-unhealthy", "--retries", "1", "--warmup", "1s"});
    INFO(r.err);
    CHECK(r.exit_code == 1);
    CHECK(f.fly.calls_of("deploy").size() == 2);
    CHECK(count_of(r.err, "(repair) redeploys in ") == 1);
}

TEST_CASE("lifecycle: --auto-rollback puts the last good release back after 30 s of failure, and says both outcomes",
          "[cli][lifecycle][rollback]") {
    fixture f;
    f.fly.set("demo", "new_health", 503);
    auto start = sclock::now();
    auto r = f.deploy({"--auto-rollback", "--output", "json"});
    auto took = seconds_since(start);
    INFO(r.out);
    CHECK(r.exit_code == 1);
    // The image that served, pinned by its digest: a tag may have moved since.
    CHECK(f.fly.calls_of("deploy") == std::vector<std::vector<std::string>>{deploy_argv(), rollback_argv(f.pinned)});
    CHECK(f.serving() == f.pinned);
    CHECK(took > 30);
    CHECK(took < 60);
    auto events = ndjson(r.out);
    CHECK(event(events, "rollback.start").at("release").at("version") == "1");
    auto end = event(events, "rollback.end");
    CHECK(end.at("ok") == true);
    CHECK(end.at("detail").as_string() == "rolled back to v1 (" + f.pinned + "), healthy");
    auto result = events.back().as_object();
    CHECK(result.at("message").as_string() ==
          "health check: got HTTP 503 (Service Unavailable); rolled back to v1 (" + f.pinned + "), healthy");
    CHECK(result.at("previous_release").at("version") == "1");
    CHECK(result.at("rollback").at("ok") == true);
    CHECK(result.at("rollback").at("made").at("version") == "3");  // fly makes a new release of the old image
    CHECK(result.at("evidence").as_string().find("answering 503") != std::string::npos);
}

TEST_CASE("lifecycle: --auto-rollback never rolls back a first deploy, and says why", "[cli][lifecycle][rollback]") {
    fixture f{0};
    f.fly.set("demo", "new_health", 503);
    auto r = f.deploy({"--auto-rollback", "--warmup", "1s"});
    INFO(r.err);
    CHECK(r.exit_code == 1);
    CHECK(f.fly.calls_of("deploy").size() == 1);
    CHECK(r.err.find("; not rolled back: first deploy: there is no earlier release to go back to\n") != std::string::npos);
}

TEST_CASE("lifecycle: a rollback that fails is exit 3, with both outcomes", "[cli][lifecycle][rollback]") {
    fixture f;
    f.fly.set("demo", "new_health", 503);
    f.fly.set("demo", "deploy_plan", json::array{"ok", "missing-image"});
    auto r = f.deploy({"--auto-rollback", "--retries", "0"});
    INFO(r.err);
    CHECK(r.exit_code == 3);
    CHECK(f.fly.calls_of("deploy") == std::vector<std::vector<std::string>>{deploy_argv(), rollback_argv(f.pinned)});
    CHECK(r.err.find("r1: error: health check: got HTTP 503 (Service Unavailable); rollback to v1 (" + f.pinned +
                     ") failed: flyctl deploy (app demo) exited 1: Error: failed to fetch an image or build from "
                     "source: image \"" + f.pinned + "\" not found") != std::string::npos);
}

TEST_CASE("lifecycle: flyctl exiting 0 while the old image still serves fails verification, the machine named",
          "[cli][lifecycle][release]") {
    fixture f;
    f.fly.set("demo", "deploy_mode", "old-image");
    auto start = sclock::now();
    auto r = f.deploy({"--release-timeout", "5s", "--auto-rollback"});
    INFO(r.err);
    CHECK(r.exit_code == 1);
    CHECK(seconds_since(start) < 20);
    auto app = f.fly.app("demo");
    auto first = std::string(app.at("machines").as_array()[0].at("id").as_string());
    CHECK(r.err.find("r1: DEPLOY-RELEASE-LIVE fail: v2 not live after 5s: 1 of 2 machines not serving v2: " + first +
                     " (demo-machine-1, iad) runs v1 " + v1_image) != std::string::npos);
    // The old image answers 200: nothing to roll back to that is not already serving.
    CHECK(r.err.find("not rolled back: the health check passes") != std::string::npos);
    CHECK(f.fly.calls_of("deploy").size() == 1);
}

TEST_CASE("lifecycle: machines that never start fail verification within --release-timeout", "[cli][lifecycle][release]") {
    fixture f;
    f.fly.set("demo", "deploy_mode", "stuck");
    auto r = f.deploy({"--release-timeout", "4s", "--output", "json"});
    CHECK(r.exit_code == 1);
    auto events = ndjson(r.out);
    auto polls = std::count_if(events.begin(), events.end(), [](const json::value& e) { return e.at("event") == "release.poll"; });
    CHECK(polls >= 3);  // at 0, 2 and 4 s
    auto result = events.back().as_object();
    CHECK(result.at("message").as_string().find("is created, not started") != std::string::npos);
    CHECK(f.fly.calls_of("deploy").size() == 1);
}

TEST_CASE("lifecycle: a few bad status answers in a row are tolerated, not forever", "[cli][lifecycle][release]") {
    fixture f;
    // After the deploy, status answers badly this many times in a row: cut JSON, an API 503, ...
    SECTION("three are tolerated") {
        f.fly.set("demo", "flaky_after_deploy", 3);
        auto r = f.deploy({"--output", "json"});
        INFO(r.out << r.err);
        CHECK(r.exit_code == 0);
        auto events = ndjson(r.out);
        auto bad = std::count_if(events.begin(), events.end(), [](const json::value& e) {
            return e.at("event") == "release.poll" && e.at("ok") == false;
        });
        CHECK(bad == 3);
    }
    SECTION("four are not") {
        f.fly.set("demo", "flaky_after_deploy", 4);
        auto r = f.deploy({"--output", "json"});
        INFO(r.out << r.err);
        CHECK(r.exit_code == 1);
        auto result = ndjson(r.out).back().as_object();
        CHECK(result.at("message").as_string().find("cannot tell whether v2 (" + v2_image +
                                                    ") serves: 4 bad answers in a row, the last: ") != std::string::npos);
    }
    CHECK(f.fly.calls_of("deploy").size() == 1);
}

TEST_CASE("lifecycle: credentials refused or missing in the pre-flight are exit 3, nothing deployed",
          "[cli][lifecycle][preflight]") {
    fixture f;
    f.fly.set_global("token", "fm2_the-right-token-0123456789abcdef");
    auto o = f.opts({"deploy"});
    SECTION("refused") {
        o.env.emplace_back("FLY_API_TOKEN", "fm2_a-wrong-token-0123456789abcdef");
        auto r = run_r1(o);
        CHECK(r.exit_code == 3);
        CHECK(r.err.find("r1: error: pre-flight: flyctl status (app demo) was refused: Error: You must be "
                         "authenticated to view this.; flyctl reads FLY_API_TOKEN or FLY_ACCESS_TOKEN") != std::string::npos);
        CHECK(r.err.ends_with("; nothing was deployed\n"));
        CHECK(r.err.find("a-wrong-token") == std::string::npos);
    }
    SECTION("missing") {
        o.unset_env = {"FLY_API_TOKEN", "FLY_ACCESS_TOKEN"};
        auto r = run_r1(o);
        CHECK(r.exit_code == 3);
        CHECK(r.err.find("was refused: Error: no access token available. Please login with 'flyctl auth login'") !=
              std::string::npos);
    }
    CHECK(f.fly.calls_of("deploy").empty());
}

TEST_CASE("lifecycle: an app that does not exist is exit 3, saying how to create it", "[cli][lifecycle][preflight]") {
    fixture f;
    auto o = f.opts({"deploy"});
    std::replace(o.args.begin(), o.args.end(), std::string("demo"), std::string("ghost"));
    auto r = run_r1(o);
    CHECK(r.exit_code == 3);
    CHECK(r.err == "r1: error: pre-flight: app ghost does not exist on fly.io (Error: failed to get app: Could not find "
                   "App \"ghost\"); create it with `flyctl apps create ghost`, then deploy again; nothing was deployed\n");
    CHECK(f.fly.calls_of("deploy").empty());
}

TEST_CASE("lifecycle: r1 rollback puts a given release back and verifies it", "[cli][lifecycle][rollback]") {
    fixture f{3};
    SECTION("--to 1") {
        auto r = f.rollback({"--to", "1"});
        INFO(r.err);
        CHECK(r.exit_code == 0);
        CHECK(f.fly.calls_of("deploy") == std::vector<std::vector<std::string>>{rollback_argv(v1_image)});
        CHECK(r.err.find("r1: rollback: rolled back to v1 (" + v1_image + "), healthy\n") != std::string::npos);
        CHECK(f.serving() == v1_image);
    }
    SECTION("without --to: the release before the serving one") {
        auto r = f.rollback({"--to", "v2"});
        auto again = f.rollback();  // v4 (v2's image) serves now: the one before runs v3's image
        CHECK(r.exit_code == 0);
        CHECK(again.exit_code == 0);
        CHECK(f.fly.calls_of("deploy") == std::vector<std::vector<std::string>>{rollback_argv(v2_image),
                                                                                  rollback_argv(v3_image)});
    }
    SECTION("a release that does not exist") {
        auto r = f.rollback({"--to", "9"});
        CHECK(r.exit_code == 3);
        CHECK(r.err.ends_with("\nr1: error: app demo has no release v9 (flyctl releases lists v3 to v1); nothing was "
                              "rolled back\n"));
        CHECK(f.fly.calls_of("deploy").empty());
    }
    SECTION("the release that serves already") {
        auto r = f.rollback({"--to", "3"});
        CHECK(r.exit_code == 0);
        CHECK(r.out == "v3 (" + v3_image + ") serves already: nothing to roll back\n");
        CHECK(f.fly.calls_of("deploy").empty());
    }
}

TEST_CASE("lifecycle: r1 rollback whose flyctl deploy fails is exit 3; one that does not verify is exit 1",
          "[cli][lifecycle][rollback]") {
    fixture f{2};
    SECTION("flyctl deploy fails") {
        f.fly.set("demo", "deploy_mode", "missing-image");
        auto r = f.rollback({"--to", "1", "--retries", "0"});
        CHECK(r.exit_code == 3);
        CHECK(r.err.find("r1: error: rollback to v1 (" + v1_image + ") failed: flyctl deploy (app demo) exited 1") !=
              std::string::npos);
    }
    SECTION("the rolled-back release answers 500") {
        f.fly.set("demo", "image_health", json::object{{v1_image, 500}});
        auto r = f.rollback({"--to", "1", "--warmup", "1s"});
        CHECK(r.exit_code == 1);
        CHECK(r.err.find("r1: error: rolled back to v1 (" + v1_image + "), which does not verify either: health check: "
                         "got HTTP 500") != std::string::npos);
    }
}

// Each new phase interrupted where it waits on flyctl: the stand-in holds that call until the
// signal; r1 must stop it (its whole group), start nothing more and exit 130 / 143 at once.
namespace {

void interrupt_while_held(const fixture& f, r1_options o, const std::string& held, std::size_t deploys_expected, int sig,
                          int reach_ms = 20'000) {
    CAPTURE(held);
    r1_process r1p{std::move(o)};
    auto pid = r1::test::wait_for_pid_file(std::filesystem::path(f.fly.state_dir()) / ("holding-" + held), reach_ms);
    REQUIRE(pid > 0);
    auto sent = sclock::now();
    r1p.signal(sig);
    auto r = r1p.wait();
    INFO(r.err);
    CHECK(r.exit_code == 128 + sig);
    CHECK(seconds_since(sent) < 5);
    CHECK(r.err.ends_with("r1: interrupted by " + std::string(sig == SIGINT ? "SIGINT" : "SIGTERM") +
                          "; child processes stopped\n"));
    CHECK(r1::test::wait_until_gone(pid, 2000));
    // Nothing started after the signal: the held call was the last.
    auto calls = f.fly.calls();
    REQUIRE_FALSE(calls.empty());
    CHECK(calls.back()[1] == held);
    CHECK(f.fly.calls_of("deploy").size() == deploys_expected);
}

}  // namespace

TEST_CASE("lifecycle: SIGINT/SIGTERM in each new phase stops flyctl at once and exits 130/143",
          "[cli][lifecycle][interrupt]") {
    auto sig = GENERATE(SIGINT, SIGTERM);
    CAPTURE(sig);
    fixture f{2};
    SECTION("pre-flight") {
        f.fly.set_global("hold_plan", json::object{{"status", json::array{60}}});
        interrupt_while_held(f, f.opts({"deploy"}), "status", 0, sig);
    }
    SECTION("a status poll of the release proof") {
        f.fly.set_global("hold_plan", json::object{{"status", json::array{0, 60}}});
        interrupt_while_held(f, f.opts({"deploy"}), "status", 1, sig);
    }
    SECTION("the logs of a failed verification") {
        f.fly.set("demo", "new_health", 503);
        f.fly.set_global("hold_plan", json::object{{"logs", json::array{60}}});
        interrupt_while_held(f, f.opts({"deploy"}, {"--warmup", "0"}), "logs", 1, sig);
    }
    SECTION("the releases lookup of r1 rollback") {
        f.fly.set_global("hold_plan", json::object{{"releases", json::array{60}}});
        interrupt_while_held(f, f.opts({"rollback"}), "releases", 0, sig);
    }
    SECTION("the deploy of r1 rollback") {
        f.fly.set_global("hold_plan", json::object{{"deploy", json::array{60}}});
        interrupt_while_held(f, f.opts({"rollback"}, {"--to", "1"}), "deploy", 1, sig);
    }
}

TEST_CASE("lifecycle: SIGTERM during --auto-rollback's deploy stops that flyctl at once and exits 143",
          "[cli][lifecycle][interrupt][rollback]") {
    fixture f;
    f.fly.set("demo", "new_health", 503);
    // The deploy answers at once; the rollback's deploy (after 30 s of failure) is held until the signal.
    f.fly.set_global("hold_plan", json::object{{"deploy", json::array{0, 60}}});
    interrupt_while_held(f, f.opts({"deploy"}, {"--auto-rollback", "--warmup", "0"}), "deploy", 2, SIGTERM, 60'000);
    CHECK(f.serving() == v2_image);  // the rollback never finished
}

TEST_CASE("lifecycle: in a batch each app is rolled back on its own; task.end, the report and JUnit carry the releases",
          "[cli][lifecycle][batch]") {
    flyctl_standin fly;
    tls_server server;
    r1::test::temp_dir dir;
    fly.add_app("good", 1);
    fly.add_app("bad", 1);
    fly.set("bad", "new_health", 503);
    server.serve_files(fly.files_dir());
    std::string manifest = "[defaults]\nflyctl = \"" + fly.path() + "\"\nauto_rollback = true\ndir = \"" +
                           dir.path().string() + "\"\n\n[[app]]\nname = \"good\"\nhealth_url = \"" +
                           server.https_url("/files/good") + "\"\n\n[[app]]\nname = \"bad\"\nhealth_url = \"" +
                           server.https_url("/files/bad") + "\"\n";
    r1::test::write_file(dir / "fleet.toml", manifest);
    r1_options o;
    o.args = {"deploy", "--batch", (dir / "fleet.toml").string(), "--ca-file", ca_path(), "--output", "json",
              "--report", (dir / "r.json").string(), "--junit", (dir / "j.xml").string()};
    o.env = {fly.env()};
    o.timeout_ms = 120'000;
    auto r = run_r1(o);
    INFO(r.out << r.err);
    CHECK(r.exit_code == 1);
    std::map<std::string, json::object> ends;
    std::size_t rollback_events = 0;
    for (const auto& e : ndjson(r.out)) {
        if (e.at("event") == "task.end") ends[std::string(e.at("app").as_string())] = e.as_object();
        if (e.at("event").as_string().starts_with("rollback.")) {
            CHECK(e.at("app") == "bad");
            CHECK(e.at("index") == 1);
            ++rollback_events;
        }
    }
    CHECK(rollback_events == 2);
    CHECK(ends["good"].at("code") == 0);
    CHECK(ends["good"].at("release").at("version") == "2");
    CHECK(ends["good"].at("previous_release").at("version") == "1");
    CHECK_FALSE(ends["good"].contains("rollback"));
    CHECK(ends["bad"].at("code") == 1);
    CHECK(ends["bad"].at("rollback").at("ok") == true);
    CHECK(ends["bad"].at("rollback").at("to").at("version") == "1");
    CHECK(ends["bad"].at("detail").as_string().find("rolled back to v1 (registry.fly.io/bad:deployment-01JR100001@") !=
          std::string::npos);

    auto doc = json::parse(r1::test::read_file(dir / "r.json"));
    const auto& tasks = doc.at("tasks").as_array();
    REQUIRE(tasks.size() == 2);
    CHECK(tasks[1].at("rollback").at("made").at("version") == "3");
    CHECK(tasks[1].at("evidence").as_string().find("answering 503") != std::string::npos);
    auto xml = r1::test::read_file(dir / "j.xml");
    CHECK(xml.find("<system-out>release: v2 (registry.fly.io/good:deployment-01JR100002)\nprevious release: v1 (") !=
          std::string::npos);
    CHECK(xml.find("rollback: rolled back to v1 (registry.fly.io/bad:deployment-01JR100001@") != std::string::npos);

    std::size_t deploys_good = 0, deploys_bad = 0;
    for (const auto& c : fly.calls_of("deploy")) (c[3] == "good" ? deploys_good : deploys_bad) += 1;
    CHECK(deploys_good == 1);
    CHECK(deploys_bad == 2);  // the deploy and its rollback
}

TEST_CASE("lifecycle: a directory without fly.toml gets one for its stack before the deploy; an existing one is kept",
          "[cli][lifecycle][stack]") {
    fixture f;
    r1::test::write_file(f.dir / "Dockerfile", "FROM scratch\nEXPOSE 5000\n");
    SECTION("written") {
        auto r = f.deploy({"--output", "json"});
        CHECK(r.exit_code == 0);
        auto toml = r1::test::read_file(f.dir / "fly.toml");
        CHECK(toml.starts_with("# fly.toml written by r1 for a Dockerfile app (Dockerfile, EXPOSE 5000)\n"));
        CHECK(toml.find("app = \"demo\"\n") != std::string::npos);
        CHECK(toml.find("internal_port = 5000\n") != std::string::npos);
        auto events = ndjson(r.out);
        auto written = std::find_if(events.begin(), events.end(), [](const json::value& e) { return e.at("event") == "config.written"; });
        auto released = std::find_if(events.begin(), events.end(), [](const json::value& e) { return e.at("event") == "release"; });
        REQUIRE(written != events.end());
        CHECK(written < released);  // before flyctl deploy ran
        CHECK(written->at("detail").as_string() == "wrote " + (f.dir / "fly.toml").string() +
                                                       " for a Dockerfile app (Dockerfile, EXPOSE 5000)");
    }
    SECTION("kept") {
        r1::test::write_file(f.dir / "fly.toml", "app = \"demo\"\n# mine\n");
        auto r = f.deploy();
        CHECK(r.exit_code == 0);
        CHECK(r1::test::read_file(f.dir / "fly.toml") == "app = \"demo\"\n# mine\n");
    }
}

TEST_CASE("lifecycle: --ttfb-sla fails a deploy whose app answers its headers late", "[cli][lifecycle][ttfb]") {
    fixture f;
    f.fly.set("demo", "new_health", "200 1500");  // the new release's headers come after 1.5 s
    auto slow = f.deploy({"--ttfb-sla", "1s", "--warmup", "0"});
    INFO(slow.err);
    CHECK(slow.exit_code == 1);
    CHECK(slow.out.starts_with("health check: 200 OK (10 bytes); too slow: headers after 1s"));
    CHECK(slow.out.ends_with(", over --ttfb-sla 1s\n"));
    auto fine = f.deploy({"--ttfb-sla", "3s"});
    CHECK(fine.exit_code == 0);
}
