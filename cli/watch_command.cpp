#include "cli/watch_command.hpp"

#include "cli/batch_command.hpp"
#include "cli/exit_code.hpp"
#include "cli/fd_limit.hpp"
#include "cli/fd_write.hpp"
#include "cli/watch_events.hpp"
#include "cli/watch_metrics.hpp"
#include "engine/duration.hpp"
#include "engine/text.hpp"
#include "engine/watch_state.hpp"
#include "net/beast_client.hpp"
#include "net/http_listener.hpp"
#include "net/tls_context.hpp"
#include "net/tls_session.hpp"
#include "proc/find_executable.hpp"
#include "proc/real_runner.hpp"
#include "providers/deploy.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/bind_cancellation_slot.hpp>
#include <boost/asio/cancellation_signal.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/url/parse.hpp>

#include <algorithm>
#include <csignal>
#include <cstdlib>
#include <deque>
#include <list>
#include <map>
#include <memory>
#include <random>
#include <thread>
#include <unordered_map>

namespace r1::cli {
namespace {

namespace asio = boost::asio;
using sclock = std::chrono::steady_clock;
using wclock = std::chrono::system_clock;
using std::chrono::milliseconds;
constexpr auto as_result = asio::as_tuple(asio::use_awaitable);

constexpr std::size_t max_queued_events = 10'000;   // --on-change commands waiting; more are dropped
constexpr std::size_t max_probes_at_once = 16;      // /probe checks in flight
constexpr auto metrics_cache_for = milliseconds(500);  // scrapes within this share one rendering
constexpr rlim_t reserved_fds = 64;  // stdio, loops, the listener's connections, hooks, c-ares
/// Checks per second one event loop takes on before more loops (threads) join in. Below it the
/// checks run on the scheduling loop itself: handing each check to another thread and its result
/// back costs two cross-thread wake-ups, a measurable share of a cheap resumed check (bench/README.md).
constexpr double checks_per_loop = 300;

double unix_now() { return std::chrono::duration<double>(wclock::now().time_since_epoch()).count(); }

std::string signal_name(int sig) { return sig == SIGINT ? "SIGINT" : "SIGTERM"; }

/// One watched URL and everything r1 remembers about it between rounds. Lives on the main loop.
struct target {
    std::string url;
    std::string name;  // a manifest's app name; empty for a URL list
    std::string expected_body;
    milliseconds timeout{15000};

    bool running = false;  // a check is in flight: the next round skips it rather than overlap
    bool removed = false;  // dropped by a reload; a late result only counts toward its round
    std::optional<probe_sample> last;
    engine::alert_tracker alert;
    std::optional<sclock::time_point> down_since;

    // TLS resumption: the session to offer, and when the full handshake it descends from ran.
    std::shared_ptr<const net::tls_session> session;
    sclock::time_point verified_at{};
    bool force_full = true;
    std::optional<std::int64_t> cert_not_after;  // from the last full handshake
    std::optional<std::int64_t> warned_for;      // the notAfter a target.cert_expiring was sent for
};
using target_ptr = std::shared_ptr<target>;

struct timed_report {
    engine::health_report report;
    sclock::duration took{};
};

asio::awaitable<timed_report> timed_check(net::http_client& http, engine::health_config hc) {
    auto start = sclock::now();
    auto report = co_await engine::check_health(http, std::move(hc));
    co_return timed_report{std::move(report), sclock::now() - start};
}

/// A check's result held until its round's verdict is known.
struct outcome {
    target_ptr t;
    bool ok = false;
    unsigned status = 0;
    std::string detail;
    std::string cause;
};

struct round_state {
    round_state(std::size_t n, sclock::time_point s) : tally(n), started(s) {}
    engine::round_tally tally;
    sclock::time_point started;
    std::vector<outcome> held;
    bool announced = false;  // round.inconclusive sent
};

/// An event loop on its own thread, where checks run; the main loop only schedules and counts.
struct worker {
    asio::io_context ctx{1};
    asio::executor_work_guard<asio::io_context::executor_type> guard = asio::make_work_guard(ctx);
    std::list<asio::cancellation_signal> checks;  // of the checks running here; touched on ctx only
    std::thread thread;

    worker() : thread([this] { ctx.run(); }) {}
    ~worker() {
        // Normally idle by now. After an internal error, checks may still run: stop them, so
        // their frames (and handshake slots of this thread's gate) end on this thread.
        asio::post(ctx, [this] {
            for (auto& c : checks) c.emit(asio::cancellation_type::terminal);
        });
        guard.reset();
        if (thread.joinable()) thread.join();
    }
};

class watch {
public:
    watch(const command& cmd, net::http_client& http, unsigned concurrency)
        : cmd_(cmd), http_(http), concurrency_(concurrency), sched_timer_(ctx_), hook_wake_(ctx_),
          signals_(ctx_, SIGINT, SIGTERM, SIGHUP), rng_(std::random_device{}()) {
        policy_.fail_after = cmd.watch.fail_after;
        policy_.recover_after = cmd.watch.recover_after;
        user_agent_ = health_user_agent();
    }

    /// Builds the first target set; false (problems printed) when the file is wrong.
    bool load() {
        auto loaded = load_tasks(cmd_);
        if (loaded.problem_count) {
            std::string tail;
            if (!loaded.unreadable)
                tail = "r1: error: " + std::to_string(loaded.problem_count) +
                       (loaded.problem_count == 1 ? " problem" : " problems") + " in " + loaded.source +
                       "; nothing was started\n";
            write_fd(2, loaded.problems + tail);
            return false;
        }
        targets_ = make_targets(loaded.tasks, {});
        plan_.emplace(targets_.size(), rng_);
        return true;
    }

    /// Opens --metrics-listen; false (one line printed) when it cannot.
    bool listen() {
        if (!cmd_.watch.metrics) return true;
        const auto& where = *cmd_.watch.metrics;
        auto l = net::http_listener::open(ctx_.get_executor(), where.host, where.port, net::listener_limits{},
                                          [this](net::listener_request r) { return serve(std::move(r)); });
        if (!l) {
            write_fd(2, "r1: error: cannot listen on " + where.host + ":" + std::to_string(where.port) + ": " +
                            l.error().message() + "\n");
            return false;
        }
        listener_ = std::move(*l);
        return true;
    }

    int run() {
        // The rate the targets ask for; /probe adds little. Beyond one loop's share, one per core.
        double rate = static_cast<double>(targets_.size()) / std::chrono::duration<double>(cmd_.watch.every).count();
        unsigned loops = 1;
        if (rate > checks_per_loop) {
            loops = std::max(1u, std::thread::hardware_concurrency());
            for (unsigned i = 0; i < loops; ++i) workers_.push_back(std::make_unique<worker>());
        }
        std::string metrics_at = listener_ ? listener_->address() : "";
        if (listener_) {
            listener_->start();
            write_fd(2, "r1: metrics on http://" + metrics_at + "/metrics\n");
        }
        write_fd(2, "r1: watching " + std::to_string(targets_.size()) + " targets every " +
                        engine::format_duration(cmd_.watch.every) + "\n");
        if (cmd_.json_output)
            write_fd(1, watch_start_json(targets_.size(), cmd_.watch.every, metrics_at, concurrency_, loops));

        wait_for_signal();
        asio::co_spawn(ctx_, schedule(), rethrow);
        if (!cmd_.watch.on_change.empty())
            asio::co_spawn(ctx_, run_hooks(), asio::bind_cancellation_slot(hook_cancel_.slot(), rethrow));
        ctx_.run();
        workers_.clear();  // every check has reported back: the loops are idle, join them

        int code = exit_code_for(make_error_code(error::interrupted), signal_);
        if (cmd_.json_output) write_fd(1, watch_end_json(signal_, rounds_ended_, code));
        write_fd(2, "r1: interrupted by " + signal_name(signal_) + " after " + std::to_string(rounds_ended_) +
                        " rounds; checks and commands stopped\n");
        return code;
    }

private:
    static void rethrow(std::exception_ptr e) {
        if (e) std::rethrow_exception(e);
    }

    /// Targets for `tasks`, keeping the state of those already watched (same URL).
    std::vector<target_ptr> make_targets(std::vector<providers::fleet_task>& tasks,
                                         const std::unordered_map<std::string, target_ptr>& existing) {
        std::vector<target_ptr> out;
        out.reserve(tasks.size());
        for (auto& task : tasks) {
            auto& cfg = task.cfg;
            std::string url = cfg.health_url.empty() ? fly_app_url(cfg.app) : cfg.health_url;
            target_ptr t;
            if (auto it = existing.find(url); it != existing.end()) t = it->second;
            else t = std::make_shared<target>();
            t->url = std::move(url);
            t->name = cfg.app;
            t->expected_body = cfg.expected_body;
            t->timeout = cfg.health_timeout;
            out.push_back(std::move(t));
        }
        return out;
    }

    // ---- signals, reload, shutdown

    void wait_for_signal() {
        signals_.async_wait([this](const boost::system::error_code& ec, int sig) {
            if (ec) return;    // cancelled: everything else has ended
            wait_for_signal();  // first, so that maybe_finish() below can cancel it
            if (sig == SIGHUP) reload();
            else if (signal_ == 0) begin_shutdown(sig);
            else hook_cancel_.emit(asio::cancellation_type::terminal);  // a second signal: no more grace
        });
    }

    void reload() {
        if (cmd_.batch.file.empty() || cmd_.batch.file == "-") {
            write_fd(2, std::string("r1: SIGHUP: nothing to re-read: the targets came from ") +
                            (cmd_.batch.file.empty() ? "the command line" : "stdin") + "\n");
            return;
        }
        auto loaded = load_tasks(cmd_);
        auto& current = pending_targets_ ? *pending_targets_ : targets_;
        if (loaded.problem_count) {
            ++counters_.reloads_failed;
            write_fd(2, loaded.problems + "r1: error: SIGHUP: " + std::to_string(loaded.problem_count) +
                            (loaded.problem_count == 1 ? " problem" : " problems") + " in " + loaded.source +
                            "; still watching the previous " + std::to_string(current.size()) + " targets\n");
            if (cmd_.json_output) write_fd(1, reload_json(false, current.size(), 0, 0, loaded.problem_count));
            return;
        }
        std::unordered_map<std::string, target_ptr> existing;
        for (auto& t : current) existing.emplace(t->url, t);
        auto next = make_targets(loaded.tasks, existing);
        std::size_t kept = 0;
        for (auto& t : next) kept += existing.count(t->url);
        std::size_t added = next.size() - kept, removed = current.size() - kept;
        ++counters_.reloads_ok;
        write_fd(2, "r1: reloaded " + loaded.source + ": " + std::to_string(next.size()) + " targets (" +
                        std::to_string(added) + " added, " + std::to_string(removed) + " removed) from the next round\n");
        if (cmd_.json_output) write_fd(1, reload_json(true, next.size(), added, removed, 0));
        pending_targets_ = std::move(next);
    }

    void begin_shutdown(int sig) {
        signal_ = sig;
        stopping_ = true;
        sched_timer_.cancel();
        hook_wake_.cancel();
        hook_cancel_.emit(asio::cancellation_type::total);  // the running command gets SIGINT
        if (listener_) listener_->stop();
        queue_.clear();
        for (auto& w : workers_)
            asio::post(w->ctx, [&lw = *w] {
                for (auto& c : lw.checks) c.emit(asio::cancellation_type::terminal);
            });
        for (auto& c : local_checks_) c.emit(asio::cancellation_type::terminal);
        maybe_finish();
    }

    /// Once nothing is in flight, the signal set is the main loop's last work: cancel it.
    void maybe_finish() {
        if (stopping_ && outstanding_ == 0 && !hook_running_) signals_.cancel();
    }

    // ---- scheduling

    asio::awaitable<void> schedule() {
        auto round_start = sclock::now();
        const auto interval = std::chrono::duration_cast<sclock::duration>(cmd_.watch.every);
        for (std::uint64_t round = 1; !stopping_; ++round) {
            if (pending_targets_) adopt_pending();
            auto set = targets_;  // this round's targets, even if a reload lands mid-round
            auto offsets = plan_->offsets(interval, rng_);
            std::vector<std::size_t> order(set.size());
            for (std::size_t i = 0; i < order.size(); ++i) order[i] = i;
            std::sort(order.begin(), order.end(), [&](auto a, auto b) { return offsets[a] < offsets[b]; });
            rounds_.emplace(round, round_state{set.size(), round_start});
            if (set.empty()) settle();
            for (auto i : order) {
                auto due = round_start + offsets[i];
                if (due > sclock::now() + milliseconds(1)) {
                    sched_timer_.expires_at(due);
                    co_await sched_timer_.async_wait(as_result);
                }
                if (stopping_) co_return;
                launch(set[i], round);
            }
            round_start += interval;
            // Suspended or starved past a whole round: start afresh rather than rush to catch up.
            if (round_start + interval < sclock::now()) round_start = sclock::now();
            sched_timer_.expires_at(round_start);
            co_await sched_timer_.async_wait(as_result);
        }
    }

    void adopt_pending() {
        std::unordered_map<target*, bool> kept;
        for (auto& t : *pending_targets_) kept[t.get()] = true;
        for (auto& t : targets_)
            if (!kept.count(t.get())) t->removed = true;
        targets_ = std::move(*pending_targets_);
        pending_targets_.reset();
        plan_.emplace(targets_.size(), rng_);
    }

    void launch(const target_ptr& t, std::uint64_t round) {
        if (t->running) {  // never two checks of one target at once
            ++counters_.skipped;
            rounds_.at(round).tally.add_skipped();
            settle();
            return;
        }
        t->running = true;
        queue_.emplace_back(t, round);
        pump();
    }

    void pump() {
        while (!stopping_ && in_flight_ < concurrency_ && !queue_.empty()) {
            auto [t, round] = std::move(queue_.front());
            queue_.pop_front();
            dispatch(std::move(t), round);
        }
    }

    /// Whether the target's next check may resume its TLS session instead of verifying in full.
    bool may_resume(const target& t, sclock::time_point now) const {
        const auto full_every = cmd_.watch.full_handshake_every;
        if (full_every.count() == 0 || !t.session || t.force_full) return false;
        auto limit = std::chrono::duration_cast<sclock::duration>(full_every);
        if (auto hint = t.session->lifetime_hint(); hint.count() > 0)
            limit = std::min(limit, std::chrono::duration_cast<sclock::duration>(hint));
        if (now - t.verified_at >= limit) return false;
        // A certificate that expires before the next round may have been replaced: look at it.
        if (t.cert_not_after &&
            static_cast<double>(*t.cert_not_after) < unix_now() + std::chrono::duration<double>(cmd_.watch.every).count())
            return false;
        return true;
    }

    void dispatch(target_ptr t, std::uint64_t round) {
        ++in_flight_;
        auto now = sclock::now();
        engine::health_config hc{.url = t->url,
                                 .expected_body = t->expected_body,
                                 .deadline = now + t->timeout,
                                 .user_agent = user_agent_};
        hc.keep_session = cmd_.watch.full_handshake_every.count() > 0;
        if (may_resume(*t, now)) hc.resume = t->session;
        start_check(std::move(hc), [this, t, round](timed_report r) { finished(t, round, std::move(r)); });
    }

    /// Runs `hc` on a worker loop; `done` runs on the main loop with the result.
    void start_check(engine::health_config hc, std::function<void(timed_report)> done) {
        ++outstanding_;
        if (workers_.empty()) {  // on this loop: no thread hand-over
            auto it = local_checks_.emplace(local_checks_.end());
            asio::co_spawn(ctx_, timed_check(http_, std::move(hc)),
                           asio::bind_cancellation_slot(
                               it->slot(), [this, it, done = std::move(done)](std::exception_ptr e, timed_report r) mutable {
                                   // Erased from a fresh handler: this one runs inside the signal's slot.
                                   asio::post(ctx_, [this, it] { local_checks_.erase(it); });
                                   --outstanding_;
                                   if (e) std::rethrow_exception(e);
                                   done(std::move(r));
                                   maybe_finish();
                               }));
            return;
        }
        auto& w = *workers_[next_worker_++ % workers_.size()];
        asio::post(w.ctx, [this, &w, hc = std::move(hc), done = std::move(done)]() mutable {
            auto it = w.checks.emplace(w.checks.end());
            asio::co_spawn(w.ctx, timed_check(http_, std::move(hc)),
                           asio::bind_cancellation_slot(
                               it->slot(), [this, &w, it, done = std::move(done)](std::exception_ptr e, timed_report r) mutable {
                                   w.checks.erase(it);
                                   asio::post(ctx_, [this, e, r = std::move(r), done = std::move(done)]() mutable {
                                       --outstanding_;
                                       if (e) std::rethrow_exception(e);
                                       done(std::move(r));
                                       maybe_finish();
                                   });
                               }));
        });
    }

    // ---- results

    void finished(const target_ptr& t, std::uint64_t round, timed_report r) {
        --in_flight_;
        t->running = false;
        if (stopping_) return;  // interrupted checks say nothing about the targets
        const auto& report = r.report;
        const bool ok = report.healthy();
        auto cause = cause_of(report);
        ++counters_.checks[{ok ? "ok" : "failed", std::string(cause)}];
        t->last = sample_of(report, r.took, unix_now());
        note_tls(*t, report, ok, sclock::now() - r.took);
        check_certificate(*t);

        if (cmd_.json_output) {
            std::optional<double> days;
            if (t->cert_not_after) days = (static_cast<double>(*t->cert_not_after) - unix_now()) / 86400.0;
            write_fd(1, check_json({.target = t->url, .name = t->name, .round = round, .ok = ok, .status = report.status,
                                    .duration_ms = std::chrono::duration<double, std::milli>(r.took).count(),
                                    .detail = report.line, .cause = cause, .state = engine::to_string(t->alert.state()),
                                    .tls = report.probe.tls, .resumed = report.probe.tls_resumed,
                                    .cert_not_after = t->cert_not_after, .cert_days_left = days},
                                   wclock::now()));
        }
        auto& rs = rounds_.at(round);
        rs.tally.add(ok);
        rs.held.push_back({t, ok, report.status, report.line, std::string(cause)});
        settle();
        pump();
    }

    /// Session bookkeeping after a check: a full handshake re-dates the verification; a failed
    /// check forgets the session, so the next check verifies in full.
    void note_tls(target& t, const engine::health_report& report, bool ok, sclock::time_point started) {
        const auto& p = report.probe;
        if (p.tls) {
            if (p.tls_resumed) {
                ++counters_.tls_resumed;
            } else {
                ++counters_.tls_full;
                t.verified_at = started;
                t.cert_not_after = p.cert_not_after;
            }
        }
        t.force_full = false;
        t.session = ok ? p.session : nullptr;
    }

    void check_certificate(target& t) {
        const auto warn = cmd_.watch.cert_expiry_warn;
        if (warn.count() == 0 || !t.cert_not_after) return;
        double days_left = (static_cast<double>(*t.cert_not_after) - unix_now()) / 86400.0;
        if (days_left * 86400.0 > std::chrono::duration<double>(warn).count()) return;
        if (t.warned_for == t.cert_not_after) return;  // once per certificate
        t.warned_for = t.cert_not_after;
        emit(cert_event(t.url, t.name, *t.cert_not_after, days_left, warn, wclock::now()));
    }

    /// Applies what the rounds' verdicts allow, oldest round first, so a target's results reach its
    /// alert tracker in the order its checks ran.
    void settle() {
        while (!rounds_.empty()) {
            auto& [round, rs] = *rounds_.begin();
            auto verdict = rs.tally.current();
            if (verdict == engine::round_tally::verdict::pending) return;
            if (verdict == engine::round_tally::verdict::inconclusive) {
                if (!rs.announced) {
                    rs.announced = true;
                    emit(inconclusive_event(round, rs.tally.targets(), rs.tally.failed(), wclock::now()));
                }
                rs.held.clear();  // nothing of this round counts toward any target's state
            } else {
                for (auto& o : rs.held) apply(o, round);
                rs.held.clear();
            }
            // A round still waiting for checks blocks the later ones, whose results must wait.
            if (!rs.tally.complete()) return;
            end_round(round, rs);
            rounds_.erase(rounds_.begin());
        }
    }

    void end_round(std::uint64_t round, const round_state& rs) {
        bool inconclusive = rs.tally.current() == engine::round_tally::verdict::inconclusive;
        ++(inconclusive ? counters_.rounds_inconclusive : counters_.rounds_conclusive);
        auto took = std::chrono::duration_cast<milliseconds>(sclock::now() - rs.started);
        counters_.round_seconds_sum += std::chrono::duration<double>(took).count();
        counters_.last_round_seconds = std::chrono::duration<double>(took).count();
        ++rounds_ended_;
        std::size_t ok = rs.tally.done() - rs.tally.failed() - rs.tally.skipped();
        if (cmd_.json_output)
            write_fd(1, round_end_json(round, rs.tally.targets(), ok, rs.tally.failed(), rs.tally.skipped(), inconclusive, took));
        else
            write_fd(2, round_end_text(round, rs.tally.targets(), ok, rs.tally.failed(), rs.tally.skipped(), inconclusive, took));
    }

    void apply(const outcome& o, std::uint64_t round) {
        auto& t = *o.t;
        if (t.removed) return;
        auto change = t.alert.record(o.ok, policy_);
        if (change == engine::alert_tracker::change::none) return;
        // Every state change verifies the next check's certificate in full.
        t.session = nullptr;
        t.force_full = true;
        const bool down = change == engine::alert_tracker::change::went_down;
        target_change c{.down = down,
                        .target = t.url,
                        .name = t.name,
                        .round = round,
                        .consecutive = down ? t.alert.consecutive_failures() : t.alert.consecutive_successes(),
                        .detail = o.detail,
                        .cause = o.cause,
                        .status = o.status};
        if (c.down) {
            t.down_since = sclock::now();
        } else if (t.down_since) {
            c.was_down_for = std::chrono::duration_cast<milliseconds>(sclock::now() - *t.down_since);
            t.down_since.reset();
        }
        emit(change_event(c, wclock::now()));
    }

    void emit(watch_event e) {
        ++counters_.events[e.name];
        write_fd(1, cmd_.json_output ? e.json : e.text);
        if (cmd_.watch.on_change.empty()) return;
        if (hooks_.size() >= max_queued_events) {
            ++counters_.hooks_dropped;
            if (!warned_full_) write_fd(2, "r1: --on-change is falling behind: events dropped (see r1_on_change_runs_total)\n");
            warned_full_ = true;
            return;
        }
        hooks_.push_back(std::move(e.json));
        hook_wake_.cancel();
    }

    // ---- --on-change

    asio::awaitable<void> run_hooks() {
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
            req.on_output = [](proc::stream, std::string_view chunk) { write_fd(2, chunk); };
            hooks_.pop_front();
            hook_running_ = true;
            auto res = co_await runner_.run(std::move(req));
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

    // ---- the listener

    asio::awaitable<net::listener_response> serve(net::listener_request req) {
        auto parsed = boost::urls::parse_origin_form(req.target);
        if (!parsed) co_return text(400, "bad request target\n");
        auto path = parsed->path();
        if (path == "/metrics") co_return net::listener_response{200, "text/plain; version=0.0.4; charset=utf-8", metrics()};
        if (path == "/probe") co_return co_await probe(*parsed, req.scrape_timeout_seconds);
        if (path == "/" || path.empty())
            co_return text(200, "r1 verify --every: /metrics (every target), /probe?target=URL (one check now)\n");
        co_return text(404, "not found: /metrics or /probe?target=URL\n");
    }

    static net::listener_response text(unsigned status, std::string body) {
        return {status, "text/plain; charset=utf-8", std::make_shared<const std::string>(std::move(body))};
    }

    std::shared_ptr<const std::string> metrics() {
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

    /// blackbox_exporter's /probe?target=URL[&module=http_2xx]: one check now, its probe_* metrics.
    asio::awaitable<net::listener_response> probe(boost::urls::url_view u, std::optional<double> scrape_timeout) {
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
        for (const auto& t : targets_)
            if (t->url == url) {
                expected = t->expected_body;
                timeout = std::chrono::duration<double>(t->timeout).count();
            }
        // As blackbox_exporter: inside Prometheus' scrape timeout, less half a second for the answer.
        if (scrape_timeout && *scrape_timeout - 0.5 > 0) timeout = std::min(timeout, *scrape_timeout - 0.5);

        engine::health_config hc{.url = url,
                                 .expected_body = expected,
                                 .deadline = sclock::now() + std::chrono::duration_cast<sclock::duration>(
                                                                 std::chrono::duration<double>(timeout)),
                                 .user_agent = user_agent_};
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

public:
    void set_hook_argv(std::vector<std::string> argv) { hook_argv_ = std::move(argv); }

private:
    const command& cmd_;
    net::http_client& http_;
    unsigned concurrency_;
    asio::io_context ctx_{1};
    asio::steady_timer sched_timer_;
    asio::steady_timer hook_wake_;
    asio::signal_set signals_;
    asio::cancellation_signal hook_cancel_;
    std::mt19937_64 rng_;
    engine::alert_policy policy_;
    std::string user_agent_;
    std::vector<std::unique_ptr<worker>> workers_;  // empty: checks run on ctx_
    std::list<asio::cancellation_signal> local_checks_;  // the checks running on ctx_
    std::size_t next_worker_ = 0;
    std::unique_ptr<net::http_listener> listener_;
    proc::real_runner runner_;
    std::vector<std::string> hook_argv_;

    std::vector<target_ptr> targets_;
    std::optional<std::vector<target_ptr>> pending_targets_;  // a reload, adopted at the next round
    std::optional<engine::round_plan> plan_;
    std::deque<std::pair<target_ptr, std::uint64_t>> queue_;  // due, waiting for a concurrency slot
    std::map<std::uint64_t, round_state> rounds_;             // rounds not yet ended, oldest first
    std::uint64_t rounds_ended_ = 0;
    std::size_t in_flight_ = 0;    // scheduled checks running
    std::size_t outstanding_ = 0;  // every check on a worker, /probe ones too
    std::size_t probes_running_ = 0;
    std::deque<std::string> hooks_;
    bool hook_running_ = false;
    bool warned_full_ = false;
    bool stopping_ = false;
    int signal_ = 0;
    watch_counters counters_;
    std::shared_ptr<const std::string> metrics_cache_;
    sclock::time_point metrics_rendered_{};
};

}  // namespace

int run_watch(const command& cmd) {
    auto fail = [](std::string_view message) {
        write_fd(2, "r1: error: " + std::string(message) + "\n");
        return exit_usage;
    };
    std::vector<std::string> hook_argv;
    if (!cmd.watch.on_change.empty()) {
        const char* path = std::getenv("PATH");
        auto found = proc::find_executable(cmd.watch.on_change.front(), path ? path : "");
        if (!found)
            return fail("--on-change " + engine::printable(cmd.watch.on_change.front(), true) +
                        ": no such executable (give a path, or a program on $PATH)");
        hook_argv = cmd.watch.on_change;
        hook_argv.front() = *found;
    }
    auto tls = net::make_tls_context(cmd.ca_file);
    if (!tls) return fail(tls.error());

    unsigned concurrency = cmd.batch.concurrency ? cmd.batch.concurrency : default_verify_concurrency;
    rlim_t limit = raise_fd_limit();
    constexpr rlim_t per_check = 2;
    if (limit < minimum_fds + reserved_fds / 4 + per_check)
        return fail("the open-file limit is " + std::to_string(limit) + " (ulimit -n); r1 verify --every needs at least " +
                    std::to_string(minimum_fds + reserved_fds / 4 + per_check));
    rlim_t room = limit > reserved_fds + per_check ? (limit - reserved_fds) / per_check : 1;
    if (concurrency > room) {
        write_fd(2, "r1: note: concurrency lowered from " + std::to_string(concurrency) + " to " + std::to_string(room) +
                        ": the open-file limit is " + std::to_string(limit) + " (ulimit -n)\n");
        concurrency = static_cast<unsigned>(room);
    }

    net::beast_client http{*tls};
    watch w{cmd, http, concurrency};
    w.set_hook_argv(std::move(hook_argv));
    if (!w.load() || !w.listen()) return exit_usage;
    return w.run();
}

}  // namespace r1::cli
