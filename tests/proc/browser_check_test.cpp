// Browser checks against real headless Chromium and real HTTPS pages on loopback: the page is first
// checked by r1's own HTTP check (which verifies its certificate), then loaded in the browser.
#include "engine/health_check.hpp"
#include "net/beast_client.hpp"
#include "proc/browser/chromium_checker.hpp"
#include "tests/support/chromium.hpp"
#include "tests/support/page_server.hpp"
#include "tests/support/processes.hpp"
#include "tests/support/run.hpp"
#include "tests/support/trusting_tls.hpp"

#include <catch2/catch.hpp>

#include <boost/asio/bind_cancellation_slot.hpp>
#include <boost/asio/cancellation_signal.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>

#include <atomic>
#include <csignal>
#include <functional>
#include <optional>
#include <set>
#include <thread>

namespace {

namespace asio = boost::asio;
namespace browser = r1::proc::browser;
using namespace std::chrono_literals;
using Catch::Matchers::Contains;
using Catch::Matchers::StartsWith;
using r1::test::page;
using r1::test::page_server;
using sclock = std::chrono::steady_clock;

/// r1's HTTP check of `url` (trusting the test CA, as --ca-file would), then the browser check
/// with the certificates it verified, then the loop's browser closed.
asio::awaitable<browser::page_report> verify_then_browse(browser::page_checker& checker, browser::check_request req) {
    auto tls = r1::test::trusting_tls();
    r1::net::beast_client http{tls};
    r1::engine::health_config cfg{req.url, "", sclock::now() + 10s, "r1-test"};
    auto health = co_await r1::engine::check_health(http, std::move(cfg));
    if (health.healthy()) req.trusted_spki = health.verified_spki;
    auto report = co_await checker.check(std::move(req));
    co_await checker.close();
    co_return report;
}

struct browsing {
    r1::test::temp_dir profiles;  // every profile of this test's browsers lives here
    page_server site;
    browser::chromium_checker checker{{r1::test::chromium_path(), 4, profiles.path().string()}};

    browser::page_report check(std::string path, browser::check_request req = {}) {
        req.url = site.url(path);
        if (req.timeout == 30s) req.timeout = 15s;
        auto report = r1::test::run(verify_then_browse(checker, std::move(req)));
        // Whatever happened, nothing of the browser is left: no process, no profile.
        CHECK(r1::test::processes_mentioning(profiles.path().string()).empty());
        CHECK(r1::test::empty_dir(profiles.path()));
        return report;
    }
};

std::string html(std::string body_and_scripts) {
    return "<!doctype html><html><head><title>t</title></head><body>" + body_and_scripts + "</body></html>";
}

}  // namespace

TEST_CASE("browser check: a clean page passes, with timings and a screenshot", "[proc][browser]") {
    browsing b;
    b.site.serve("/", {.body = html("<h1>hello</h1><script src=/app.js></script>")});
    b.site.serve("/app.js", {.body = "document.title = 'ok';", .content_type = "text/javascript"});
    r1::test::temp_dir logs;
    browser::check_request req;
    req.screenshot_path = (logs / "page.png").string();

    auto r = b.check("/", req);

    INFO(r.line);
    CHECK(r.passed());
    CHECK_THAT(r.line, StartsWith("browser check: OK, loaded in "));
    CHECK(r.findings.console_errors == 0);
    CHECK(r.findings.failed_request_count == 0);
    CHECK(r.findings.loaded);
    CHECK(r.findings.network_idle);
    CHECK(r.findings.document_status == 200);
    REQUIRE(r.findings.timings.ttfb_ms);
    REQUIRE(r.findings.timings.dom_content_loaded_ms);
    REQUIRE(r.findings.timings.load_ms);
    CHECK(*r.findings.timings.ttfb_ms <= *r.findings.timings.dom_content_loaded_ms);
    CHECK(*r.findings.timings.dom_content_loaded_ms <= *r.findings.timings.load_ms);
    CHECK(r.findings.screenshot == req.screenshot_path);
    CHECK(r1::test::read_file(req.screenshot_path).starts_with("\x89PNG\r\n"));
    CHECK(b.site.count("/app.js") == 1);
}

TEST_CASE("browser check: console.error fails the check, with its text and where it came from", "[proc][browser]") {
    browsing b;
    b.site.serve("/", {.body = html("<script>\nconsole.log('fine');\n  console.error('boom', 42, {a: 1});\n</script>")});

    SECTION("by default no console error is allowed") {
        auto r = b.check("/");
        CHECK(r.ec == r1::error::unhealthy);
        CHECK(r.line == "browser check: 1 console error");
        REQUIRE(r.findings.console.size() == 1);
        const auto& e = r.findings.console[0];
        CHECK(e.kind == "console.error");
        CHECK(e.text == "boom 42 Object");
        CHECK(e.source == b.site.url("/"));
        CHECK(e.line == 3);
        CHECK(e.column == 11);
        REQUIRE(!r.causes.empty());
        CHECK(r.causes[0] == "console.error: boom 42 Object (" + b.site.url("/") + ":3:11)");
    }
    SECTION("--max-console-errors 1 allows it, and the count is still reported") {
        browser::check_request req;
        req.rules.max_console_errors = 1;
        auto r = b.check("/", req);
        CHECK(r.passed());
        CHECK(r.findings.console_errors == 1);
        CHECK_THAT(r.line, Contains("1 console error allowed"));
    }
}

TEST_CASE("browser check: an uncaught exception and a rejected promise count as console errors", "[proc][browser]") {
    browsing b;
    b.site.serve("/", {.body = html("<script src=/bad.js></script><script>Promise.reject(new Error('nope'));</script>")});
    b.site.serve("/bad.js", {.body = "var x = 1;\nfunction f() { throw new TypeError('kaput'); }\nf();\n",
                             .content_type = "text/javascript"});

    auto r = b.check("/");

    CHECK(r.ec == r1::error::unhealthy);
    CHECK(r.findings.console_errors == 2);
    REQUIRE(r.findings.console.size() == 2);
    CHECK(r.findings.console[0].kind == "exception");
    CHECK(r.findings.console[0].text == "Uncaught TypeError: kaput");
    CHECK(r.findings.console[0].source == b.site.url("/bad.js"));
    CHECK(r.findings.console[0].line == 2);
    CHECK_THAT(r.findings.console[1].text, StartsWith("Uncaught (in promise) Error: nope"));
    CHECK_THAT(r.causes[0], StartsWith("uncaught exception: Uncaught TypeError: kaput (" + b.site.url("/bad.js") + ":2:"));
}

TEST_CASE("browser check: a 404 and a refused subresource are reported, and fail the check only when asked",
          "[proc][browser]") {
    browsing b;
    auto refused = "https://127.0.0.1:" + std::to_string(r1::test::closed_port()) + "/gone.png";
    b.site.serve("/", {.body = html("<script src=/missing.js></script><img src='" + refused + "'>")});

    SECTION("reported") {
        auto r = b.check("/");
        INFO(r.line);
        CHECK(r.passed());
        CHECK(r.findings.console_errors == 0);  // Chromium's "Failed to load resource" is not the page's console.error
        REQUIRE(r.findings.failed_request_count == 2);
        const auto& missing = r.findings.failed_requests[0].url.ends_with("/missing.js") ? r.findings.failed_requests[0]
                                                                                         : r.findings.failed_requests[1];
        const auto& gone = &missing == &r.findings.failed_requests[0] ? r.findings.failed_requests[1]
                                                                      : r.findings.failed_requests[0];
        CHECK(missing.status == 404);
        CHECK(missing.type == "Script");
        CHECK(gone.url == refused);
        CHECK(gone.status == 0);
        CHECK(gone.error == "net::ERR_CONNECTION_REFUSED");
        CHECK_THAT(r.line, Contains("2 failed requests"));
        CHECK(std::find(r.causes.begin(), r.causes.end(), "failed request: " + refused + ": net::ERR_CONNECTION_REFUSED") !=
              r.causes.end());
    }
    SECTION("--fail-on-request-errors") {
        browser::check_request req;
        req.rules.fail_on_request_errors = true;
        auto r = b.check("/", req);
        CHECK(r.ec == r1::error::unhealthy);
        CHECK(r.line == "browser check: 2 failed requests");
    }
}

TEST_CASE("browser check: a slow page that loads within the timeout passes, its TTFB measured", "[proc][browser]") {
    browsing b;
    b.site.serve("/", {.body = html("<p>slow</p>"), .delay = 1500ms});
    browser::check_request req;
    req.timeout = 10s;

    auto r = b.check("/", req);

    CHECK(r.passed());
    REQUIRE(r.findings.timings.ttfb_ms);
    CHECK(*r.findings.timings.ttfb_ms >= 1400);
}

TEST_CASE("browser check: a page that never finishes loading fails at --browser-timeout", "[proc][browser]") {
    browsing b;
    b.site.serve("/", {.body = html("<p>almost</p><img src=/never.png>")});
    b.site.serve("/never.png", {.hang = true});
    browser::check_request req;
    req.timeout = 2s;

    auto started = sclock::now();
    auto r = b.check("/", req);
    auto took = sclock::now() - started;

    CHECK(r.ec == r1::error::timed_out);
    CHECK(r.line == "browser check: page did not load within 2s");
    CHECK(!r.findings.loaded);
    CHECK(took < 8s);  // the timeout, a dispose grace and the HTTP check; never the image's hour
}

TEST_CASE("browser check: alert() is dismissed and the page goes on loading", "[proc][browser]") {
    browsing b;
    b.site.serve("/", {.body = html("<script>alert('hello'); confirm('sure?');</script><img src=/after.png>")});
    b.site.serve("/after.png", {.status = 204});

    auto r = b.check("/");

    CHECK(r.passed());
    REQUIRE(r.findings.refused.size() == 2);
    CHECK(r.findings.refused[0] == "dialog dismissed: alert(\"hello\")");
    CHECK(r.findings.refused[1] == "dialog dismissed: confirm(\"sure?\")");
    CHECK(b.site.count("/after.png") == 1);  // the script went on after the dialogs
}

TEST_CASE("browser check: a page that opens windows gets none, and the check passes", "[proc][browser]") {
    browsing b;
    b.site.serve("/", {.body = html("<a id=a href=/by-link target=_blank>x</a><script>"
                                    "window.open('/by-script'); document.getElementById('a').click();"
                                    "</script>")});
    b.site.serve("/by-script", {.body = html("popup")});
    b.site.serve("/by-link", {.body = html("popup")});

    auto r = b.check("/");

    CHECK(r.passed());
    CHECK(b.site.count("/by-script") == 0);
    CHECK(b.site.count("/by-link") == 0);
}

TEST_CASE("browser check: a huge DOM loads and is judged like any page", "[proc][browser]") {
    browsing b;
    std::string rows;
    rows.reserve(3'000'000);
    for (int i = 0; i < 50'000; ++i) rows += "<div class=r><span>row " + std::to_string(i) + "</span></div>";
    b.site.serve("/", {.body = html(rows + "<script>for (let i = 0; i < 100000; ++i) document.body.appendChild("
                                           "document.createElement('p'));</script>")});
    r1::test::temp_dir logs;
    browser::check_request req;
    req.screenshot_path = (logs / "huge.png").string();

    auto r = b.check("/", req);

    INFO(r.line);
    CHECK(r.passed());
    CHECK(r.findings.timings.load_ms);
    CHECK(r1::test::read_file(req.screenshot_path).starts_with("\x89PNG"));
}

TEST_CASE("browser check: a redirect chain is followed to the final page", "[proc][browser]") {
    browsing b;
    b.site.serve("/", {.status = 302, .location = "/a"});
    b.site.serve("/a", {.status = 301, .location = "/b"});
    b.site.serve("/b", {.status = 307, .location = b.site.url("/final", "127.0.0.1")});
    b.site.serve("/final", {.body = html("<p>here</p>")});

    auto r = b.check("/");

    INFO(r.line);
    CHECK(r.passed());
    CHECK(r.findings.final_url == b.site.url("/final", "127.0.0.1"));
    CHECK(r.findings.document_status == 200);
    CHECK(r.findings.failed_request_count == 0);
}

TEST_CASE("browser check: Chromium trusts exactly the certificates r1 verified, not its own store's absence of them",
          "[proc][browser]") {
    browsing b;
    page_server untrusted{r1::test::server_cert::untrusted_ca};
    untrusted.serve("/pixel.png", {.status = 204});
    b.site.serve("/", {.body = html("<img src='" + untrusted.url("/pixel.png") + "'>")});

    SECTION("the page's private-CA certificate, verified by r1, is accepted; another host's untrusted one is not") {
        auto r = b.check("/");
        INFO(r.line);
        CHECK(r.passed());
        REQUIRE(r.findings.failed_request_count == 1);
        CHECK(r.findings.failed_requests[0].url == untrusted.url("/pixel.png"));
        CHECK(r.findings.failed_requests[0].error == "net::ERR_CERT_AUTHORITY_INVALID");
        CHECK(untrusted.count("/pixel.png") == 0);
    }
    SECTION("without r1's verification Chromium refuses the private CA on its own") {
        browser::check_request req;
        req.url = b.site.url("/");
        req.timeout = 15s;
        auto r = r1::test::run([&]() -> asio::awaitable<browser::page_report> {
            auto report = co_await b.checker.check(req);  // no trusted_spki: r1 verified nothing
            co_await b.checker.close();
            co_return report;
        }());
        CHECK(r.ec == r1::error::unhealthy);
        CHECK(r.line == "browser check: page failed to load: net::ERR_CERT_AUTHORITY_INVALID");
        CHECK(r1::test::empty_dir(b.profiles.path()));
    }
}

TEST_CASE("browser check: Chromium killed mid-check is started again once; killed twice, the check fails",
          "[proc][browser]") {
    browsing b;
    b.site.serve("/", {.body = html("<p>slow</p>"), .delay = 2500ms});
    browser::check_request req;
    req.timeout = 30s;

    // Kills the browser process each time a new one appears, `times` times.
    auto killer = [&](int times) {
        return std::thread([&, times] {
            std::set<pid_t> killed;
            auto until = sclock::now() + 25s;
            while (static_cast<int>(killed.size()) < times && sclock::now() < until) {
                pid_t pid = r1::test::browser_process(b.profiles.path().string());
                // The first request for "/" is r1's own HTTP check; each later one is a browser's load.
                if (pid > 0 && !killed.contains(pid) && b.site.count("/") > killed.size() + 1) {
                    ::kill(pid, SIGKILL);
                    killed.insert(pid);
                }
                std::this_thread::sleep_for(20ms);
            }
        });
    };

    SECTION("once: the check runs again in a new browser and passes") {
        auto t = killer(1);
        auto r = b.check("/", req);
        t.join();
        INFO(r.line);
        CHECK(r.passed());
        CHECK(r.browser_restarts == 1);
    }
    SECTION("twice: the check fails with the cause") {
        auto t = killer(2);
        auto r = b.check("/", req);
        t.join();
        CHECK(r.ec == r1::error::unavailable);
        CHECK_THAT(r.line, StartsWith("browser check: chromium crashed twice: chromium was killed by signal 9"));
    }
}

TEST_CASE("browser check: an interrupt mid-check ends it at once and leaves no Chromium process", "[proc][browser]") {
    browsing b;
    b.site.serve("/", {.body = html("<img src=/never.png>")});
    b.site.serve("/never.png", {.hang = true});

    asio::io_context ctx;
    asio::cancellation_signal cancel;
    std::optional<browser::page_report> report;
    browser::check_request req;
    req.url = b.site.url("/");
    req.timeout = 60s;
    asio::co_spawn(ctx, verify_then_browse(b.checker, req),
                   asio::bind_cancellation_slot(cancel.slot(), [&](std::exception_ptr e, browser::page_report r) {
                       if (e) std::rethrow_exception(e);
                       report = std::move(r);
                   }));
    asio::steady_timer when{ctx};
    std::function<void(boost::system::error_code)> poll = [&](boost::system::error_code) {
        if (b.site.count("/never.png") > 0) {
            cancel.emit(asio::cancellation_type::total);
            return;
        }
        when.expires_after(20ms);
        when.async_wait(poll);
    };
    when.expires_after(20ms);
    when.async_wait(poll);
    auto started = sclock::now();
    ctx.run();

    REQUIRE(report);
    CHECK(report->ec == r1::error::interrupted);
    CHECK(report->line == "browser check: interrupted");
    CHECK(sclock::now() - started < 20s);
    CHECK(r1::test::processes_mentioning(b.profiles.path().string()).empty());
    CHECK(r1::test::empty_dir(b.profiles.path()));
}

TEST_CASE("browser check: a missing Chromium is found missing, with how to install it", "[proc][browser]") {
    CHECK(!browser::find_chromium("/nonexistent/chromium", "/usr/bin"));
    CHECK(!browser::find_chromium("", "/nonexistent"));
    CHECK(browser::chromium_missing_message("") ==
          "--browser needs Chromium: install it (apt-get install chromium) or pass --chromium PATH");
    CHECK(browser::find_chromium("", "/usr/bin:/bin") == std::optional<std::string>("/usr/bin/chromium"));
}

TEST_CASE("browser check: checks on one event loop share one browser, each in a context of its own", "[proc][browser]") {
    browsing b;
    // Storage left by an earlier check would show up as a console error.
    b.site.serve("/", {.body = html("<script>if (localStorage.getItem('seen') || document.cookie) console.error('state leaked');"
                                    "localStorage.setItem('seen', '1'); document.cookie = 'seen=1';</script>"),
                       .delay = 300ms});
    std::set<pid_t> browsers;
    std::atomic<bool> done{false};
    std::thread watch([&] {
        while (!done) {
            if (pid_t pid = r1::test::browser_process(b.profiles.path().string()); pid > 0) browsers.insert(pid);
            std::this_thread::sleep_for(10ms);
        }
    });
    auto reports = r1::test::run([&]() -> asio::awaitable<std::vector<browser::page_report>> {
        std::vector<browser::page_report> out;
        browser::check_request req;
        req.url = b.site.url("/");
        req.timeout = 15s;
        auto tls = r1::test::trusting_tls();
        r1::net::beast_client http{tls};
        r1::engine::health_config cfg{req.url, "", sclock::now() + 10s, "r1-test"};
        auto health = co_await r1::engine::check_health(http, std::move(cfg));
        req.trusted_spki = health.verified_spki;
        for (int i = 0; i < 3; ++i) out.push_back(co_await b.checker.check(req));
        co_await b.checker.close();
        co_return out;
    }());
    done = true;
    watch.join();

    REQUIRE(reports.size() == 3);
    for (const auto& r : reports) {
        INFO(r.line);
        CHECK(r.passed());
    }
    CHECK(browsers.size() == 1);
    CHECK(r1::test::processes_mentioning(b.profiles.path().string()).empty());
    CHECK(r1::test::empty_dir(b.profiles.path()));
}

TEST_CASE("browser check: a page whose script never returns fails at the timeout, and the next check still runs",
          "[proc][browser]") {
    browsing b;
    b.site.serve("/spin", {.body = html("<script>for (;;) {}</script>")});
    b.site.serve("/", {.body = html("<p>fine</p>")});
    browser::check_request spin;
    spin.url = b.site.url("/spin");
    spin.timeout = 2s;
    browser::check_request fine;
    fine.url = b.site.url("/");
    fine.timeout = 15s;
    auto started = sclock::now();
    auto reports = r1::test::run([&]() -> asio::awaitable<std::pair<browser::page_report, browser::page_report>> {
        auto tls = r1::test::trusting_tls();
        r1::net::beast_client http{tls};
        r1::engine::health_config cfg{fine.url, "", sclock::now() + 10s, "r1-test"};
        auto health = co_await r1::engine::check_health(http, std::move(cfg));
        spin.trusted_spki = fine.trusted_spki = health.verified_spki;
        auto first = co_await b.checker.check(spin);
        auto second = co_await b.checker.check(fine);
        co_await b.checker.close();
        co_return std::pair{std::move(first), std::move(second)};
    }());
    CHECK(reports.first.ec == r1::error::timed_out);
    CHECK(reports.first.line == "browser check: page did not load within 2s");
    CHECK(reports.second.passed());
    CHECK(sclock::now() - started < 20s);
    CHECK(r1::test::processes_mentioning(b.profiles.path().string()).empty());
    CHECK(r1::test::empty_dir(b.profiles.path()));
}
