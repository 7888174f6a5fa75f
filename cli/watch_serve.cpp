// r1 verify --every: what it serves (/metrics, /probe) and the --on-change commands it runs.
#include "cli/watch_runtime.hpp"

#include "cli/fd_write.hpp"
#include "engine/text/duration.hpp"
#include "engine/text/text.hpp"
#include "net/tls_session.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/bind_cancellation_slot.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>

#include <algorithm>
#include <boost/url/parse.hpp>

namespace r1::cli::watching {

constexpr auto as_result = asio::as_tuple(asio::use_awaitable);

asio::awaitable<void> watch::run_hooks() {
    // Total (the first signal) reaches the runner, which sends the command SIGINT; terminal
    // (a second signal) sends SIGKILL.
    co_await asio::this_coro::reset_cancellation_state(asio::enable_total_cancellation());
    co_await asio::this_coro::throw_if_cancelled(false);
    for (;;) {
        while (hooks_.empty() && !stopping_) {
            hook_wake_.expires_at(sclock::time_point::max());
            co_await hook_wake_.async_wait(as_result);
        }
        if (stopping_) break;  // events still queued are dropped with the monitor
        proc::run_request req;
        req.argv = hook_argv_;
        req.deadline = sclock::now() + cmd_.watch.on_change_timeout;
        req.kill_grace = milliseconds(2000);
        req.tail_bytes = 2048;
        req.stdin_data = std::move(hooks_.front());
        req.on_output = [this](proc::stream, std::string_view chunk) { hook_output_.write(chunk); };
        hooks_.pop_front();
        hook_running_ = true;
        auto res = co_await runner_.run(std::move(req));
        hook_output_.finish();
        hook_running_ = false;
        if (res && res->succeeded()) {
            ++counters_.hooks_ok;
        } else {
            ++counters_.hooks_failed;
            std::string why = !res                  ? res.error().message()
                              : res->timed_out      ? "ran past --on-change-timeout and was stopped"
                              : res->cancelled      ? "interrupted"
                              : res->signal != 0    ? "killed by signal " + std::to_string(res->signal)
                                                    : "exited " + std::to_string(res->exit_code);
            write_fd(2, "r1: --on-change " + engine::printable(hook_argv_.front(), true) + ": " + why + "\n");
        }
    }
    hook_running_ = false;
    maybe_finish();
}

asio::awaitable<net::listener_response> watch::serve(net::listener_request req) {
    auto parsed = boost::urls::parse_origin_form(req.target);
    if (!parsed) co_return text(400, "bad request target\n");
    auto path = parsed->path();
    if (path == "/metrics") co_return net::listener_response{200, "text/plain; version=0.0.4; charset=utf-8", metrics()};
    if (path == "/probe") co_return co_await probe(*parsed, req.scrape_timeout_seconds);
    if (path == "/" || path.empty())
        co_return text(200, "r1 verify --every: /metrics (every target), /probe?target=URL (one check now)\n");
    co_return text(404, "not found: /metrics or /probe?target=URL\n");
}

std::shared_ptr<const std::string> watch::metrics() {
    auto now = sclock::now();
    if (metrics_cache_ && now - metrics_rendered_ < metrics_cache_for) return metrics_cache_;
    std::vector<target_view> views;
    views.reserve(targets_.size());
    for (const auto& t : targets_)
        views.push_back({t->url, t->last ? &*t->last : nullptr, t->alert.state(), t->alert.consecutive_failures(),
                         t->cert_not_after});
    counters_.in_flight = in_flight_;
    if (listener_) {
        const auto& s = listener_->stats();
        counters_.scrapes_rejected = s.rejected_busy + s.bad_requests + s.timed_out;
    }
    metrics_cache_ = std::make_shared<const std::string>(render_metrics(views, counters_, unix_now()));
    metrics_rendered_ = now;
    return metrics_cache_;
}

asio::awaitable<net::listener_response> watch::probe(boost::urls::url_view u, std::optional<double> scrape_timeout) {
    auto params = u.params();
    auto target_it = params.find("target");
    if (target_it == params.end() || !(*target_it).has_value || (*target_it).value.empty())
        co_return text(400, "Target parameter is missing\n");
    if (auto m = params.find("module"); m != params.end() && (*m).value != "http_2xx")
        co_return text(400, "Unknown module \"" + engine::printable((*m).value, true) + "\"\n");
    std::string url = (*target_it).value;
    if (!net::parse_url(url)) co_return text(400, "invalid target: " + net::describe_url_error(url) + "\n");
    if (probes_running_ >= max_probes_at_once || stopping_) co_return text(503, "too many probes at once\n");

    // The watched target's settings when it is one, else the command line's.
    std::string expected = cmd_.deploy.expected_body;
    auto timeout = std::chrono::duration<double>(cmd_.deploy.health_timeout).count();
    bool insecure_redirects = cmd_.deploy.allow_insecure_redirects;
    for (const auto& t : targets_)
        if (t->url == url) {
            expected = t->expected_body;
            timeout = std::chrono::duration<double>(t->timeout).count();
            insecure_redirects = t->allow_insecure_redirects;
        }
    // As blackbox_exporter: inside Prometheus' scrape timeout, less half a second for the answer.
    if (scrape_timeout && *scrape_timeout - 0.5 > 0) timeout = std::min(timeout, *scrape_timeout - 0.5);

    engine::health_config hc{.url = url,
                             .expected_body = expected,
                             .deadline = sclock::now() + std::chrono::duration_cast<sclock::duration>(
                                                             std::chrono::duration<double>(timeout)),
                             .user_agent = user_agent_,
                             .allow_insecure_redirects = insecure_redirects};
    struct waiter {
        explicit waiter(asio::io_context& c) : wake(c, sclock::time_point::max()) {}
        asio::steady_timer wake;
        std::optional<timed_report> result;
    };
    auto w = std::make_shared<waiter>(ctx_);
    ++probes_running_;
    start_check(std::move(hc), [w](timed_report r) {
        w->result = std::move(r);
        w->wake.cancel();
    });
    // Woken by the result, or cancelled with the connection when the listener stops.
    co_await w->wake.async_wait(as_result);
    --probes_running_;
    if (!w->result) co_return text(503, "r1 is stopping\n");
    ++counters_.probes;
    auto s = sample_of(w->result->report, w->result->took, unix_now());
    co_return net::listener_response{200, "text/plain; version=0.0.4; charset=utf-8",
                                     std::make_shared<const std::string>(render_probe(s, timeout))};
}

}  // namespace r1::cli::watching
