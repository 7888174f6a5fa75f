#include "providers/criteria.hpp"

#include "net/beast_client.hpp"
#include "tests/support/processes.hpp"
#include "tests/support/r1_process.hpp"
#include "tests/support/run.hpp"
#include "tests/support/test_pki.hpp"
#include "tests/support/tls_server.hpp"
#include "tests/support/trusting_tls.hpp"

#include <catch2/catch.hpp>

using namespace std::chrono_literals;
using r1::engine::failure_class;
using r1::test::tls_server;

namespace {

/// DEPLOY-HEALTH-200 against the real client and loopback server, trusting the test CA.
r1::engine::criterion_result evaluate(const std::string& url) {
    auto tls = r1::test::trusting_tls();
    r1::net::beast_client http{tls};
    r1::engine::steady_clock_source clock;
    r1::providers::health_criterion health{clock, http, {.url = url, .user_agent = "r1-test"}, 5s, false};
    return r1::test::run(health.evaluate());
}

}  // namespace

TEST_CASE("health_criterion: classifies what went wrong, structured causes first", "[providers][criteria]") {
    tls_server server;
    SECTION("a 503 is transient") {
        auto r = evaluate(server.https_url("/status/503"));
        CHECK_FALSE(r.passed);
        CHECK(r.fault.why.cls == failure_class::transient);
        CHECK(r.fault.why.signal == "http-503");
    }
    SECTION("a 429 carries its Retry-After") {
        auto r = evaluate(server.https_url("/retry-after"));
        CHECK(r.fault.why.signal == "http-429");
        REQUIRE(r.fault.retry_after);
        CHECK(*r.fault.retry_after == 7s);
    }
    SECTION("a refused connection is transient, from the error code") {
        auto r = evaluate("https://127.0.0.1:" + std::to_string(r1::test::refused_port()) + "/");
        CHECK(r.fault.why.cls == failure_class::transient);
        CHECK(r.fault.why.signal == "connection-refused");
        CHECK(r.fault.why.where == std::string_view::npos);  // decided without reading text
    }
    SECTION("a certificate for another host is permanent") {
        tls_server wrong{r1::test::server_cert::wrong_host};
        auto r = evaluate(wrong.https_url("/ok"));
        CHECK(r.fault.why.cls == failure_class::permanent);
        CHECK(r.fault.why.signal == "tls-verify");
    }
    SECTION("a 404 is permanent") {
        auto r = evaluate(server.https_url("/status/404"));
        CHECK(r.fault.why.cls == failure_class::permanent);
    }
    SECTION("healthy passes with the check's line") {
        auto r = evaluate(server.https_url("/ok"));
        CHECK(r.passed);
        CHECK(r.detail == "health check: 200 OK (10 bytes)");
    }
}

namespace {

/// DEPLOY-HEALTH-200 at the root of a loopback app whose every path answers what a file says.
struct app_server {
    tls_server server;
    r1::test::temp_dir files;
    app_server() { server.serve_files(files.path().string(), true); }
    void answer(const std::string& path, const std::string& what) { r1::test::write_file(files / path, what); }
    r1::engine::criterion_result evaluate(r1::providers::health_rules rules) {
        auto tls = r1::test::trusting_tls();
        r1::net::beast_client http{tls};
        r1::engine::steady_clock_source clock;
        r1::providers::health_criterion health{clock, http, {.url = server.https_url("/"), .user_agent = "r1-test"}, 5s,
                                               false, rules};
        return r1::test::run(health.evaluate());
    }
    std::vector<std::string> targets() const {
        std::vector<std::string> out;
        for (const auto& r : server.requests()) out.push_back(r.target);
        return out;
    }
};

}  // namespace

TEST_CASE("health_criterion: at the app's root, a 4xx sends the check down /healthz, /health, /livez+/readyz, /_health",
          "[providers][criteria][cascade]") {
    app_server app;
    r1::providers::health_rules cascade{.ttfb_sla = 0ms, .cascade = true};
    SECTION("the first health path that answers decides, and says so") {
        app.answer("_root", "404");
        app.answer("livez", "200");
        app.answer("readyz", "200");
        auto r = app.evaluate(cascade);
        CHECK(r.passed);
        CHECK(r.detail == "health check: 200 OK (10 bytes) at /livez+/readyz (/ answered 404)");
        CHECK(app.targets() == std::vector<std::string>{"/", "/healthz", "/health", "/livez", "/readyz"});
    }
    SECTION("a health path that answers 5xx is the app's word: it fails, nothing after it is tried") {
        app.answer("_root", "401");
        app.answer("health", "503");
        app.answer("_health", "200");
        auto r = app.evaluate(cascade);
        CHECK_FALSE(r.passed);
        CHECK(r.detail == "health check: got HTTP 503 (Service Unavailable) at /health (/ answered 401)");
        CHECK(r.fault.http_status == 503);
    }
    SECTION("liveness without readiness is not healthy") {
        app.answer("_root", "404");
        app.answer("livez", "200");
        app.answer("readyz", "503");
        CHECK_FALSE(app.evaluate(cascade).passed);
    }
    SECTION("no health path at all: the root's answer") {
        app.answer("_root", "404");
        auto r = app.evaluate(cascade);
        CHECK(r.detail == "health check: got HTTP 404 (Not Found) at /; none of /healthz, /health, /livez+/readyz, "
                          "/_health answered either");
        CHECK(app.targets() == std::vector<std::string>{"/", "/healthz", "/health", "/livez", "/_health"});
    }
    SECTION("a 5xx or a 429 at the root, or a given URL, is never cascaded") {
        app.answer("_root", "500");
        app.answer("healthz", "200");
        CHECK_FALSE(app.evaluate(cascade).passed);
        app.answer("_root", "429");
        CHECK_FALSE(app.evaluate(cascade).passed);
        app.answer("_root", "404");
        CHECK_FALSE(app.evaluate({}).passed);  // --health-url given: no cascade
        CHECK(app.targets() == std::vector<std::string>{"/", "/", "/"});
    }
}

TEST_CASE("health_criterion: response headers later than --ttfb-sla fail the check as slow, and are re-checked",
          "[providers][criteria][ttfb]") {
    app_server app;
    app.answer("_root", "200 1200");  // headers after 1.2 s
    SECTION("over the limit") {
        auto r = app.evaluate({.ttfb_sla = 500ms, .cascade = false});
        CHECK_FALSE(r.passed);
        INFO(r.detail);
        CHECK(r.detail.starts_with("health check: 200 OK (10 bytes); too slow: headers after 1s"));
        CHECK(r.detail.ends_with(", over --ttfb-sla 500ms"));
        CHECK(r.fault.why.signal == "slow");
        CHECK(r.fault.why.cls == failure_class::transient);
    }
    SECTION("within it") { CHECK(app.evaluate({.ttfb_sla = 3s, .cascade = false}).passed); }
}
