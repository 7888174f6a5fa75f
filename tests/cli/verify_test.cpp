#include "tests/support/fake_flyctl.hpp"
#include "tests/support/r1_process.hpp"
#include "tests/support/test_pki.hpp"
#include "tests/support/tls_server.hpp"

#include <catch2/catch.hpp>

#include <chrono>

using namespace std::chrono_literals;
using r1::test::run_r1;
using r1::test::tls_server;

namespace {

std::vector<std::string> verify_args(const std::string& url, std::vector<std::string> extra = {}) {
    std::vector<std::string> a{"deploy", "--verify-only", "--health-url", url, "--ca-file",
                               r1::test::pki().ca_file.string()};
    a.insert(a.end(), extra.begin(), extra.end());
    return a;
}

}  // namespace

TEST_CASE("r1 verify-only: a healthy HTTPS endpoint exits 0 with one line", "[cli][verify][tls]") {
    tls_server server;
    auto r = run_r1({.args = verify_args(server.https_url("/ok"), {"--expected-body", "healthy"})});
    CHECK(r.exit_code == 0);
    CHECK(r.out == "health check: 200 OK (10 bytes)\n");
    CHECK(r.err.empty());
    auto seen = server.requests();
    REQUIRE(seen.size() == 1);
    CHECK(seen[0].user_agent == "r1-deploy/" + std::string(R1_VERSION) + " (+health)");
}

TEST_CASE("r1 verify-only: unhealthy answers exit 1 and say why", "[cli][verify][tls]") {
    tls_server server;
    SECTION("503") {
        auto r = run_r1({.args = verify_args(server.https_url("/status/503"))});
        CHECK(r.exit_code == 1);
        CHECK(r.out == "health check: got HTTP 503 (Service Unavailable)\n");
    }
    SECTION("empty body") {
        auto r = run_r1({.args = verify_args(server.https_url("/empty"))});
        CHECK(r.exit_code == 1);
        CHECK(r.out == "health check: 200 but empty body\n");
    }
    SECTION("substring missing") {
        auto r = run_r1({.args = verify_args(server.https_url("/ok"), {"--expected-body", "READY"})});
        CHECK(r.exit_code == 1);
        CHECK(r.out == "health check: body missing expected substring \"READY\"\n");
    }
    SECTION("plain http works too") {
        auto r = run_r1({.args = verify_args(server.http_url("/status/404"))});
        CHECK(r.exit_code == 1);
        CHECK(r.out == "health check: got HTTP 404 (Not Found)\n");
    }
}

TEST_CASE("r1 verify-only: trust comes from the system store, SSL_CERT_FILE or --ca-file", "[cli][verify][tls]") {
    tls_server server;
    auto url = server.https_url("/ok");
    SECTION("the test CA is not trusted by default") {
        auto r = run_r1({.args = {"deploy", "--verify-only", "--health-url", url}});
        CHECK(r.exit_code == 1);
        CHECK(r.out.starts_with("health check: GET " + url + ": "));
    }
    SECTION("SSL_CERT_FILE is honoured") {
        auto r = run_r1({.args = {"deploy", "--verify-only", "--health-url", url},
                         .env = {{"SSL_CERT_FILE", r1::test::pki().ca_file.string()}}});
        CHECK(r.exit_code == 0);
    }
    SECTION("a certificate for another host fails even with a trusted CA") {
        tls_server wrong{r1::test::server_cert::wrong_host};
        auto r = run_r1({.args = verify_args(wrong.https_url("/ok"))});
        CHECK(r.exit_code == 1);
    }
}

TEST_CASE("r1 verify-only: --timeout bounds a drip-feeding server", "[cli][verify][deadline]") {
    tls_server server;
    auto start = std::chrono::steady_clock::now();
    auto r = run_r1({.args = verify_args(server.https_url("/drip"), {"--timeout", "1s"})});
    CHECK(r.exit_code == 1);
    CHECK(std::chrono::steady_clock::now() - start < 4s);
    CHECK(r.out.find("health check: GET ") == 0);
}

TEST_CASE("r1 deploy: a successful flyctl deploy with a healthy endpoint exits 0", "[cli][deploy][tls]") {
    tls_server server;
    r1::test::fake_flyctl fly;
    auto run = [&](const std::string& path) {
        return run_r1({.args = {"deploy", "--app", "demo-app", "--retries", "0", "--flyctl", fly.path(), "--health-url",
                                server.https_url(path), "--ca-file", r1::test::pki().ca_file.string()},
                       .env = {{"FAKE_FLY_RECORD", fly.record_dir()}}});
    };
    auto healthy = run("/redirect");
    CHECK(healthy.exit_code == 0);
    CHECK(healthy.out == "health check: 200 OK (10 bytes)\n");
    CHECK(healthy.err.find("==> Building image") != std::string::npos);
    auto unhealthy = run("/status/502");
    CHECK(unhealthy.exit_code == 1);
    CHECK(unhealthy.out == "health check: got HTTP 502 (Bad Gateway)\n");
}
