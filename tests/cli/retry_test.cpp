#include "tests/support/fake_flyctl.hpp"
#include "tests/support/fault_server.hpp"
#include "tests/support/processes.hpp"
#include "tests/support/r1_process.hpp"
#include "tests/support/test_pki.hpp"
#include "tests/support/tls_server.hpp"

#include <boost/json/parse.hpp>
#include <catch2/catch.hpp>

#include <cstdlib>

using r1::test::fake_flyctl;
using r1::test::run_r1;
using r1::test::tls_server;

namespace {

r1::test::r1_result deploy(const fake_flyctl& fly, const tls_server& server, const std::string& path,
                           std::vector<std::string> extra, const std::string& dir = ".",
                           const std::string& mode = "ok") {
    std::vector<std::string> args{"deploy", "--app", "demo-app", "--flyctl", fly.path(), "--dir", dir,
                                  "--health-url", server.https_url(path), "--ca-file",
                                  r1::test::pki().ca_file.string()};
    args.insert(args.end(), extra.begin(), extra.end());
    return run_r1({.args = args, .env = {{"FAKE_FLY_RECORD", fly.record_dir()}, {"FAKE_FLY_MODE", mode}}});
}

/// A git work tree with one commit, as a project checkout would be.
void init_repo(const r1::test::temp_dir& repo) {
    std::string git = "git -C " + repo.path().string() + " ";
    REQUIRE(std::system((git + "init -q && " + git +
                         "-c user.email=t@example.com -c user.name=t commit -q --allow-empty -m init")
                            .c_str()) == 0);
}

}  // namespace

TEST_CASE("r1 deploy: a 503 after deploying is re-checked (env-fix) within the retry budget", "[cli][retry]") {
    tls_server server;
    fake_flyctl fly;
    auto r = deploy(fly, server, "/status/503", {"--retries", "1", "--retry-budget", "2s"});
    CHECK(r.exit_code == 1);
    CHECK(r.out == "health check: got HTTP 503 (Service Unavailable)\n");
    CHECK(r.err.find("r1: attempt 2 (env-fix) re-checks DEPLOY-HEALTH-200 in 1s: transient [http-503] "
                     "health check: got HTTP 503 (Service Unavailable)\n") != std::string::npos);
    CHECK(r.err.find("(retry budget exhausted)") != std::string::npos);
    CHECK(r.err.find("r1: DEPLOY-HEALTH-200 fail: health check: got HTTP 503") != std::string::npos);
    CHECK(server.requests().size() == 2);  // the check and one re-check; the 2 s one did not fit
}

TEST_CASE("r1 deploy: a permanent health failure is not retried", "[cli][retry]") {
    tls_server server;
    fake_flyctl fly;
    auto r = deploy(fly, server, "/status/404", {"--retries", "3"});
    CHECK(r.exit_code == 1);
    CHECK(r.err.find("r1: attempt") == std::string::npos);
    CHECK(server.requests().size() == 1);
}

TEST_CASE("r1 deploy: DEPLOY-COMMIT-MATCH compares HEAD before and after the deploy", "[cli][criteria]") {
    tls_server server;
    fake_flyctl fly;
    SECTION("outside a git work tree it passes with a note") {
        r1::test::temp_dir plain;
        auto r = deploy(fly, server, "/ok", {}, plain.path().string());
        CHECK(r.exit_code == 0);
        CHECK(r.err.find("r1: DEPLOY-COMMIT-MATCH pass: not a git repository\n") != std::string::npos);
        CHECK(r.err.find("r1: DEPLOY-HEALTH-200 pass: health check: 200 OK (10 bytes)\n") != std::string::npos);
    }
    SECTION("in a git work tree it names the deployed commit") {
        r1::test::temp_dir repo;
        init_repo(repo);
        auto r = deploy(fly, server, "/ok", {}, repo.path().string());
        CHECK(r.exit_code == 0);
        CHECK(r.err.find("r1: DEPLOY-COMMIT-MATCH pass: HEAD ") != std::string::npos);
        CHECK(r.err.find(" as deployed\n") != std::string::npos);
    }
    SECTION("HEAD moving during the deploy fails the criterion and is repaired by redeploying") {
        r1::test::temp_dir repo;
        init_repo(repo);
        auto r = deploy(fly, server, "/ok", {"--retries", "1"}, repo.path().string(), "commit");
        CHECK(r.exit_code == 1);
        CHECK(r.err.find("r1: attempt 2 (repair) redeploys in ") != std::string::npos);
        CHECK(r.err.find("transient [commit-mismatch] HEAD moved during the deploy") != std::string::npos);
        CHECK(r.err.find("r1: DEPLOY-COMMIT-MATCH fail: HEAD moved during the deploy") != std::string::npos);
    }
}

TEST_CASE("r1 deploy --output json: attempts, criteria and the result as NDJSON events", "[cli][retry][json]") {
    tls_server server;
    fake_flyctl fly;
    auto r = deploy(fly, server, "/status/503", {"--retries", "1", "--retry-budget", "2s", "--output", "json"});
    CHECK(r.exit_code == 1);
    std::vector<boost::json::object> events;
    std::string_view rest = r.out;
    while (!rest.empty()) {
        auto nl = rest.find('\n');
        REQUIRE(nl != std::string_view::npos);
        events.push_back(boost::json::parse(rest.substr(0, nl)).as_object());
        rest.remove_prefix(nl + 1);
    }
    // The lifecycle's own events (pre-flight, release, status polls) come first; these are the loop's.
    std::erase_if(events, [](const boost::json::object& e) {
        auto name = e.at("event").as_string();
        return name != "attempt" && name != "criterion" && name != "result";
    });
    REQUIRE(events.size() == 5);
    CHECK(events[0].at("event").as_string() == "attempt");
    CHECK(events[0].at("tier").as_string() == "env-fix");
    CHECK(events[0].at("signal").as_string() == "http-503");
    CHECK(events[0].at("delay_ms").as_int64() == 1000);
    CHECK(events[1].at("event").as_string() == "criterion");
    CHECK(events[1].at("id").as_string() == "DEPLOY-COMMIT-MATCH");
    CHECK(events[2].at("id").as_string() == "DEPLOY-RELEASE-LIVE");
    CHECK(events[2].at("passed").as_bool());
    CHECK(events[3].at("id").as_string() == "DEPLOY-HEALTH-200");
    CHECK_FALSE(events[3].at("passed").as_bool());
    CHECK(events[4].at("event").as_string() == "result");
    CHECK(events[4].at("exit_code").as_int64() == 1);
    CHECK(events[4].at("health").as_string() == "health check: got HTTP 503 (Service Unavailable)");
}

TEST_CASE("r1 deploy: a Retry-After of centuries stops at once, retry budget exhausted, nothing retried",
          "[cli][retry][security]") {
    // 9999999999 s overflowed now() + delay (signed 64-bit nanoseconds): r1 announced waits of
    // 2777777h and retried at once, redeploying.
    r1::test::fault_server server{r1::test::fault::huge_retry_after};
    fake_flyctl fly;
    auto start = std::chrono::steady_clock::now();
    auto r = run_r1({.args = {"deploy", "--app", "demo-app", "--flyctl", fly.path(), "--health-url", server.url(),
                              "--retries", "2", "--retry-budget", "10m"},
                     .env = {{"FAKE_FLY_RECORD", fly.record_dir()}}});
    auto elapsed = std::chrono::steady_clock::now() - start;
    INFO(r.err);
    CHECK(r.exit_code == 1);
    CHECK(r.out == "health check: got HTTP 429 (Too Many Requests)\n");
    CHECK(r.err.find("r1: attempt") == std::string::npos);
    CHECK(r.err.find("(retry budget exhausted)") != std::string::npos);
    CHECK(server.requests() == 1);
    CHECK(fly.recorded_argv().size() > 1);  // deployed once
    CHECK(elapsed < std::chrono::seconds(10));
}
