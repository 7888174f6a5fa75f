// Health endpoints that misbehave on purpose (tests/support/fault_server), checked through the real
// client (net::beast_client under engine::check_health) and through the real r1 binary: the right
// exit code, one clear line naming the cause, bounded time, and no descriptor left behind.
#include "engine/error.hpp"
#include "engine/health_check.hpp"
#include "net/beast_client.hpp"
#include "net/tls_verify_error.hpp"
#include "tests/faults/fault_support.hpp"
#include "tests/support/fault_server.hpp"
#include "tests/support/processes.hpp"
#include "tests/support/r1_process.hpp"
#include "tests/support/run.hpp"
#include "tests/support/test_pki.hpp"
#include "tests/support/trusting_tls.hpp"

#include <boost/asio/ssl/error.hpp>
#include <boost/beast/http/error.hpp>
#include <boost/json/parse.hpp>
#include <boost/json/value.hpp>
#include <catch2/catch.hpp>

#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509_vfy.h>

#include <chrono>
#include <optional>
#include <string>
#include <vector>

namespace asio = boost::asio;
using namespace std::chrono_literals;
using r1::test::fault;
using r1::test::fault_server;
using r1::test::fault_tls;
using r1::test::run_r1;
using sclock = std::chrono::steady_clock;
using r1::test::ca_path;

namespace {

/// One misbehaving endpoint and what r1 must make of it.
struct fault_case {
    std::string name;
    fault what;
    std::optional<fault_tls> tls;
    r1::error kind;         // check_health's verdict (exit 1 for each of them)
    std::string cause;      // the line's text after "GET <url>: "
    std::string expected_body = {};
    bool stalls = false;    // ends only at the deadline
};

fault_tls tls_with(r1::test::cert_and_key cert) { return fault_tls{.cert = std::move(cert)}; }

fault_tls tls_1_0_only() {
    return fault_tls{.min_version = TLS1_VERSION, .max_version = TLS1_VERSION, .seclevel0 = true};
}

std::vector<fault_case> transport_faults() {
    return {
        {"reset during the TLS handshake", fault::reset_in_handshake, fault_tls{}, r1::error::unavailable,
         "connection reset by peer"},
        {"reset after the request (http)", fault::reset_after_request, std::nullopt, r1::error::unavailable,
         "connection reset by peer"},
        {"reset after the request (https)", fault::reset_after_request, fault_tls{}, r1::error::unavailable,
         "connection reset by peer"},
        {"silent after accept", fault::silent, fault_tls{}, r1::error::timed_out, "timed out after deadline", {}, true},
        {"partial ServerHello, then silence", fault::partial_server_hello, fault_tls{}, r1::error::timed_out,
         "timed out after deadline", {}, true},
        {"garbage instead of HTTP (http)", fault::garbage, std::nullopt, r1::error::unavailable,
         "bad HTTP response: bad version"},
        {"garbage instead of HTTP (https)", fault::garbage, fault_tls{}, r1::error::unavailable,
         "bad HTTP response: bad version"},
        {"truncated body (http)", fault::truncated_body, std::nullopt, r1::error::unavailable,
         "connection closed before a complete response"},
        {"truncated body (https, no close_notify)", fault::truncated_body, fault_tls{}, r1::error::unavailable,
         "connection closed before a complete response"},
        {"expired certificate", fault::ok, tls_with(r1::test::pki().expired), r1::error::unavailable,
         "TLS: certificate verify failed: certificate has expired"},
        {"certificate not yet valid", fault::ok, tls_with(r1::test::pki().not_yet_valid), r1::error::unavailable,
         "TLS: certificate verify failed: certificate is not yet valid"},
        {"server offers only TLS 1.0", fault::ok, tls_1_0_only(), r1::error::unavailable,
         "TLS: no protocol version in common (r1 requires TLS 1.2 or newer)"},
        {"headers dripped forever (http)", fault::drip_headers, std::nullopt, r1::error::timed_out,
         "timed out after deadline", {}, true},
        {"headers dripped forever (https)", fault::drip_headers, fault_tls{}, r1::error::timed_out,
         "timed out after deadline", {}, true},
        {"body dripped forever (https)", fault::drip_body, fault_tls{}, r1::error::timed_out,
         "timed out after deadline", {}, true},
        {"64 MiB of chunk extension without a line end (http)", fault::chunk_extension_flood, std::nullopt,
         r1::error::unavailable, "bad HTTP response: chunk header longer than 32768 bytes"},
        {"64 MiB of chunk extension without a line end (https)", fault::chunk_extension_flood, fault_tls{},
         r1::error::unavailable, "bad HTTP response: chunk header longer than 32768 bytes"},
        {"an 8 KiB chunk extension", fault::long_chunk_extension, std::nullopt, r1::error::unavailable,
         "bad HTTP response: chunk extension longer than 4096 bytes"},
        {"64 MiB of trailer (http)", fault::trailer_flood, std::nullopt, r1::error::unavailable,
         "bad HTTP response: chunked trailer longer than 32768 bytes"},
        {"64 MiB of trailer (https)", fault::trailer_flood, fault_tls{}, r1::error::unavailable,
         "bad HTTP response: chunked trailer longer than 32768 bytes"},
    };
}

constexpr auto stall_budget = 1500ms;
constexpr auto answer_budget = 20s;  // a loaded machine; an answer comes long before

/// r1 --ca-file <test CA>, in process: the real beast_client under the real check_health.
struct checker {
    asio::ssl::context tls = r1::test::trusting_tls();
    r1::net::beast_client client{tls};

    r1::engine::health_report check(const std::string& url, std::chrono::milliseconds budget,
                                    std::string expected = "") {
        r1::engine::health_config cfg{.url = url,
                                      .expected_body = std::move(expected),
                                      .deadline = sclock::now() + budget,
                                      .user_agent = "r1-faults/1.0"};
        return r1::test::run(r1::engine::check_health(client, std::move(cfg)));
    }
};

std::vector<std::string> verify_only(const std::string& url, std::chrono::milliseconds timeout,
                                     const std::string& expected = "") {
    std::vector<std::string> a{"deploy", "--verify-only", "--health-url", url, "--ca-file", ca_path(),
                               "--timeout", std::to_string(timeout.count()) + "ms"};
    if (!expected.empty()) a.insert(a.end(), {"--expected-body", expected});
    return a;
}

}  // namespace

TEST_CASE("health faults: each transport fault is a clear one-line cause, in bounded time, leaking no descriptor",
          "[faults][health][client]") {
    checker c;
    (void)c.check("http://127.0.0.1:" + std::to_string(r1::test::refused_port()) + "/", 5s);  // warm up lazy state
    auto fds_before = r1::test::open_fd_count();
    for (const auto& fc : transport_faults()) {
        INFO(fc.name);
        fault_server server{fc.what, fc.tls};
        auto url = server.url();
        auto budget = fc.stalls ? std::chrono::milliseconds(stall_budget) : std::chrono::milliseconds(answer_budget);
        auto start = sclock::now();
        auto report = c.check(url, budget, fc.expected_body);
        auto elapsed = sclock::now() - start;
        CHECK(report.ec == fc.kind);
        CHECK(report.line == "health check: GET " + url + ": " + fc.cause);
        if (fc.stalls) {
            CHECK(elapsed >= stall_budget - 100ms);
            CHECK(elapsed < stall_budget + 3s);
        } else {
            CHECK(elapsed < 5s);
        }
        CHECK(server.connections() == 1);
    }
    CHECK(r1::test::open_fd_count() == fds_before);
}

TEST_CASE("health faults: r1 deploy --verify-only exits 1 with the cause on one line, within --timeout",
          "[faults][health][cli]") {
    for (const auto& fc : transport_faults()) {
        INFO(fc.name);
        fault_server server{fc.what, fc.tls};
        auto url = server.url();
        auto timeout = fc.stalls ? std::chrono::milliseconds(stall_budget) : std::chrono::milliseconds(answer_budget);
        auto start = sclock::now();
        auto r = run_r1({.args = verify_only(url, timeout, fc.expected_body), .timeout_ms = 60'000});
        auto elapsed = sclock::now() - start;
        INFO(r.err);
        CHECK(r.exit_code == 1);
        CHECK(r.out == "health check: GET " + url + ": " + fc.cause + "\n");
        CHECK(elapsed < (fc.stalls ? stall_budget + 4s : 10s));
    }
}

TEST_CASE("health faults: a body longer than its Content-Length is judged by the declared bytes only",
          "[faults][health][content-length]") {
    fault_server server{fault::body_longer_than_declared, fault_tls{}};
    checker c;
    SECTION("the declared body is what is judged") {
        auto report = c.check(server.url(), answer_budget, "OK");
        CHECK(report.healthy());
        CHECK(report.line == "health check: 200 OK (2 bytes)");
    }
    SECTION("bytes past the declared length are not searched") {
        auto report = c.check(server.url(), answer_budget, "NEEDLE");
        CHECK(report.ec == r1::error::unhealthy);
        CHECK(report.line == "health check: body missing expected substring \"NEEDLE\"");
    }
    SECTION("through the binary, over http and https") {
        fault_server plain{fault::body_longer_than_declared};
        for (const auto& url : {server.url(), plain.url()}) {
            INFO(url);
            auto ok = run_r1({.args = verify_only(url, answer_budget, "OK")});
            CHECK(ok.exit_code == 0);
            CHECK(ok.out == "health check: 200 OK (2 bytes)\n");
            auto missing = run_r1({.args = verify_only(url, answer_budget, "NEEDLE")});
            CHECK(missing.exit_code == 1);
            CHECK(missing.out == "health check: body missing expected substring \"NEEDLE\"\n");
        }
    }
}

TEST_CASE("health faults: 100 Continue and 103 Early Hints are read through to the final status",
          "[faults][health][interim]") {
    fault_server plain{fault::interim_responses};
    fault_server secure{fault::interim_responses, fault_tls{}};
    checker c;
    for (const auto& url : {plain.url(), secure.url()}) {
        INFO(url);
        auto report = c.check(url, answer_budget, "healthy");
        CHECK(report.healthy());
        CHECK(report.status == 200);
        CHECK(report.line == "health check: 200 OK (10 bytes)");
        auto r = run_r1({.args = verify_only(url, answer_budget, "healthy")});
        CHECK(r.exit_code == 0);
        CHECK(r.out == "health check: 200 OK (10 bytes)\n");
    }
}

TEST_CASE("health faults: r1 verify runs every fault in one batch, each task failed with its cause and reported",
          "[faults][health][batch]") {
    std::vector<std::unique_ptr<fault_server>> servers;
    std::vector<fault_case> cases = transport_faults();
    std::vector<std::string> args{"verify", "--ca-file", ca_path(), "--timeout", "1500ms", "--output", "json"};
    r1::test::temp_dir dir;
    auto report_path = (dir / "report.json").string();
    args.insert(args.end(), {"--report", report_path});
    for (const auto& fc : cases) {
        servers.push_back(std::make_unique<fault_server>(fc.what, fc.tls));
        args.push_back(servers.back()->url());
    }
    fault_server healthy{fault::ok, fault_tls{}};
    args.push_back(healthy.url());

    auto start = sclock::now();
    auto r = run_r1({.args = args, .timeout_ms = 60'000});
    auto elapsed = sclock::now() - start;
    INFO(r.out << r.err);
    CHECK(r.exit_code == 1);
    CHECK(elapsed < 15s);  // the stalls run side by side, each cut at 1.5 s

    auto report = boost::json::parse(r1::test::read_file(report_path));
    const auto& tasks = report.at("tasks").as_array();
    REQUIRE(tasks.size() == cases.size() + 1);
    for (std::size_t i = 0; i < cases.size(); ++i) {
        INFO(cases[i].name);
        CHECK(tasks[i].at("status") == "failed");
        CHECK(tasks[i].at("exit_code") == 1);
        std::string detail(tasks[i].at("detail").as_string());
        CHECK(detail.find(cases[i].cause) != std::string::npos);
        CHECK(detail.find('\n') == std::string::npos);
    }
    CHECK(tasks.back().at("status") == "ok");
    CHECK(report.at("counts").at("failed") == cases.size());
    CHECK(report.at("counts").at("ok") == 1);
}

TEST_CASE("health faults: 64 MiB of chunk extension or trailer fails at once with its cause, in bounded memory",
          "[faults][health][cli][security]") {
    for (auto what : {fault::chunk_extension_flood, fault::trailer_flood}) {
        for (bool tls : {false, true}) {
            fault_server server{what, tls ? std::optional<fault_tls>(fault_tls{}) : std::nullopt};
            auto url = server.url();
            INFO(url);
            auto start = sclock::now();
            auto r = run_r1({.args = verify_only(url, 20s), .timeout_ms = 60'000});
            auto elapsed = sclock::now() - start;
            CHECK(r.exit_code == 1);
            CHECK(r.out == "health check: GET " + url + ": bad HTTP response: " +
                               (what == fault::trailer_flood ? "chunked trailer" : "chunk header") +
                               " longer than 32768 bytes\n");
            CHECK(elapsed < 5s);  // not at the 20 s deadline
            CHECK(r.max_rss_kb < r1::test::faults::rss_ceiling_kb);
        }
    }
}

TEST_CASE("health faults: beast_client names certificate dates, old protocols and TLS truncation by their own codes",
          "[faults][health][client][codes]") {
    asio::ssl::context tls = r1::test::trusting_tls();
    r1::net::beast_client client{tls};
    auto get = [&](const std::string& url) {
        auto target = r1::net::parse_url(url);
        REQUIRE(target.has_value());
        r1::net::http_request req{.target = *target, .deadline = sclock::now() + answer_budget, .user_agent = "r1-faults"};
        auto res = r1::test::run(client.get(std::move(req)));
        REQUIRE(res.has_error());
        return res.error();
    };
    SECTION("expired") {
        fault_server server{fault::ok, tls_with(r1::test::pki().expired)};
        CHECK(get(server.url()) == r1::net::make_tls_verify_error(X509_V_ERR_CERT_HAS_EXPIRED));
        CHECK(server.requests() == 0);
    }
    SECTION("not yet valid") {
        fault_server server{fault::ok, tls_with(r1::test::pki().not_yet_valid)};
        CHECK(get(server.url()) == r1::net::make_tls_verify_error(X509_V_ERR_CERT_NOT_YET_VALID));
        CHECK(server.requests() == 0);
    }
    SECTION("TLS 1.0 only") {
        fault_server server{fault::ok, tls_1_0_only()};
        auto ec = get(server.url());
        REQUIRE(ec.category() == asio::error::get_ssl_category());
        CHECK(ERR_GET_REASON(static_cast<unsigned long>(ec.value())) == SSL_R_TLSV1_ALERT_PROTOCOL_VERSION);
        CHECK(server.requests() == 0);
    }
    SECTION("truncated body over TLS, no close_notify") {
        fault_server server{fault::truncated_body, fault_tls{}};
        CHECK(get(server.url()) == boost::beast::http::error::partial_message);
    }
}
