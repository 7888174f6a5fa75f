// The pure half of the DevTools client: pipe framing, message parsing, the page observer, the verdict.
#include "proc/browser/cdp_message.hpp"
#include "proc/browser/findings.hpp"
#include "proc/browser/page_observer.hpp"

#include <catch2/catch.hpp>

#include <boost/json/parse.hpp>

namespace {

namespace browser = r1::proc::browser;
namespace json = boost::json;

json::object obj(std::string_view text) { return json::parse(text).as_object(); }

}  // namespace

TEST_CASE("frame_reader: messages split anywhere across reads come out whole, in order", "[proc][cdp]") {
    std::string stream = std::string("{\"id\":1}") + '\0' + "{\"method\":\"A\"}" + '\0' + "{\"id\":2}" + '\0';
    for (std::size_t step = 1; step <= stream.size(); ++step) {
        browser::frame_reader r;
        std::vector<std::string> got;
        for (std::size_t at = 0; at < stream.size(); at += step) {
            r.feed(std::string_view(stream).substr(at, step));
            while (auto m = r.next()) got.push_back(*m);
        }
        REQUIRE(got == std::vector<std::string>{"{\"id\":1}", "{\"method\":\"A\"}", "{\"id\":2}"});
        CHECK(r.buffered() == 0);
    }
}

TEST_CASE("frame_reader: a message over the limit is dropped whole and reading goes on", "[proc][cdp]") {
    browser::frame_reader r{10};
    r.feed(std::string(25, 'x'));
    CHECK(!r.next());
    CHECK(r.buffered() == 0);  // not kept while it grows
    r.feed(std::string(30, 'y') + '\0' + "{\"id\":3}" + '\0');
    auto m = r.next();
    REQUIRE(m);
    CHECK(*m == "{\"id\":3}");
    CHECK(r.skipped() == 1);
}

TEST_CASE("parse_message: responses, errors and events; anything else is refused", "[proc][cdp]") {
    auto res = browser::parse_message(R"({"id":7,"result":{"targetId":"T"},"sessionId":"S"})");
    REQUIRE(res);
    CHECK(res->id == 7u);
    CHECK(res->session_id == "S");
    CHECK(browser::string_at(res->body, "targetId") == "T");
    auto err = browser::parse_message(R"({"id":8,"error":{"code":-32000,"message":"No target with given id"}})");
    REQUIRE(err);
    CHECK(err->error == "No target with given id");
    auto ev = browser::parse_message(R"({"method":"Page.loadEventFired","params":{"timestamp":1.5}})");
    REQUIRE(ev);
    CHECK(!ev->id);
    CHECK(ev->method == "Page.loadEventFired");
    for (auto bad : {"", "[]", "{}", "{\"id\":-1}", "{\"id\":\"x\"}", "{\"method\":3}", "{\"id\":1", "null"})
        CHECK(!browser::parse_message(bad));
    auto cmd = browser::encode_command(5, "Page.navigate", obj(R"({"url":"https://x/"})"), "S1");
    CHECK(cmd == std::string(R"({"id":5,"method":"Page.navigate","params":{"url":"https://x/"},"sessionId":"S1"})") + '\0');
}

TEST_CASE("page_observer: only the main frame's current document settles the page", "[proc][cdp]") {
    browser::page_observer p{"T"};
    // The blank page's late lifecycle events (another loader) must not count.
    p.on_event("Page.lifecycleEvent", obj(R"({"frameId":"T","loaderId":"OLD","name":"load"})"));
    p.on_event("Page.lifecycleEvent", obj(R"({"frameId":"T","loaderId":"OLD","name":"networkIdle"})"));
    CHECK(!p.settled());
    p.on_event("Page.frameNavigated", obj(R"({"frame":{"id":"T","loaderId":"L1","url":"https://x/"}})"));
    p.on_event("Page.lifecycleEvent", obj(R"({"frameId":"CHILD","loaderId":"L1","name":"load"})"));
    p.on_event("Page.lifecycleEvent", obj(R"({"frameId":"T","loaderId":"L1","name":"load"})"));
    CHECK(!p.settled());
    p.on_event("Page.lifecycleEvent", obj(R"({"frameId":"T","loaderId":"L1","name":"networkIdle"})"));
    CHECK(p.settled());
    // A script navigation starts over.
    p.on_event("Page.frameNavigated", obj(R"({"frame":{"id":"T","loaderId":"L2","url":"https://x/next"}})"));
    CHECK(!p.settled());
    CHECK(p.findings().final_url == "https://x/next");
}

TEST_CASE("page_observer: failed requests, without the favicon, cancellations or redirects", "[proc][cdp]") {
    browser::page_observer p{"T"};
    p.on_event("Network.requestWillBeSent", obj(R"({"requestId":"1","type":"Script","request":{"url":"https://x/a.js"}})"));
    p.on_event("Network.requestWillBeSent", obj(R"({"requestId":"1","type":"Script","request":{"url":"https://x/b.js"},"redirectResponse":{"status":302}})"));
    p.on_event("Network.responseReceived", obj(R"({"requestId":"1","type":"Script","response":{"url":"https://x/b.js","status":500,"statusText":""}})"));
    p.on_event("Network.requestWillBeSent", obj(R"({"requestId":"2","type":"Other","request":{"url":"https://x/favicon.ico"}})"));
    p.on_event("Network.responseReceived", obj(R"({"requestId":"2","type":"Other","response":{"url":"https://x/favicon.ico","status":404}})"));
    p.on_event("Network.requestWillBeSent", obj(R"({"requestId":"3","type":"Fetch","request":{"url":"https://x/api"}})"));
    p.on_event("Network.loadingFailed", obj(R"({"requestId":"3","type":"Fetch","errorText":"net::ERR_ABORTED","canceled":true})"));
    p.on_event("Network.requestWillBeSent", obj(R"({"requestId":"4","type":"Image","request":{"url":"http://x/i.png"}})"));
    p.on_event("Network.loadingFailed", obj(R"({"requestId":"4","type":"Image","errorText":"net::ERR_BLOCKED_BY_CLIENT","blockedReason":"mixed-content"})"));
    const auto& f = p.findings();
    REQUIRE(f.failed_request_count == 2);
    CHECK(browser::describe(f.failed_requests[0]) == "https://x/b.js: HTTP 500 (Internal Server Error)");
    CHECK(browser::describe(f.failed_requests[1]) == "http://x/i.png: net::ERR_BLOCKED_BY_CLIENT (blocked: mixed-content)");
}

TEST_CASE("page_observer: console arguments read as DevTools shows them, one bounded printable line", "[proc][cdp]") {
    browser::page_observer p{"T"};
    p.on_event("Runtime.consoleAPICalled", obj(R"({"type":"log","args":[{"type":"string","value":"not an error"}]})"));
    p.on_event("Runtime.consoleAPICalled", obj(R"j({"type":"error","args":[
        {"type":"string","value":"a\nb\u001b[31m"},{"type":"number","value":3.5},{"type":"undefined"},
        {"type":"object","subtype":"null","value":null},{"type":"bigint","unserializableValue":"10n"},
        {"type":"object","className":"Error","description":"Error: x\n    at f (https://x/a.js:1:1)"}]})j"));
    p.on_event("Runtime.consoleAPICalled", obj(R"({"type":"assert","args":[]})"));
    p.on_event("Runtime.consoleAPICalled",
               obj("{\"type\":\"error\",\"args\":[{\"type\":\"string\",\"value\":\"" + std::string(5000, 'z') + "\"}]}"));
    const auto& f = p.findings();
    REQUIRE(f.console_errors == 3);
    CHECK(f.console[0].text == "a\xEF\xBF\xBD" "b 3.5 undefined null 10n Error: x");
    CHECK(f.console[1].text == "Assertion failed");
    CHECK(f.console[2].text == std::string(300, 'z') + "...");
}

TEST_CASE("judge_page: the verdict line and its causes", "[proc][cdp]") {
    using namespace std::chrono_literals;
    browser::page_findings f;
    f.loaded = f.network_idle = true;
    f.timings.load_ms = 123.4;
    CHECK(browser::judge_page(f, {}, true, 30s).line == "browser check: OK, loaded in 123 ms");

    f.console_errors = 25;
    for (int i = 0; i < 20; ++i) f.console.push_back({"console.error", "e" + std::to_string(i), "", 0, 0});
    f.failed_request_count = 1;
    f.failed_requests.push_back({"https://x/a.js", "Script", 404, ""});
    auto r = browser::judge_page(f, {.max_console_errors = 3, .fail_on_request_errors = true}, true, 30s);
    CHECK(r.ec == r1::error::unhealthy);
    CHECK(r.line == "browser check: 25 console errors (at most 3 allowed); 1 failed request");
    CHECK(r.causes[20] == "... and 5 more console errors");
    CHECK(r.causes[21] == "failed request: https://x/a.js: HTTP 404 (Not Found)");

    browser::page_findings never;
    auto t = browser::judge_page(never, {}, false, 1500ms);
    CHECK(t.ec == r1::error::timed_out);
    CHECK(t.line == "browser check: page did not load within 1s500ms");
}
