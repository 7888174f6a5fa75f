// r1 verify --every: the rounds (when each target is checked), the checks' results, the rounds'
// verdicts and the events they lead to.
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

namespace r1::cli::watching {

constexpr auto as_result = asio::as_tuple(asio::use_awaitable);

asio::awaitable<timed_report> timed_check(net::http_client& http, engine::health_config hc) {
    auto start = sclock::now();
    auto report = co_await engine::check_health(http, std::move(hc));
    co_return timed_report{std::move(report), sclock::now() - start};
}

asio::awaitable<void> watch::schedule() {
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

void watch::adopt_pending() {
    std::unordered_map<target*, bool> kept;
    for (auto& t : *pending_targets_) kept[t.get()] = true;
    for (auto& t : targets_)
        if (!kept.count(t.get())) t->removed = true;
    targets_ = std::move(*pending_targets_);
    pending_targets_.reset();
    plan_.emplace(targets_.size(), rng_);
}

void watch::launch(const target_ptr& t, std::uint64_t round) {
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

void watch::pump() {
    while (!stopping_ && in_flight_ < concurrency_ && !queue_.empty()) {
        auto [t, round] = std::move(queue_.front());
        queue_.pop_front();
        dispatch(std::move(t), round);
    }
}

bool watch::may_resume(const target& t, sclock::time_point now) const {
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

void watch::dispatch(target_ptr t, std::uint64_t round) {
    ++in_flight_;
    auto now = sclock::now();
    engine::health_config hc{.url = t->url,
                             .expected_body = t->expected_body,
                             .deadline = now + t->timeout,
                             .user_agent = user_agent_,
                             .allow_insecure_redirects = t->allow_insecure_redirects};
    hc.keep_session = cmd_.watch.full_handshake_every.count() > 0;
    if (may_resume(*t, now)) hc.resume = t->session;
    start_check(std::move(hc), [this, t, round](timed_report r) { finished(t, round, std::move(r)); });
}

void watch::start_check(engine::health_config hc, std::function<void(timed_report)> done) {
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

void watch::finished(const target_ptr& t, std::uint64_t round, timed_report r) {
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
                                .detail = report.line, .cause = report.cause_code,
                                .state = engine::to_string(t->alert.state()),
                                .tls = report.probe.tls, .resumed = report.probe.tls_resumed,
                                .cert_not_after = t->cert_not_after, .cert_days_left = days},
                               wclock::now()));
    }
    auto& rs = rounds_.at(round);
    rs.tally.add(ok);
    rs.held.push_back({t, ok, report.status, report.line, report.cause_code});
    settle();
    pump();
}

void watch::note_tls(target& t, const engine::health_report& report, bool ok, sclock::time_point started) {
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

void watch::check_certificate(target& t) {
    const auto warn = cmd_.watch.cert_expiry_warn;
    if (warn.count() == 0 || !t.cert_not_after) return;
    double days_left = (static_cast<double>(*t.cert_not_after) - unix_now()) / 86400.0;
    if (days_left * 86400.0 > std::chrono::duration<double>(warn).count()) return;
    if (t.warned_for == t.cert_not_after) return;  // once per certificate
    t.warned_for = t.cert_not_after;
    emit(cert_event(t.url, t.name, *t.cert_not_after, days_left, warn, wclock::now()));
}

void watch::settle() {
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

void watch::end_round(std::uint64_t round, const round_state& rs) {
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

void watch::apply(const outcome& o, std::uint64_t round) {
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

void watch::emit(watch_event e) {
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

}  // namespace r1::cli::watching
