// What programs read from r1, through the real binary: NDJSON events with schema and ts, attempts as
// one list everywhere, and each check's HTTP status, stable cause, final URL and phase times.
#include "tests/support/fleet_dir.hpp"
#include "tests/support/output_checks.hpp"
#include "tests/support/processes.hpp"
#include "tests/support/r1_process.hpp"
#include "tests/support/standins.hpp"
#include "tests/support/test_pki.hpp"
#include "tests/support/tls_server.hpp"

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>

#include <catch2/catch.hpp>

#include <algorithm>
#include <chrono>
#include <ctime>
#include <map>

using r1::test::ca_path;
using r1::test::ndjson;
using r1::test::run_r1;
using r1::test::tls_server;
namespace json = boost::json;

namespace {

/// Seconds since the epoch of an RFC 3339 UTC time with milliseconds.
double epoch_of(std::string_view ts) {
    std::tm tm{};
    std::string s(ts);
    REQUIRE(::strptime(s.c_str(), "%Y-%m-%dT%H:%M:%S", &tm) != nullptr);
    return static_cast<double>(::timegm(&tm)) + std::stod(s.substr(19, 4));
}

double now_epoch() {
    return std::chrono::duration<double>(std::chrono::system_clock::now().time_since_epoch()).count();
}

/// Every event: schema 1, and a ts that is an RFC 3339 UTC time with milliseconds, within the run,
/// never going back.
void check_envelopes(const std::vector<json::value>& events, double before, double after) {
    REQUIRE_FALSE(events.empty());
    double last = 0;
    for (const auto& v : events) {
        const auto& e = v.as_object();
        INFO(json::serialize(e));
        CHECK(e.begin()->key() == "event");
        CHECK(e.at("schema") == 1);
        std::string ts(e.at("ts").as_string());
        CHECK(r1::test::is_timestamp_ms(ts));
        double t = epoch_of(ts);
        CHECK(t >= before - 0.001);
        CHECK(t <= after + 0.001);
        CHECK(t >= last);
        last = t;
    }
}

}  // namespace

TEST_CASE("r1 verify --output json: events carry schema and ts; task.end and --report say status, cause, "
          "final URL and phase times",
          "[cli][machine][verify]") {
    tls_server server;
    tls_server untrusted{r1::test::server_cert::untrusted_ca};
    r1::test::temp_dir dir;
    const std::string redirect = server.https_url("/redirect"), unavailable = server.https_url("/status/503"),
                      refused = r1::test::refused_http_url(), bad_cert = untrusted.https_url("/ok"),
                      drip = server.https_url("/drip"), empty = server.https_url("/empty");
    auto report_path = (dir.path() / "report.json").string();
    double before = now_epoch();
    auto r = run_r1({.args = {"verify", "--ca-file", ca_path(), "--timeout", "1s", "--output", "json", "--report",
                              report_path, redirect, unavailable, refused, bad_cert, drip, empty}});
    double after = now_epoch();
    INFO(r.out << r.err);
    CHECK(r.exit_code == 1);
    auto events = ndjson(r.out);
    check_envelopes(events, before, after);

    // The facts of each check: {http_status, cause, final_url}; null where there is none.
    struct facts {
        json::value status, cause, final_url;
    };
    const std::map<std::string, facts> want = {
        {redirect, {200, nullptr, json::value(server.https_url("/ok"))}},
        {unavailable, {503, "http-503", json::value(unavailable)}},
        {refused, {nullptr, "connection-refused", json::value(refused)}},
        {bad_cert, {nullptr, "tls-verify", json::value(bad_cert)}},
        {drip, {nullptr, "timeout", json::value(drip)}},
        {empty, {200, "empty-body", json::value(empty)}},
    };
    auto check_task = [&](const json::object& t, std::string_view where) {
        INFO(where << ": " << json::serialize(t));
        const auto& f = want.at(std::string(t.at("url").as_string()));
        CHECK(t.at("http_status") == f.status);
        CHECK(t.at("cause") == f.cause);
        CHECK(t.at("final_url") == f.final_url);
        // One shape for attempts: a list (a check is never retried), with the count beside it.
        CHECK(t.at("attempts").as_array().empty());
        CHECK(t.at("attempt_count") == 1);
        const auto& phases = t.at("phases_ms").as_object();
        CHECK(phases.size() == 1);
        auto health = phases.at("health").as_int64();
        CHECK(health >= 0);
        CHECK(health <= t.at("duration_ms").as_int64());
        if (f.cause == "timeout") CHECK(health >= 900);
        // The HTTP phases of the last check, when a GET was answered; within the check's time.
        if (f.status.is_null()) {
            CHECK_FALSE(t.contains("http_ms"));
        } else {
            const auto& http = t.at("http_ms").as_object();
            std::int64_t sum = 0;
            for (auto phase : {"resolve", "connect", "tls", "processing", "transfer"}) sum += http.at(phase).as_int64();
            CHECK(sum <= health);
        }
    };
    std::size_t ended = 0;
    for (const auto& v : events)
        if (v.at("event") == "task.end") {
            check_task(v.as_object(), "task.end");
            ++ended;
        }
    CHECK(ended == want.size());

    auto report = r1::test::read_report(report_path);
    CHECK(report.at("schema") == 1);
    REQUIRE(report.at("tasks").as_array().size() == want.size());
    for (const auto& t : report.at("tasks").as_array()) check_task(t.as_object(), "--report");
}

TEST_CASE("r1 deploy --batch --output json: attempts are a list in task.end and --report, as in the attempt "
          "events of a single deploy",
          "[cli][machine][retry]") {
    tls_server server;
    r1::test::fleet_dir f;
    f.write(r1::test::app("flaky", "health_url = \"" + server.https_url("/status/503") +
                                       "\"\nretries = 1\nretry_budget = \"2s\"\n"));
    auto opts = f.deploy({"--output", "json", "--report", f.path("r.json")});
    double before = now_epoch();
    auto r = run_r1(opts);
    double after = now_epoch();
    INFO(r.out << r.err);
    CHECK(r.exit_code == 1);
    auto events = ndjson(r.out);
    check_envelopes(events, before, after);
    const json::object* end = nullptr;
    for (const auto& v : events)
        if (v.at("event") == "task.end") end = &v.as_object();
    REQUIRE(end != nullptr);
    const auto& attempts = end->at("attempts").as_array();
    REQUIRE(attempts.size() == 1);
    const auto& a = attempts[0].as_object();
    CHECK(a.at("number") == 2);
    CHECK(a.at("tier") == "env-fix");
    CHECK(a.at("step") == "DEPLOY-HEALTH-200");
    CHECK(a.at("signal") == "http-503");
    CHECK(a.at("delay_ms") == 1000);
    CHECK(end->at("attempt_count") == 2);
    CHECK(end->at("http_status") == 503);
    CHECK(end->at("cause") == "http-503");

    auto report = r1::test::read_report(f.path("r.json"));
    const auto& task = report.at("tasks").as_array()[0].as_object();
    CHECK(task.at("attempts") == end->at("attempts"));
    CHECK(task.at("attempt_count") == 2);

    // A single deploy: the attempt event's fields are the list's element.
    auto single = run_r1({.args = {"deploy", "--app", "flaky", "--flyctl", f.fly().path(), "--health-url",
                                   server.https_url("/status/503"), "--ca-file", ca_path(), "--retries", "1",
                                   "--retry-budget", "2s", "--output", "json"},
                          .env = {{"FAKE_FLY_RECORD", f.fly().record_dir()}}});
    CHECK(single.exit_code == 1);
    auto lines = ndjson(single.out);
    check_envelopes(lines, before, now_epoch());
    auto first_attempt = std::find_if(lines.begin(), lines.end(), [](const json::value& e) { return e.at("event") == "attempt"; });
    REQUIRE(first_attempt != lines.end());
    const auto& result = lines.back().as_object();
    REQUIRE(result.at("event") == "result");
    json::object attempt = first_attempt->as_object();
    for (auto key : {"event", "schema", "ts"}) attempt.erase(key);
    CHECK(result.at("attempts") == json::array{attempt});
    CHECK(result.at("attempt_count") == 2);
}

TEST_CASE("r1 deploy --output json: the result says the health check's status, cause and final URL, the time of "
          "each phase, and why a deploy failed as a stable code",
          "[cli][machine][deploy]") {
    tls_server server;
    r1::test::fleet_dir f;  // for its stand-in flyctl
    auto deploy = [&](const std::string& app, std::vector<std::string> extra, std::string health) {
        std::vector<std::string> args{"deploy",       "--app",     app,        "--flyctl",  f.fly().path(),
                                      "--health-url", health,      "--ca-file", ca_path(), "--retries",
                                      "0",            "--output",  "json"};
        args.insert(args.end(), extra.begin(), extra.end());
        auto r = run_r1({.args = args, .env = {{"FAKE_FLY_RECORD", f.fly().record_dir()}, {"FAKE_FLY_BY_NAME", "1"}}});
        INFO(r.out << r.err);
        auto events = ndjson(r.out);
        REQUIRE_FALSE(events.empty());
        REQUIRE(events.back().at("event") == "result");
        return std::make_pair(r.exit_code, events.back().as_object());
    };
    SECTION("healthy after a redirect") {
        auto [code, result] = deploy("web", {}, server.https_url("/redirect"));
        CHECK(code == 0);
        CHECK(result.at("http_status") == 200);
        CHECK(result.at("cause").is_null());
        CHECK(result.at("final_url") == json::value(server.https_url("/ok")));
        const auto& phases = result.at("phases_ms").as_object();
        CHECK(phases.at("deploy").as_int64() >= 0);
        CHECK(phases.at("health").as_int64() >= 0);
        CHECK_FALSE(phases.contains("browser"));
        CHECK(result.at("http_ms").as_object().size() == 5);
    }
    SECTION("unhealthy: the status's code") {
        auto [code, result] = deploy("web", {}, server.https_url("/status/503"));
        CHECK(code == 1);
        CHECK(result.at("http_status") == 503);
        CHECK(result.at("cause") == "http-503");
    }
    SECTION("refused: no status") {
        auto url = r1::test::refused_http_url();
        auto [code, result] = deploy("web", {}, url);
        CHECK(code == 1);
        CHECK(result.at("http_status").is_null());
        CHECK(result.at("cause") == "connection-refused");
        CHECK(result.at("final_url") == json::value(url));
    }
    SECTION("the provider's deploy failed: no health check ran") {
        auto [code, result] = deploy("fail-web", {}, server.https_url("/ok"));
        CHECK(code == 3);
        CHECK(result.at("cause") == "deploy-failed");
        CHECK(result.at("http_status").is_null());
        CHECK(result.at("final_url").is_null());
        CHECK(result.at("phases_ms").as_object().contains("deploy"));
        CHECK_FALSE(result.at("phases_ms").as_object().contains("health"));
    }
    SECTION("the deploy ran past --deploy-timeout") {
        auto [code, result] = deploy("sleep-web", {"--deploy-timeout", "1s"}, server.https_url("/ok"));
        CHECK(code == 3);
        CHECK(result.at("cause") == "deploy-timeout");
        CHECK(result.at("phases_ms").at("deploy").as_int64() >= 1000);
    }
    SECTION("a dry run: nothing ran, nothing failed") {
        auto [code, result] = deploy("web", {"--dry-run"}, server.https_url("/ok"));
        CHECK(code == 0);
        CHECK(result.at("cause").is_null());
        CHECK(result.at("http_status").is_null());
        CHECK(result.at("phases_ms").as_object().empty());
        CHECK_FALSE(result.contains("release"));
    }
}

TEST_CASE("r1 deploy: the result names the release the provider said it deployed", "[cli][machine][vercel]") {
    tls_server server;
    r1::test::standin_env env;
    auto dir = env.app_dir("web");
    auto o = env.options({"deploy", "--provider", "vercel", "--app", "web", "--dir", dir, "--vercel",
                          r1::test::standin_path("vercel"), "--ca-file", ca_path(), "--output", "json"});
    o.env.push_back({"R1_STANDIN_URL", server.https_url("/ok")});
    o.env.push_back({"VERCEL_TOKEN", "vcp_4fK9sLm2Qx7TzW1yR8vB3nH6jD0pE5cA"});
    auto r = run_r1(o);
    INFO(r.out << r.err);
    CHECK(r.exit_code == 0);
    auto result = ndjson(r.out).back().as_object();
    // Copied from tests/standins/vercel: the deployment id vercel's JSON names, and its URL.
    CHECK(result.at("release").at("version") == "dpl_7Hk2mJq9Xw3LpR5sT8vB");
    CHECK(result.at("final_url") == json::value(server.https_url("/ok")));
}
