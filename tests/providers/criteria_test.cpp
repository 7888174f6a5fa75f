#include "providers/criteria.hpp"

#include "net/beast_client.hpp"
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
