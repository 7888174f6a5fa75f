#include "net/beast_client.hpp"

#include "net/tls_context.hpp"
#include "net/tls_verify_error.hpp"
#include "tests/support/run.hpp"
#include "tests/support/trusting_tls.hpp"
#include "tests/support/test_pki.hpp"
#include "tests/support/tls_server.hpp"

#include <boost/asio/bind_cancellation_slot.hpp>
#include <boost/asio/cancellation_signal.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ssl/error.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/beast/http/error.hpp>
#include <catch2/catch.hpp>

#include <openssl/err.h>
#include <openssl/ssl.h>

#include <optional>

namespace asio = boost::asio;
using namespace std::chrono_literals;
using r1::net::beast_client;
using r1::net::http_request;
using r1::net::http_response;
using r1::test::server_cert;
using r1::test::tls_server;
using r1::test::trusting_tls;
using sclock = std::chrono::steady_clock;
using get_result = boost::system::result<http_response>;

namespace {

http_request request(const std::string& url, std::string expected = "", std::chrono::milliseconds budget = 5s) {
    auto target = r1::net::parse_url(url);
    REQUIRE(target.has_value());
    return {.target = *target,
            .deadline = sclock::now() + budget,
            .user_agent = "r1-test/1.0",
            .expected_substring = std::move(expected)};
}

/// A client that trusts the test CA (and the system store), as r1 --ca-file does.
struct trusting_client {
    asio::ssl::context tls = trusting_tls();
    beast_client client{tls};

    get_result get(http_request req) { return r1::test::run(client.get(std::move(req))); }
};

http_response ok(const get_result& r) {
    if (r.has_error()) FAIL("GET failed: " << r.error().message());
    return *r;
}

/// The handshake's verify failure, as the X509_V_ERR_* result that says which check failed.
bool is_verify_failure(const boost::system::error_code& ec) {
    return ec.category() == r1::net::tls_verify_category() && ec.value() != X509_V_OK;
}

asio::awaitable<get_result> cancellable_get(beast_client& client, http_request req) {
    // As r1's root does: let the first Ctrl-C (total cancellation) reach the GET.
    co_await asio::this_coro::reset_cancellation_state(asio::enable_total_cancellation());
    co_return co_await client.get(std::move(req));
}

}  // namespace

TEST_CASE("beast_client: reads status and reason and body of a 200 over https", "[net][beast_client]") {
    tls_server server;
    trusting_client c;
    auto res = ok(c.get(request(server.https_url("/ok"), "healthy")));
    CHECK(res.status == 200);
    CHECK(res.reason == "OK");
    CHECK(res.body_bytes == 10);
    CHECK(res.substring_found);
    CHECK_FALSE(res.body_capped);
    CHECK(res.location.empty());
    CHECK_FALSE(res.retry_after_seconds.has_value());

    auto seen = server.requests();
    REQUIRE(seen.size() == 1);
    CHECK(seen[0].target == "/ok");
    CHECK(seen[0].host == "localhost:" + std::to_string(server.https_port()));
    CHECK(seen[0].user_agent == "r1-test/1.0");
    CHECK(seen[0].accept == "*/*");
    CHECK(seen[0].connection == "close");
}

TEST_CASE("beast_client: speaks plain http to an http URL", "[net][beast_client][plain]") {
    tls_server server;
    trusting_client c;
    auto res = ok(c.get(request(server.http_url("/ok?x=1"), "OK")));
    CHECK(res.status == 200);
    CHECK(res.body_bytes == 10);
    CHECK(res.substring_found);
    auto seen = server.requests();
    REQUIRE(seen.size() == 1);
    CHECK(seen[0].target == "/ok?x=1");
    CHECK(seen[0].host == "127.0.0.1:" + std::to_string(server.http_port()));
}

TEST_CASE("beast_client: returns non-2xx statuses as data", "[net][beast_client][status]") {
    tls_server server;
    trusting_client c;
    SECTION("503") {
        auto res = ok(c.get(request(server.https_url("/status/503"))));
        CHECK(res.status == 503);
        CHECK(res.reason == "Service Unavailable");
    }
    SECTION("404") {
        auto res = ok(c.get(request(server.https_url("/no-such-page"))));
        CHECK(res.status == 404);
        CHECK(res.reason == "Not Found");
    }
}

TEST_CASE("beast_client: reports an empty body as zero bytes", "[net][beast_client][empty]") {
    tls_server server;
    trusting_client c;
    auto res = ok(c.get(request(server.https_url("/empty"), "OK")));
    CHECK(res.status == 200);
    CHECK(res.body_bytes == 0);
    CHECK_FALSE(res.substring_found);
}

TEST_CASE("beast_client: finds the substring anywhere in a 200 KiB chunked body", "[net][beast_client][substring]") {
    tls_server server;
    trusting_client c;
    const std::size_t total = tls_server::big_size;
    auto big = [&](std::size_t at) {
        return ok(c.get(request(server.https_url("/big?at=" + std::to_string(at)), std::string(tls_server::needle))));
    };
    // 16 KiB is the client's read buffer and 997 bytes the server's chunk size.
    for (std::size_t at : {std::size_t{0}, std::size_t{16 * 1024 - 4}, std::size_t{64 * 1024 - 5},
                           std::size_t{997 * 70 - 3}, total - tls_server::needle.size()}) {
        INFO("needle at " << at);
        auto res = big(at);
        CHECK(res.substring_found);
        CHECK(res.body_bytes == total);
    }
    SECTION("and says so when it is not there") {
        auto res = big(total);  // past the end: no needle
        CHECK_FALSE(res.substring_found);
        CHECK(res.body_bytes == total);
    }
}

TEST_CASE("beast_client: stops reading at max_body and marks the body capped", "[net][beast_client][max_body]") {
    tls_server server;
    trusting_client c;
    auto req = request(server.http_url("/big?at=5000"), std::string(tls_server::needle));
    req.max_body = 4000;
    auto res = ok(c.get(req));
    CHECK(res.body_capped);
    CHECK(res.body_bytes == 4000);
    CHECK_FALSE(res.substring_found);

    auto exact = request(server.http_url("/ok"));
    exact.max_body = 10;  // "OK healthy" is exactly 10 bytes: not capped
    auto whole = ok(c.get(exact));
    CHECK_FALSE(whole.body_capped);
    CHECK(whole.body_bytes == 10);
}

TEST_CASE("beast_client: returns a redirect with its Location and does not follow it", "[net][beast_client][redirect]") {
    tls_server server;
    trusting_client c;
    auto res = ok(c.get(request(server.https_url("/redirect"))));
    CHECK(res.status == 302);
    CHECK(res.location == "/ok");
    CHECK(server.requests().size() == 1);
}

TEST_CASE("beast_client: parses Retry-After given in seconds", "[net][beast_client][retry_after]") {
    tls_server server;
    trusting_client c;
    auto res = ok(c.get(request(server.https_url("/retry-after"))));
    CHECK(res.status == 429);
    REQUIRE(res.retry_after_seconds.has_value());
    CHECK(*res.retry_after_seconds == 7);
}

TEST_CASE("beast_client: takes a body ended by the connection closing even without close_notify",
          "[net][beast_client][eof_body]") {
    tls_server server;
    trusting_client c;
    for (const auto& url : {server.https_url("/no-length"), server.http_url("/no-length")}) {
        INFO(url);
        auto res = ok(c.get(request(url, "until")));
        CHECK(res.status == 200);
        CHECK(res.body_bytes == 14);
        CHECK(res.substring_found);
    }
}

TEST_CASE("beast_client: a reset connection comes back as connection_reset", "[net][beast_client][reset]") {
    tls_server server;
    trusting_client c;
    for (const auto& url : {server.http_url("/reset"), server.https_url("/reset")}) {
        INFO(url);
        auto res = c.get(request(url));
        REQUIRE(res.has_error());
        CHECK(res.error() == asio::error::connection_reset);
    }
}

TEST_CASE("beast_client: a closed port comes back as connection_refused", "[net][beast_client][refused]") {
    trusting_client c;
    auto port = std::to_string(r1::test::closed_port());
    for (const auto& url : {"http://127.0.0.1:" + port + "/", "https://localhost:" + port + "/"}) {
        INFO(url);
        auto res = c.get(request(url));
        REQUIRE(res.has_error());
        CHECK(res.error() == asio::error::connection_refused);
    }
}

TEST_CASE("beast_client: rejects a certificate issued for another host name", "[net][beast_client][tls][host]") {
    tls_server server{server_cert::wrong_host};
    trusting_client c;
    auto res = c.get(request(server.https_url("/ok")));
    REQUIRE(res.has_error());
    CHECK(is_verify_failure(res.error()));
    CHECK(res.error().value() == X509_V_ERR_HOSTNAME_MISMATCH);
    CHECK(server.requests().empty());
}

TEST_CASE("beast_client: rejects a certificate from an untrusted CA", "[net][beast_client][tls][ca]") {
    tls_server server{server_cert::untrusted_ca};
    trusting_client c;
    auto res = c.get(request(server.https_url("/ok")));
    REQUIRE(res.has_error());
    CHECK(is_verify_failure(res.error()));
    CHECK(res.error().value() == X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT_LOCALLY);
    CHECK(server.requests().empty());
}

TEST_CASE("beast_client: trusts the test CA only when given as the extra CA file", "[net][beast_client][tls][ca_file]") {
    tls_server server;
    auto system_only = r1::net::make_tls_context();
    REQUIRE(system_only.has_value());
    beast_client strict{*system_only};
    auto refused = r1::test::run(strict.get(request(server.https_url("/ok"))));
    REQUIRE(refused.has_error());
    CHECK(is_verify_failure(refused.error()));

    trusting_client c;
    CHECK(ok(c.get(request(server.https_url("/ok")))).status == 200);
}

TEST_CASE("beast_client: verifies an IP literal against the certificate's IP entry", "[net][beast_client][tls][ip]") {
    tls_server server;
    trusting_client c;
    CHECK(ok(c.get(request(server.https_url("/ok", "127.0.0.1")))).status == 200);
}

TEST_CASE("beast_client: oversized headers fail with Beast's header_limit", "[net][beast_client][headers]") {
    tls_server server;
    trusting_client c;
    for (const auto& url : {server.http_url("/huge-headers"), server.https_url("/huge-headers")}) {
        INFO(url);
        auto res = c.get(request(url));
        REQUIRE(res.has_error());
        CHECK(res.error() == boost::beast::http::error::header_limit);
    }
}

TEST_CASE("beast_client: the deadline bounds a drip-feeding server", "[net][beast_client][deadline]") {
    tls_server server;
    trusting_client c;
    for (const auto& url : {server.http_url("/drip"), server.https_url("/drip")}) {
        INFO(url);
        auto start = sclock::now();
        auto res = c.get(request(url, "", 700ms));
        auto elapsed = sclock::now() - start;
        REQUIRE(res.has_error());
        CHECK(res.error() == asio::error::timed_out);
        CHECK(elapsed >= 600ms);
        CHECK(elapsed < 2500ms);
    }
}

TEST_CASE("beast_client: a deadline already past fails at once with timed_out", "[net][beast_client][deadline][past]") {
    tls_server server;
    trusting_client c;
    auto req = request(server.https_url("/ok"));
    req.deadline = sclock::now() - 1s;
    auto start = sclock::now();
    auto res = c.get(req);
    REQUIRE(res.has_error());
    CHECK(res.error() == asio::error::timed_out);
    CHECK(sclock::now() - start < 1s);
}

TEST_CASE("beast_client: total cancellation aborts an in-flight GET promptly", "[net][beast_client][cancel]") {
    tls_server server;
    trusting_client c;
    for (const auto& url : {server.http_url("/drip"), server.https_url("/drip")}) {
        INFO(url);
        asio::io_context ctx;
        asio::cancellation_signal signal;
        std::optional<get_result> out;
        asio::co_spawn(ctx, cancellable_get(c.client, request(url, "", 30s)),
                       asio::bind_cancellation_slot(signal.slot(), [&](std::exception_ptr e, get_result r) {
                           if (e) std::rethrow_exception(e);
                           out = std::move(r);
                       }));
        asio::steady_timer timer{ctx, 300ms};
        timer.async_wait([&](boost::system::error_code) { signal.emit(asio::cancellation_type::total); });
        auto start = sclock::now();
        ctx.run();
        auto elapsed = sclock::now() - start;
        REQUIRE(out.has_value());
        REQUIRE(out->has_error());
        CHECK(out->error() == asio::error::operation_aborted);
        // Far below the request's 30 s deadline: the cancellation ended it, not the timeout. (1.5 s
        // was exceeded once at load 12; what is asserted is the cause, not a speed.)
        CHECK(elapsed < 5s);
    }
}
