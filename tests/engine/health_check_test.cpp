#include "engine/health_check.hpp"

#include "net/beast_client.hpp"
#include "net/tls_context.hpp"
#include "tests/support/run.hpp"
#include "tests/support/trusting_tls.hpp"
#include "tests/support/test_pki.hpp"
#include "tests/support/tls_server.hpp"

#include <boost/asio/bind_cancellation_slot.hpp>
#include <boost/asio/cancellation_signal.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <catch2/catch.hpp>

#include <deque>
#include <optional>

namespace asio = boost::asio;
using namespace std::chrono_literals;
using r1::engine::check_health;
using r1::engine::health_config;
using r1::engine::health_report;
using r1::test::server_cert;
using r1::test::tls_server;
using r1::test::trusting_tls;
using sclock = std::chrono::steady_clock;

namespace {

/// The real client, trusting the test CA as `r1 --ca-file` would.
struct checker {
    asio::ssl::context tls = trusting_tls();
    r1::net::beast_client http{tls};

    health_report check(std::string url, std::string expected = "", std::chrono::milliseconds budget = 5s) {
        return r1::test::run(check_health(http, config(std::move(url), std::move(expected), budget)));
    }

    static health_config config(std::string url, std::string expected, std::chrono::milliseconds budget) {
        return {.url = std::move(url),
                .expected_body = std::move(expected),
                .deadline = sclock::now() + budget,
                .user_agent = "r1-deploy/test (+health)"};
    }
};

/// Scripted replies, for responses the loopback server does not send.
class scripted_http final : public r1::net::http_client {
public:
    void reply(r1::net::http_response res) { replies_.push_back(std::move(res)); }
    asio::awaitable<boost::system::result<r1::net::http_response>> get(r1::net::http_request req) override {
        urls_.push_back(req.target.text());
        REQUIRE_FALSE(replies_.empty());
        auto res = replies_.front();
        replies_.pop_front();
        co_return res;
    }
    const std::vector<std::string>& urls() const noexcept { return urls_; }

private:
    std::deque<r1::net::http_response> replies_;
    std::vector<std::string> urls_;
};

health_report check_scripted(scripted_http& http, std::string url) {
    return r1::test::run(check_health(http, checker::config(std::move(url), "", 5s)));
}

}  // namespace

TEST_CASE("check_health: a 200 with a body is healthy and the line gives its size", "[engine][health]") {
    tls_server server;
    checker c;
    auto r = c.check(server.https_url("/ok"), "OK");
    CHECK(r.healthy());
    CHECK(r.status == 200);
    CHECK(r.line == "health check: 200 OK (10 bytes)");
    REQUIRE(server.requests().size() == 1);
    CHECK(server.requests()[0].user_agent == "r1-deploy/test (+health)");
}

TEST_CASE("check_health: a non-200 status is unhealthy and named with its reason", "[engine][health][status]") {
    tls_server server;
    checker c;
    auto r503 = c.check(server.https_url("/status/503"));
    CHECK(r503.ec == r1::error::unhealthy);
    CHECK(r503.status == 503);
    CHECK(r503.line == "health check: got HTTP 503 (Service Unavailable)");
    auto r404 = c.check(server.http_url("/status/404"));
    CHECK(r404.ec == r1::error::unhealthy);
    CHECK(r404.line == "health check: got HTTP 404 (Not Found)");
}

TEST_CASE("check_health: a 200 with an empty body is unhealthy", "[engine][health][empty]") {
    tls_server server;
    checker c;
    auto r = c.check(server.https_url("/empty"), "OK");
    CHECK(r.ec == r1::error::unhealthy);
    CHECK(r.line == "health check: 200 but empty body");
}

TEST_CASE("check_health: the expected substring is searched through the whole body", "[engine][health][substring]") {
    tls_server server;
    checker c;
    auto missing = c.check(server.https_url("/ok"), "OK\"quoted");
    CHECK(missing.ec == r1::error::unhealthy);
    CHECK(missing.line == "health check: body missing expected substring \"OK\"quoted\"");

    auto far = c.check(server.https_url("/big?at=70001"), std::string(tls_server::needle));
    CHECK(far.healthy());
    CHECK(far.line == "health check: 200 OK (204800 bytes)");
}

TEST_CASE("check_health: follows relative redirects, and from https to http only when allowed",
          "[engine][health][redirect]") {
    tls_server server;
    checker c;
    SECTION("relative") {
        auto r = c.check(server.https_url("/redirect"), "healthy");
        CHECK(r.healthy());
        CHECK(r.line == "health check: 200 OK (10 bytes)");
        auto seen = server.requests();
        REQUIRE(seen.size() == 2);
        CHECK(seen[1].target == "/ok");
    }
    SECTION("absolute, https to http: refused by default") {
        auto r = c.check(server.https_url("/to-http"));
        CHECK(r.ec == r1::error::unhealthy);
        CHECK(r.line == "health check: GET " + server.https_url("/to-http") + ": refused the redirect from https to " +
                            server.http_url("/ok") + " (--allow-insecure-redirects permits it)");
        CHECK(server.requests().size() == 1);
    }
    SECTION("absolute, https to http: allowed") {
        auto cfg = checker::config(server.https_url("/to-http"), "", 5s);
        cfg.allow_insecure_redirects = true;
        auto r = r1::test::run(check_health(c.http, std::move(cfg)));
        CHECK(r.healthy());
        CHECK(server.requests().size() == 2);
    }
    SECTION("ten hops is still fine") {
        auto r = c.check(server.https_url("/hops/10"));
        CHECK(r.healthy());
        CHECK(server.requests().size() == 11);
    }
}

TEST_CASE("check_health: a redirect loop fails at once", "[engine][health][redirect][loop]") {
    tls_server server;
    checker c;
    auto url = server.https_url("/loop");
    auto r = c.check(url);
    CHECK(r.ec == r1::error::unhealthy);
    CHECK(r.status == 302);
    CHECK(r.line == "health check: GET " + url + ": redirect loop");
    CHECK(server.requests().size() == 1);
}

TEST_CASE("check_health: stops after 10 redirects", "[engine][health][redirect][limit]") {
    tls_server server;
    checker c;
    auto r = c.check(server.http_url("/hops/11"));
    CHECK(r.ec == r1::error::unhealthy);
    CHECK(r.line == "health check: GET " + server.http_url("/hops/1") + ": stopped after 10 redirects");
    CHECK(server.requests().size() == 11);
}

TEST_CASE("check_health: transport failures are unavailable with a short cause", "[engine][health][transport]") {
    checker c;
    SECTION("refused") {
        auto url = "http://127.0.0.1:" + std::to_string(r1::test::closed_port()) + "/ok";
        auto r = c.check(url);
        CHECK(r.ec == r1::error::unavailable);
        CHECK(r.status == 0);
        CHECK(r.line == "health check: GET " + url + ": connection refused");
    }
    SECTION("reset") {
        tls_server server;
        auto r = c.check(server.https_url("/reset"));
        CHECK(r.ec == r1::error::unavailable);
        CHECK(r.line == "health check: GET " + server.https_url("/reset") + ": connection reset by peer");
    }
    SECTION("wrong host in the certificate") {
        tls_server server{server_cert::wrong_host};
        auto r = c.check(server.https_url("/ok"));
        CHECK(r.ec == r1::error::unavailable);
        CHECK(r.line ==
              "health check: GET " + server.https_url("/ok") + ": TLS: certificate verify failed: hostname mismatch");
    }
    SECTION("oversized headers") {
        tls_server server;
        auto r = c.check(server.https_url("/huge-headers"));
        CHECK(r.ec == r1::error::unavailable);
        CHECK(r.line == "health check: GET " + server.https_url("/huge-headers") +
                            ": bad HTTP response: header limit exceeded");
    }
}

TEST_CASE("check_health: a drip-feeding server is cut off at the deadline as timed_out", "[engine][health][deadline]") {
    tls_server server;
    checker c;
    auto start = sclock::now();
    auto r = c.check(server.https_url("/drip"), "", 500ms);
    CHECK(sclock::now() - start < 2500ms);
    CHECK(r.ec == r1::error::timed_out);
    CHECK(r.line == "health check: GET " + server.https_url("/drip") + ": timed out after deadline");
}

TEST_CASE("check_health: cancellation reports interrupted", "[engine][health][cancel]") {
    tls_server server;
    checker c;
    asio::io_context ctx;
    asio::cancellation_signal signal;
    std::optional<health_report> out;
    auto root = [](r1::net::http_client& http, health_config cfg) -> asio::awaitable<health_report> {
        co_await asio::this_coro::reset_cancellation_state(asio::enable_total_cancellation());
        co_return co_await check_health(http, std::move(cfg));
    };
    asio::co_spawn(ctx, root(c.http, checker::config(server.https_url("/drip"), "", 30s)),
                   asio::bind_cancellation_slot(signal.slot(), [&](std::exception_ptr e, health_report r) {
                       if (e) std::rethrow_exception(e);
                       out = std::move(r);
                   }));
    asio::steady_timer timer{ctx, 200ms};
    timer.async_wait([&](boost::system::error_code) { signal.emit(asio::cancellation_type::total); });
    ctx.run();
    REQUIRE(out.has_value());
    CHECK(out->ec == r1::error::interrupted);
    CHECK(out->line == "health check: GET " + server.https_url("/drip") + ": interrupted");
}

TEST_CASE("check_health: an invalid URL is a usage error and never shows credentials", "[engine][health][usage]") {
    checker c;
    auto ftp = c.check("ftp://example.com/");
    CHECK(ftp.ec == r1::error::usage);
    CHECK(ftp.line == "health check: invalid URL ftp://example.com/: URL must start with http:// or https://");

    auto secret = c.check("https://deploy:s3cr3t@example.com/healthz");
    CHECK(secret.ec == r1::error::usage);
    CHECK(secret.line.find("s3cr3t") == std::string::npos);
    CHECK(secret.line.starts_with("health check: invalid URL https://***@example.com/healthz: "));
}

TEST_CASE("check_health: uses the server's reason phrase or else the standard one", "[engine][health][reason]") {
    scripted_http http;
    http.reply({.status = 503, .reason = "Down For Maintenance"});
    http.reply({.status = 503});
    http.reply({.status = 598});
    http.reply({.status = 500, .reason = "evil\x1b[31m\nline"});
    CHECK(check_scripted(http, "https://a.example/").line == "health check: got HTTP 503 (Down For Maintenance)");
    CHECK(check_scripted(http, "https://a.example/").line == "health check: got HTTP 503 (Service Unavailable)");
    CHECK(check_scripted(http, "https://a.example/").line == "health check: got HTTP 598");
    auto hostile = check_scripted(http, "https://a.example/");
    CHECK(hostile.line.find('\n') == std::string::npos);
    CHECK(hostile.line.find('\x1b') == std::string::npos);
}

TEST_CASE("check_health: a redirect to an unusable Location is unhealthy", "[engine][health][redirect][bad]") {
    scripted_http http;
    http.reply({.status = 301, .location = "ftp://files.example/"});
    auto r = check_scripted(http, "https://a.example/");
    CHECK(r.ec == r1::error::unhealthy);
    CHECK(r.line == "health check: GET https://a.example/: redirect to an unusable Location ftp://files.example/");
}

TEST_CASE("check_health: a 3xx without Location or one not followed is judged as a status",
          "[engine][health][redirect][status]") {
    scripted_http http;
    http.reply({.status = 302});
    http.reply({.status = 304, .location = "/x"});
    CHECK(check_scripted(http, "https://a.example/").line == "health check: got HTTP 302 (Found)");
    CHECK(check_scripted(http, "https://a.example/").line == "health check: got HTTP 304 (Not Modified)");
    CHECK(http.urls().size() == 2);
}
