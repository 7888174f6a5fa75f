#include "proc/browser/page_check.hpp"

#include "proc/browser/page_observer.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/json/value.hpp>

#include <optional>
#include <utility>
#include <vector>

namespace r1::proc::browser {
namespace {

namespace asio = boost::asio;
namespace json = boost::json;
using sclock = std::chrono::steady_clock;

/// The main document's Navigation Timing entry as JSON text (null when there is none).
constexpr const char* timings_expression =
    "JSON.stringify(performance.getEntriesByType('navigation')[0] || null)";

enum class stop { none, deadline, interrupted, browser_gone };

/// One check's conversation with the browser: commands, and the events that arrive meanwhile.
class conversation {
public:
    conversation(std::shared_ptr<browser> b, std::shared_ptr<inbox> box, page_observer& seen, const asio::cancellation_state& cs)
        : b_(std::move(b)), box_(std::move(box)), seen_(seen), cs_(cs) {}

    /// Sends a command and waits for its answer, handling events as they come. nullopt with `why`
    /// set when the deadline, an interrupt or the browser's end came first; `error` set when the
    /// browser refused the command.
    std::optional<json::object> result;
    std::string error;
    stop why = stop::none;

    /// Sends a command (not a coroutine: its arguments are only read here).
    std::uint64_t send(std::string_view method, const json::object& params, bool on_page) {
        return b_->send(box_, method, params, on_page ? session_ : std::string());
    }

    /// Waits for command `id`'s answer, handling events meanwhile.
    asio::awaitable<void> wait(std::uint64_t id, sclock::time_point deadline, bool watch_interrupt = true) {
        result.reset();
        error.clear();
        why = stop::none;
        co_await pump(deadline, watch_interrupt, id);
    }

    /// Waits until the page has settled, handling its events.
    asio::awaitable<void> settle(sclock::time_point deadline) {
        why = stop::none;
        co_await pump(deadline, true, 0);
    }

    std::string session_;

private:
    /// Drains the inbox until command `id` has answered (0: until the page has settled).
    asio::awaitable<void> pump(sclock::time_point deadline, bool watch_interrupt, std::uint64_t id) {
        for (;;) {
            while (!box_->messages.empty()) {
                auto m = std::move(box_->messages.front());
                box_->messages.pop_front();
                if (m.id) {
                    if (id != 0 && *m.id == id) {
                        if (m.error)
                            error = *m.error;
                        else
                            result = std::move(m.body);
                        co_return;
                    }
                    continue;  // the answer to a reply we sent (a dialog dismissed, a window closed)
                }
                if (auto reply = seen_.on_event(m.method, m.body))
                    b_->send(box_, reply->method, reply->params, reply->to_browser ? std::string() : session_);
            }
            if (id == 0 && seen_.settled()) co_return;
            if (!b_->alive()) {
                why = stop::browser_gone;
                co_return;
            }
            if (watch_interrupt && cs_.cancelled() != asio::cancellation_type::none) {
                why = stop::interrupted;
                co_return;
            }
            if (sclock::now() >= deadline) {
                why = stop::deadline;
                co_return;
            }
            box_->wake.expires_at(deadline);
            co_await box_->wake.async_wait(asio::as_tuple(asio::use_awaitable));
        }
    }

    std::shared_ptr<browser> b_;
    std::shared_ptr<inbox> box_;
    page_observer& seen_;
    const asio::cancellation_state& cs_;
};

/// Standard base64, as Page.captureScreenshot sends its PNG; nullopt on a malformed input.
std::optional<std::string> from_base64(std::string_view in) {
    auto value = [](char c) -> int {
        if (c >= 'A' && c <= 'Z') return c - 'A';
        if (c >= 'a' && c <= 'z') return c - 'a' + 26;
        if (c >= '0' && c <= '9') return c - '0' + 52;
        if (c == '+') return 62;
        if (c == '/') return 63;
        return -1;
    };
    std::string out;
    out.reserve(in.size() / 4 * 3);
    unsigned acc = 0;
    int bits = 0;
    std::size_t i = 0;
    for (; i < in.size() && in[i] != '='; ++i) {
        int v = value(in[i]);
        if (v < 0) return std::nullopt;
        acc = (acc << 6) | static_cast<unsigned>(v);
        bits += 6;
        if (bits >= 8) {
            bits -= 8;
            out.push_back(static_cast<char>((acc >> bits) & 0xFF));
        }
    }
    for (; i < in.size(); ++i)
        if (in[i] != '=') return std::nullopt;
    return out;
}

}  // namespace

asio::awaitable<page_check_result> run_page_check(std::shared_ptr<browser> b, page_check_request req) {
    co_await asio::this_coro::reset_cancellation_state(asio::enable_total_cancellation());
    co_await asio::this_coro::throw_if_cancelled(false);  // the context is disposed of below, cancelled or not
    auto cs = co_await asio::this_coro::cancellation_state;
    auto ex = co_await asio::this_coro::executor;

    page_check_result out;
    auto box = std::make_shared<inbox>(ex);
    page_observer seen{""};
    conversation talk{b, box, seen, cs};
    b->listen(box);

    auto stopped = [&](const conversation& t) {
        switch (t.why) {
        case stop::none: return false;
        case stop::deadline: out.in_time = false; break;
        case stop::interrupted: out.interrupted = true; break;
        case stop::browser_gone: out.browser_died = true; break;
        }
        return true;
    };
    auto refused = [&](const char* what) { out.failure = std::string(what) + " refused: " + talk.error; };

    std::string context_id;
    std::string target_id;
    // Each step either succeeds or says why the check ends; the context is disposed of below either
    // way. Commands are built as named objects before the co_await (see CMakeLists.txt on GCC 12).
    auto steps = [&]() -> asio::awaitable<void> {
        json::object params{{"disposeOnDetach", true}};
        co_await talk.wait(talk.send("Target.createBrowserContext", params, false), req.deadline);
        if (stopped(talk)) co_return;
        if (!talk.result) co_return refused("Target.createBrowserContext");
        context_id = std::string(string_at(*talk.result, "browserContextId"));

        // Downloads are refused for the whole context; Chromium still tells us one was attempted.
        params = {{"behavior", "deny"}, {"browserContextId", context_id}, {"eventsEnabled", true}};
        co_await talk.wait(talk.send("Browser.setDownloadBehavior", params, false), req.deadline);
        if (stopped(talk)) co_return;

        params = {{"url", "about:blank"}, {"browserContextId", context_id}};
        co_await talk.wait(talk.send("Target.createTarget", params, false), req.deadline);
        if (stopped(talk)) co_return;
        if (!talk.result) co_return refused("Target.createTarget");
        target_id = std::string(string_at(*talk.result, "targetId"));
        seen = page_observer{target_id};

        params = {{"targetId", target_id}, {"flatten", true}};
        co_await talk.wait(talk.send("Target.attachToTarget", params, false), req.deadline);
        if (stopped(talk)) co_return;
        if (!talk.result) co_return refused("Target.attachToTarget");
        talk.session_ = std::string(string_at(*talk.result, "sessionId"));
        b->route(talk.session_, box);

        // Auto-attach announces the windows the page opens (the popup blocker stops most), so they
        // can be closed; they are not held at start, since cross-site frames attach the same way.
        const std::vector<std::pair<std::string, json::object>> setup{
            {"Page.enable", {}},
            {"Runtime.enable", {}},
            {"Network.enable", {}},
            {"Page.setLifecycleEventsEnabled", {{"enabled", true}}},
            {"Target.setAutoAttach", {{"autoAttach", true}, {"waitForDebuggerOnStart", false}, {"flatten", true}}}};
        for (const auto& [method, p] : setup) {
            co_await talk.wait(talk.send(method, p, true), req.deadline);
            if (stopped(talk)) co_return;
            if (!talk.result) co_return refused(method.c_str());
        }

        params = {{"url", req.url}};
        co_await talk.wait(talk.send("Page.navigate", params, true), req.deadline);
        if (stopped(talk)) co_return;
        if (!talk.result) co_return refused("Page.navigate");
        seen.on_navigate_result(*talk.result);

        co_await talk.settle(req.deadline);
        if (talk.why == stop::interrupted || talk.why == stop::browser_gone) co_return (void)stopped(talk);
        if (talk.why == stop::deadline) out.in_time = false;

        // Timings and the screenshot still come after a deadline, within a short grace: a page that
        // loaded but kept the network busy is worth reporting on.
        auto after = out.in_time ? req.deadline : sclock::now() + dispose_grace;
        if (seen.findings().loaded) {
            params = {{"expression", timings_expression}, {"returnByValue", true}};
            co_await talk.wait(talk.send("Runtime.evaluate", params, true), after);
            if (talk.result)
                if (auto* r = object_at(*talk.result, "result")) seen.on_timings(string_at(*r, "value"));
            if (talk.why == stop::interrupted || talk.why == stop::browser_gone) co_return (void)stopped(talk);
        }
        if (req.screenshot && seen.findings().navigation_error.empty() && !seen.crashed()) {
            params = {{"format", "png"}};
            co_await talk.wait(talk.send("Page.captureScreenshot", params, true), after);
            if (talk.result)
                if (auto png = from_base64(string_at(*talk.result, "data"))) out.png = std::move(*png);
            if (talk.why == stop::interrupted || talk.why == stop::browser_gone) co_return (void)stopped(talk);
        }
    };
    co_await steps();

    out.findings = std::move(seen.findings());
    out.findings.skipped_messages = b->skipped_messages();
    if (seen.crashed() && out.findings.navigation_error.empty()) out.findings.navigation_error = "the page's renderer crashed";

    // The context goes whatever happened, unless the browser is gone or r1 is being interrupted (the
    // browser is killed then anyway). No answer within the grace: the browser is hung; kill it.
    if (!talk.session_.empty()) b->unroute(talk.session_);
    if (!context_id.empty() && b->alive() && !out.interrupted) {
        json::object params{{"browserContextId", context_id}};
        co_await talk.wait(talk.send("Target.disposeBrowserContext", params, false), sclock::now() + dispose_grace, false);
        if (talk.why == stop::deadline) b->kill("chromium did not close a page within " + std::to_string(dispose_grace.count()) + " ms");
    }
    b->unlisten(box);
    co_return out;
}

}  // namespace r1::proc::browser
