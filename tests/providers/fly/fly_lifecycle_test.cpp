#include "providers/fly/fly_json.hpp"
#include "providers/fly/fly_lifecycle.hpp"
#include "providers/fly/fly_release.hpp"

#include "tests/support/manual_clock.hpp"
#include "tests/support/run.hpp"

#include <catch2/catch.hpp>

#include <deque>
#include <map>

using namespace r1::providers;
using namespace r1::providers::fly;
using namespace std::chrono_literals;

namespace {

/// One machine as `flyctl status --json` lists it (fly-go machine_types.go Machine): only the
/// fields r1 reads, with fly's own spellings.
std::string machine_json(std::string id, std::string state, int version, std::string tag, std::string extra = "",
                         std::string group = "app") {
    return R"({"id":")" + id + R"(","name":"web-)" + id.substr(0, 2) + R"(","state":")" + state +
           R"(","region":"iad","image_ref":{"registry":"registry.fly.io","repository":"web","tag":")" + tag +
           R"(","digest":"sha256:)" + std::string(64, tag.back()) + R"("},"config":{"image":"registry.fly.io/web:)" + tag +
           R"(","metadata":{"fly_platform_version":"v2","fly_process_group":")" + group +
           R"(","fly_release_id":"QgDeJ3o11V2D7fkXVQGvPBON","fly_release_version":")" + std::to_string(version) +
           R"("})" + extra + R"(},"checks":[{"name":"servicecheck-00-http-8080","status":"passing"}],"host_status":"ok"})";
}

std::string status_json(int version, std::vector<std::string> machines) {
    std::string list;
    for (const auto& m : machines) list += (list.empty() ? "" : ",") + m;
    return R"({"ID":"web","Name":"web","Deployed":true,"Status":"deployed","Hostname":"web.fly.dev","Version":)" +
           std::to_string(version) + R"(,"Organization":{"Slug":"personal"},"PlatformVersion":"machines","Machines":[)" +
           list + "]}";
}

release rel(int version, std::string tag) { return {"r" + std::to_string(version), version, "registry.fly.io/web:" + tag, "complete"}; }

/// A runner that answers each flyctl subcommand from its own queue (the last answer repeats) and
/// records every argv.
class script_runner final : public r1::proc::runner {
public:
    void queue(const std::string& sub, r1::proc::run_output out) { answers_[sub].push_back(std::move(out)); }
    std::vector<std::vector<std::string>> calls;
    boost::asio::awaitable<boost::system::result<r1::proc::run_output>> run(r1::proc::run_request req) override {
        calls.push_back(req.argv);
        auto& q = answers_[req.argv.at(1)];
        if (q.empty()) co_return make_error_code(boost::system::errc::no_such_file_or_directory);
        auto out = q.front();
        if (q.size() > 1) q.pop_front();
        co_return out;
    }

private:
    std::map<std::string, std::deque<r1::proc::run_output>> answers_;
};

r1::proc::run_output ok(std::string out) { return {.exit_code = 0, .out_tail = std::move(out)}; }
r1::proc::run_output failed(std::string err) { return {.exit_code = 1, .err_tail = std::move(err)}; }

struct harness {
    script_runner runner;
    r1::test::manual_clock clock;
    std::vector<lifecycle_event> events;
    step_context ctx{runner, clock, "/usr/bin/flyctl", {}, [this](const lifecycle_event& e) { events.push_back(e); }};
    r1::deploy_config cfg;
    harness() { cfg.app = "web"; }
};

}  // namespace

TEST_CASE("fly_json: the release line is the last one flyctl deploy printed that parses", "[providers][fly][json]") {
    auto r = find_release_line("==> Building image\n{\"id\":\"a\",\"version\":4,\"image_ref\":\"registry.fly.io/web:deployment-1\"}\r\n"
                               "{\"not\":\"it\"}\nVisit your newly deployed app\n"
                               "{\"id\":\"QgDeJ3o11V2D7fkXVQGvPBON\",\"version\":5,\"image_ref\":\"registry.fly.io/web:deployment-2\"}\n");
    REQUIRE(r);
    CHECK(r->version == 5);
    CHECK(r->image_ref == "registry.fly.io/web:deployment-2");
    CHECK_FALSE(find_release_line("{\"id\":\"x\",\"version\":0,\"image_ref\":\"i\"}\n{\"image_ref\":\"\"}\n"));
    CHECK_FALSE(find_release_line(""));
}

TEST_CASE("fly_release: a release serves when every managed machine runs it, started, checks passing",
          "[providers][fly][release]") {
    auto wanted = rel(7, "deployment-7");
    SECTION("all of them") {
        auto s = parse_status(status_json(7, {machine_json("aa01", "started", 7, "deployment-7"),
                                              machine_json("bb02", "started", 7, "deployment-7"),
                                              machine_json("cc03", "stopped", 6, "deployment-6", "", "fly_app_release_command")}));
        REQUIRE(s);
        auto v = judge_release(*s, wanted, {});
        CHECK(v.live);
        CHECK(v.ready == 2);
        CHECK(v.total == 2);  // the release-command machine is not the deploy's
        CHECK(v.detail == "v7 serves on all 2 machines");
    }
    SECTION("one still runs the old image, one never started, one fails its checks") {
        auto critical = machine_json("cc03", "started", 7, "deployment-7");
        critical.replace(critical.find("\"passing\""), 9, "\"critical\"");
        auto s = parse_status(status_json(7, {machine_json("aa01", "started", 6, "deployment-6"),
                                              machine_json("bb02", "created", 7, "deployment-7"), critical,
                                              machine_json("dd04", "started", 7, "deployment-7")}));
        REQUIRE(s);
        auto v = judge_release(*s, wanted, {});
        CHECK_FALSE(v.live);
        CHECK(v.ready == 1);
        CHECK(v.detail == "3 of 4 machines not serving v7: aa01 (web-aa, iad) runs v6 registry.fly.io/web:deployment-6; "
                          "bb02 (web-bb, iad) is created, not started; cc03 (web-cc, iad) checks not passing: "
                          "servicecheck-00-http-8080 critical");
    }
    SECTION("a machine stopped before the deploy may stay stopped; a newly stopped one may not") {
        auto s = parse_status(status_json(7, {machine_json("aa01", "stopped", 7, "deployment-7"),
                                              machine_json("bb02", "started", 7, "deployment-7")}));
        REQUIRE(s);
        CHECK(judge_release(*s, wanted, {"aa01"}).live);
        CHECK(judge_release(*s, wanted, {"aa01"}).detail == "v7 serves on all 2 machines (1 stopped, as before the deploy)");
        CHECK_FALSE(judge_release(*s, wanted, {}).live);
    }
    SECTION("a standby stays stopped") {
        auto s = parse_status(status_json(7, {machine_json("aa01", "stopped", 7, "deployment-7", R"(,"standbys":["bb02"])"),
                                              machine_json("bb02", "started", 7, "deployment-7")}));
        REQUIRE(s);
        CHECK(judge_release(*s, wanted, {}).live);
        CHECK(resting_machines(*s) == std::vector<std::string>{"aa01"});
    }
    SECTION("an app without machines serves nothing") {
        auto s = parse_status(status_json(7, {}));
        REQUIRE(s);
        CHECK(judge_release(*s, wanted, {}).detail == "no machine runs v7: the app has no machines");
    }
    SECTION("a digest on either side must match when both name one") {
        auto s = parse_status(status_json(7, {machine_json("aa01", "started", 7, "deployment-7")}));
        REQUIRE(s);
        CHECK(judge_release(*s, rel(7, "deployment-7@sha256:" + std::string(64, '7')), {}).live);
        CHECK_FALSE(judge_release(*s, rel(7, "deployment-7@sha256:" + std::string(64, '0')), {}).live);
    }
}

TEST_CASE("fly_release: what serves now is the release most started machines run", "[providers][fly][release]") {
    auto s = parse_status(status_json(9, {machine_json("aa01", "started", 8, "deployment-8"),
                                          machine_json("bb02", "started", 8, "deployment-8"),
                                          machine_json("cc03", "started", 9, "deployment-9"),
                                          machine_json("dd04", "stopped", 9, "deployment-9")}));
    REQUIRE(s);
    auto r = serving_release(*s);
    REQUIRE(r);
    CHECK(r->version == 8);  // a failed v9 left one machine: v8 is what serves
    CHECK(r->image_ref == "registry.fly.io/web:deployment-8@sha256:" + std::string(64, '8'));
    auto tie = parse_status(status_json(9, {machine_json("aa01", "started", 8, "deployment-8"),
                                            machine_json("cc03", "started", 9, "deployment-9")}));
    CHECK(serving_release(*tie)->version == 9);
    auto none = parse_status(status_json(0, {}));
    CHECK_FALSE(serving_release(*none));
}

TEST_CASE("fly_release: flyctl's credential and missing-app errors are recognised", "[providers][fly][preflight]") {
    CHECK(classify_cli_error("Error: No access token available. Please login with 'flyctl auth login'\n") ==
          cli_problem::credentials);  // superfly/flyctl#1787
    CHECK(classify_cli_error("Error: no access token available. Please login with 'flyctl auth login'") ==
          cli_problem::credentials);  // fly-go api.go ErrNoAuthToken
    CHECK(classify_cli_error("Error: failed to fetch an image or build from source: error connecting to docker: "
                             "failed building options: You must be authenticated to view this.") ==
          cli_problem::credentials);  // fly-apps/hello-fly#4
    CHECK(classify_cli_error("Error: Not authorized to deploy this app.") == cli_problem::credentials);
    CHECK(classify_cli_error("Error: failed to get app: Could not find App \"rdns-dev\"") == cli_problem::app_missing);
    CHECK(classify_cli_error("Error not possible to validate configuration: server returned Could not resolve App") ==
          cli_problem::app_missing);  // superfly/flyctl#424
    CHECK(classify_cli_error("Error: failed to list machines: 503 Service Unavailable") == cli_problem::other);
}

TEST_CASE("fly_release: r1 rollback without --to takes the newest complete release of another image",
          "[providers][fly][rollback]") {
    std::vector<release> releases{rel(12, "deployment-12"), rel(11, "deployment-11"), rel(10, "deployment-10"),
                                  rel(9, "deployment-9")};
    releases[1].image_ref = releases[0].image_ref;  // v11: a secrets change, the same image
    releases[2].status = "failed";
    auto r = previous_release(releases, 12, releases[0].image_ref + "@sha256:" + std::string(64, '1'));
    REQUIRE(r);
    CHECK(r->version == 9);
    CHECK_FALSE(previous_release({rel(1, "deployment-1")}, 1, "registry.fly.io/web:deployment-1"));
    CHECK(release_numbered(releases, 10)->status == "failed");
    CHECK_FALSE(release_numbered(releases, 3));
}

TEST_CASE("fly_lifecycle: the pre-flight names credentials and missing apps, retries a transient answer",
          "[providers][fly][preflight]") {
    harness h;
    SECTION("token refused") {
        h.runner.queue("status", failed("Error: You must be authenticated to view this.\n"));
        auto r = r1::test::run(fly_preflight(h.ctx, h.cfg));
        CHECK(r.status == preflight_status::credentials);
        CHECK(r.message.starts_with("flyctl status (app web) was refused: Error: You must be authenticated to view this."));
        CHECK(h.runner.calls.size() == 1);
    }
    SECTION("app missing") {
        h.runner.queue("status", failed("Error: failed to get app: Could not find App \"web\"\n"));
        auto r = r1::test::run(fly_preflight(h.ctx, h.cfg));
        CHECK(r.status == preflight_status::app_missing);
        CHECK(r.message.ends_with("create it with `flyctl apps create web`, then deploy again"));
    }
    SECTION("an API 503 twice, then an answer: what serves, and the stopped machines") {
        h.runner.queue("status", failed("Error: failed to list machines: 503 Service Unavailable"));
        h.runner.queue("status", ok("{\"cut"));
        h.runner.queue("status", ok(status_json(3, {machine_json("aa01", "started", 3, "deployment-3"),
                                                    machine_json("bb02", "suspended", 3, "deployment-3")})));
        auto r = r1::test::run(fly_preflight(h.ctx, h.cfg));
        CHECK(r.status == preflight_status::ok);
        REQUIRE(r.serving);
        CHECK(r.serving->version == "3");
        CHECK(r.resting == std::vector<std::string>{"bb02"});
        CHECK(h.clock.sleeps() == std::vector<r1::test::manual_clock::duration>{1s, 2s});
        CHECK(h.runner.calls.front() == std::vector<std::string>{"/usr/bin/flyctl", "status", "--json", "--app", "web"});
    }
    SECTION("no machine names a release: flyctl releases is the second source") {
        h.runner.queue("status", ok(status_json(4, {})));
        h.runner.queue("releases", ok(R"([{"ID":"r4","Version":4,"Status":"complete","ImageRef":"registry.fly.io/web:deployment-4"}])"));
        auto r = r1::test::run(fly_preflight(h.ctx, h.cfg));
        REQUIRE(r.serving);
        CHECK(r.serving->label() == "v4 (registry.fly.io/web:deployment-4)");
        CHECK(h.runner.calls.back() ==
              std::vector<std::string>{"/usr/bin/flyctl", "releases", "--json", "--image", "--app", "web"});
    }
    SECTION("a first deploy") {
        h.runner.queue("status", ok(status_json(0, {})));
        auto r = r1::test::run(fly_preflight(h.ctx, h.cfg));
        CHECK(r.status == preflight_status::ok);
        CHECK_FALSE(r.serving);
        CHECK(r.message == "first deploy: app web has no release yet");
    }
}

TEST_CASE("fly_lifecycle: the proof polls every 2 s until --release-timeout, tolerating three bad answers",
          "[providers][fly][release]") {
    harness h;
    release_proof_request req;
    req.cfg = h.cfg;
    req.reported.release = "7";
    req.reported.image = "registry.fly.io/web:deployment-7";
    req.deadline = h.clock.now() + 5min;
    auto old = ok(status_json(7, {machine_json("aa01", "started", 6, "deployment-6")}));
    auto live = ok(status_json(7, {machine_json("aa01", "started", 7, "deployment-7")}));
    SECTION("stuck on the old image: fails at the deadline, naming the machine") {
        h.runner.queue("status", old);
        auto p = r1::test::run(fly_prove_release(h.ctx, req));
        CHECK(p.ec == r1::error::unhealthy);
        CHECK(p.detail == "v7 not live after 5m: 1 of 1 machines not serving v7: aa01 (web-aa, iad) runs v6 "
                          "registry.fly.io/web:deployment-6");
        CHECK(h.runner.calls.size() == 151);  // at 0, 2, ... 300 s
        CHECK(h.events.size() == 151);
        CHECK(h.events.back().name == event_names::release_poll);
        CHECK(h.events.back().poll == 151);
    }
    SECTION("three bad answers, then live") {
        h.runner.queue("status", failed("Error: failed to list machines: 502 Bad Gateway"));
        h.runner.queue("status", ok("not json"));
        h.runner.queue("status", ok(""));
        h.runner.queue("status", live);
        auto p = r1::test::run(fly_prove_release(h.ctx, req));
        CHECK_FALSE(p.ec);
        CHECK(p.detail == "v7 serves on the app's one machine");
        CHECK(h.clock.sleeps() == std::vector<r1::test::manual_clock::duration>{2s, 2s, 2s});
    }
    SECTION("four bad answers end it") {
        for (int i = 0; i < 4; ++i) h.runner.queue("status", ok("{}"));
        h.runner.queue("status", live);
        auto p = r1::test::run(fly_prove_release(h.ctx, req));
        CHECK(p.ec == r1::error::unhealthy);
        CHECK(p.detail.find("4 bad answers in a row") != std::string::npos);
    }
    SECTION("no release line (flyctl before v0.4.56): the newest release past the one before") {
        req.reported = {};
        req.before.serving = release_ref{"r6", "6", "registry.fly.io/web:deployment-6"};
        h.runner.queue("releases", ok(R"([{"ID":"r7","Version":7,"Status":"complete","ImageRef":"registry.fly.io/web:deployment-7"},)"
                                      R"({"ID":"r6","Version":6,"Status":"complete","ImageRef":"registry.fly.io/web:deployment-6"}])"));
        h.runner.queue("status", live);
        auto p = r1::test::run(fly_prove_release(h.ctx, req));
        CHECK_FALSE(p.ec);
        CHECK(p.release.version == "7");
    }
}
