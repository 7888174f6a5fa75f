#include "engine/fleet.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/bind_cancellation_slot.hpp>
#include <boost/asio/cancellation_signal.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>

#include <algorithm>
#include <atomic>
#include <deque>
#include <exception>
#include <map>
#include <memory>
#include <mutex>
#include <thread>
#include <vector>

namespace r1::engine {
namespace {

namespace asio = boost::asio;

/// One event loop and the workers that live on it. Its workers' signals and done flags are only
/// touched from its own thread.
struct loop {
    asio::io_context ctx{1};
    std::vector<std::unique_ptr<asio::cancellation_signal>> cancel;
    std::vector<char> done;
    std::vector<std::size_t> current;  // each worker's task while it runs one, else none
    unsigned working = 0;  // workers still running on this loop; touched on its thread only
};

/// The tasks that share one group in every limit (one region and one provider, say): its pending
/// tasks of the current wave, in order.
struct cell {
    std::vector<std::size_t> groups;  // one per limit
    std::deque<std::size_t> pending;
};

class fleet {
public:
    fleet(const fleet_options& opts, const fleet_hooks& hooks) : opts_(opts), hooks_(hooks) {}

    fleet_summary run() {
        unsigned cores = std::max(1u, std::thread::hardware_concurrency());
        unsigned workers = static_cast<unsigned>(std::min<std::size_t>(std::max(1u, opts_.concurrency), opts_.tasks));
        unsigned loop_count = std::max(1u, std::min(opts_.loops ? opts_.loops : cores, std::max(1u, workers)));
        for (unsigned i = 0; i < loop_count; ++i) loops_.push_back(std::make_unique<loop>());
        workers_left_ = workers;
        budget_ = opts_.fail_fast ? 1 : opts_.max_failures;
        if (workers == 0) return summary_;
        plan_cells();
        plan_waves();

        auto& home = loops_.front()->ctx;
        asio::steady_timer ticker{home};
        ticker_ = &ticker;
        // The home loop runs until the last worker anywhere has ended (shut_down), even when its own
        // workers end first: the interrupt watch, the ticker and the gates live on it.
        auto keep_home = asio::make_work_guard(home);
        keep_home_ = &keep_home;
        if (hooks_.watch_interrupts)
            stop_watching_ = hooks_.watch_interrupts(home, [this, &home](int sig) {
                asio::post(home, [this, sig] { interrupt(sig); });
            });
        if (opts_.tick_every.count() > 0) schedule_tick();
        {
            std::lock_guard lock{mutex_};
            start_wave();
        }

        for (unsigned w = 0; w < workers; ++w) {
            auto& l = *loops_[w % loop_count];
            l.cancel.push_back(std::make_unique<asio::cancellation_signal>());
            l.done.push_back(0);
            l.current.push_back(no_task);
            std::size_t slot = l.cancel.size() - 1;
            ++l.working;
            asio::co_spawn(l.ctx, worker(l, slot), asio::bind_cancellation_slot(l.cancel[slot]->slot(), [this, &l, slot](std::exception_ptr e) {
                l.done[slot] = 1;
                if (e) {
                    {
                        std::lock_guard lock{mutex_};
                        if (!failure_) failure_ = e;
                    }
                    // The task it ran ended, for its groups and its wave; the other workers go on.
                    if (l.current[slot] != no_task) finish(l.current[slot], false, false);
                }
                if (--workers_left_ == 0) asio::post(loops_.front()->ctx, [this] { shut_down(); });
            }));
        }
        std::vector<std::thread> threads;
        for (unsigned i = 1; i < loop_count; ++i) threads.emplace_back([&l = *loops_[i]] { l.ctx.run(); });
        home.run();
        for (auto& t : threads) t.join();
        if (failure_) std::rethrow_exception(failure_);
        return summary_;
    }

private:
    static constexpr std::size_t all_taken = static_cast<std::size_t>(-1);
    static constexpr std::size_t none_free = static_cast<std::size_t>(-2);
    static constexpr std::size_t no_task = static_cast<std::size_t>(-3);

    /// Tasks with the same group in every limit share a cell; without limits there is one cell.
    void plan_cells() {
        running_.resize(opts_.limits.size());
        cell_of_.assign(opts_.tasks, 0);
        if (opts_.limits.empty()) {
            cells_.emplace_back();
            return;
        }
        std::map<std::vector<std::size_t>, std::size_t> ids;
        std::vector<std::size_t> key(opts_.limits.size());
        for (std::size_t i = 0; i < opts_.tasks; ++i) {
            for (std::size_t l = 0; l < opts_.limits.size(); ++l) {
                key[l] = opts_.limits[l].group_of(i);
                if (running_[l].size() <= key[l]) running_[l].resize(key[l] + 1, 0);
            }
            auto [it, fresh] = ids.emplace(key, cells_.size());
            if (fresh) cells_.push_back({key, {}});
            cell_of_[i] = it->second;
        }
    }

    void plan_waves() {
        std::size_t last = 0;
        for (auto end : opts_.wave_ends)
            if (end > last && end < opts_.tasks) wave_ends_.push_back(last = end);
        wave_ends_.push_back(opts_.tasks);
    }

    /// Under mutex_: queues the current wave's tasks.
    void start_wave() {
        std::size_t begin = wave_ == 0 ? 0 : wave_ends_[wave_ - 1];
        for (std::size_t i = begin; i < wave_ends_[wave_]; ++i) cells_[cell_of_[i]].pending.push_back(i);
        queued_ = wave_ends_[wave_] - begin;
        ended_in_wave_ = 0;
        ++summary_.waves;
        if (hooks_.wave_started) hooks_.wave_started(wave_);
    }

    bool last_wave() const { return wave_ + 1 >= wave_ends_.size(); }

    asio::awaitable<void> worker(loop& l, std::size_t slot) {
        // Total cancellation (the first signal) lets each task stop its children politely.
        co_await asio::this_coro::reset_cancellation_state(asio::enable_total_cancellation());
        co_await asio::this_coro::throw_if_cancelled(false);  // each task checks and cleans up itself
        std::shared_ptr<asio::steady_timer> wake;  // an idle worker waits on it
        for (;;) {
            if (!wake) wake = std::make_shared<asio::steady_timer>(co_await asio::this_coro::executor);
            std::size_t index = take(wake);
            if (index == all_taken) break;
            if (index == none_free) {
                // Woken when a task ends or a wave starts (wake_all) or on an interrupt (the
                // coroutine's own cancellation); the timeout only bounds a missed wake-up.
                wake->expires_after(std::chrono::seconds(1));
                co_await wake->async_wait(asio::as_tuple(asio::use_awaitable));
                continue;
            }
            l.current[slot] = index;
            bool ok = co_await hooks_.run(index);
            l.current[slot] = no_task;
            finish(index, ok, true);
        }
        if (--l.working == 0 && hooks_.loop_done) co_await hooks_.loop_done();
    }

    /// The first pending task, in order, whose groups all have room; or all_taken when nothing is
    /// left to launch; or none_free, and then `wake` is woken when that may have changed.
    std::size_t take(const std::shared_ptr<asio::steady_timer>& wake) {
        std::lock_guard lock{mutex_};
        if (stop_.load()) return all_taken;
        if (queued_ == 0 && last_wave()) return all_taken;
        std::size_t best = all_taken;
        cell* best_cell = nullptr;
        if (queued_ > 0) {
            for (auto& c : cells_) {
                if (c.pending.empty() || (best_cell && c.pending.front() > best)) continue;
                bool room = true;
                for (std::size_t l = 0; l < c.groups.size() && room; ++l) {
                    const auto& caps = opts_.limits[l].caps;
                    unsigned cap = c.groups[l] < caps.size() ? caps[c.groups[l]] : 0;
                    room = cap == 0 || running_[l][c.groups[l]] < cap;
                }
                if (room) {
                    best = c.pending.front();
                    best_cell = &c;
                }
            }
        }
        if (!best_cell) {
            waiters_.push_back(wake);  // capped, or the wave's last tasks run, or its gate
            return none_free;
        }
        best_cell->pending.pop_front();
        --queued_;
        for (std::size_t l = 0; l < best_cell->groups.size(); ++l) ++running_[l][best_cell->groups[l]];
        ++summary_.launched;
        if (hooks_.started) hooks_.started(best);
        return best;
    }

    /// Task `index` has ended (`finished` is told, unless it threw): its groups have room again, the
    /// failure budget may be spent, and its wave may be over.
    void finish(std::size_t index, bool ok, bool tell) {
        std::lock_guard lock{mutex_};
        if (tell && hooks_.finished) hooks_.finished(index, ok);
        const auto& c = cells_[cell_of_[index]];
        for (std::size_t l = 0; l < c.groups.size(); ++l) --running_[l][c.groups[l]];
        bool wake = !opts_.limits.empty();
        if (!ok) {
            ++summary_.failed;
            if (budget_ != 0 && summary_.failed >= budget_ && !stop_.load()) {
                summary_.stopped_early = true;
                summary_.stop = fleet_stop::failures;
                stop_launching();
                return;
            }
        }
        std::size_t size = wave_ends_[wave_] - (wave_ == 0 ? 0 : wave_ends_[wave_ - 1]);
        if (++ended_in_wave_ == size && !stop_.load() && !last_wave()) {
            if (hooks_.gate) {
                asio::post(loops_.front()->ctx, [this, w = wave_] { spawn_gate(w); });
                return;  // the gate wakes the workers
            }
            ++wave_;
            start_wave();
            wake = true;
        }
        if (wake) wake_all();
    }

    /// On the home loop, between waves: asks the gate, then starts the next wave or stops.
    void spawn_gate(std::size_t wave) {
        // A new signal per gate: one must outlive the completion handler it is bound to.
        gates_.push_back(std::make_unique<asio::cancellation_signal>());
        gate_running_ = true;
        auto ask = [this, wave]() -> asio::awaitable<bool> {
            co_await asio::this_coro::reset_cancellation_state(asio::enable_total_cancellation());
            co_await asio::this_coro::throw_if_cancelled(false);
            co_return co_await hooks_.gate(wave);
        };
        asio::co_spawn(loops_.front()->ctx, ask(),
                       asio::bind_cancellation_slot(gates_.back()->slot(), [this, wave](std::exception_ptr e, bool go) {
                           std::lock_guard lock{mutex_};
                           gate_running_ = false;
                           if (e && !failure_) failure_ = e;
                           if (stop_.load()) return wake_all();  // interrupted meanwhile
                           if (e || !go) {
                               summary_.stopped_early = !e;
                               summary_.stop = fleet_stop::gate;
                               summary_.gate_wave = wave;
                               return stop_launching();
                           }
                           ++wave_;
                           start_wave();
                           wake_all();
                       }));
    }

    /// Under mutex_: nothing more is launched; idle workers wake up to end.
    void stop_launching() {
        stop_ = true;
        wake_all();
    }

    /// Under mutex_: every idle worker looks again.
    void wake_all() {
        for (auto& w : waiters_) asio::post(w->get_executor(), [w] { w->cancel(); });
        waiters_.clear();
    }

    /// On the home loop: the first interrupt is graceful, every later one terminal.
    void interrupt(int sig) {
        asio::cancellation_type type = asio::cancellation_type::terminal;
        {
            std::lock_guard lock{mutex_};
            if (summary_.signal == 0) {
                summary_.signal = sig;
                type = asio::cancellation_type::total;
                if (summary_.stop == fleet_stop::none) summary_.stop = fleet_stop::interrupted;
                if (hooks_.interrupted) hooks_.interrupted(sig);
            }
            stop_launching();
        }
        if (gate_running_) gates_.back()->emit(type);  // the gate lives on this loop
        for (auto& l : loops_) {
            asio::post(l->ctx, [&lp = *l, type] {
                for (std::size_t i = 0; i < lp.cancel.size(); ++i)
                    if (!lp.done[i]) lp.cancel[i]->emit(type);
            });
        }
    }

    void schedule_tick() {
        ticker_->expires_after(opts_.tick_every);
        ticker_->async_wait([this](const boost::system::error_code& ec) {
            // A tick already queued when shut_down() cancelled the timer still arrives without an
            // error: rescheduling it would keep the home loop, and the fleet, running for ever.
            if (ec || shut_down_) return;
            {
                std::lock_guard lock{mutex_};
                if (hooks_.tick) hooks_.tick();
            }
            schedule_tick();
        });
    }

    void shut_down() {
        shut_down_ = true;
        keep_home_->reset();
        if (stop_watching_) stop_watching_();
        ticker_->cancel();
    }

    const fleet_options& opts_;
    const fleet_hooks& hooks_;
    std::vector<std::unique_ptr<loop>> loops_;
    std::function<void()> stop_watching_;
    asio::steady_timer* ticker_ = nullptr;
    bool shut_down_ = false;  // home loop only
    asio::executor_work_guard<asio::io_context::executor_type>* keep_home_ = nullptr;
    std::vector<std::unique_ptr<asio::cancellation_signal>> gates_;  // home loop only: one per gate
    bool gate_running_ = false;                                       // home loop only
    std::atomic<bool> stop_{false};
    std::atomic<unsigned> workers_left_{0};
    std::size_t budget_ = 0;  // failures that stop the launching; 0: none

    // Guarded by mutex_, like summary_, failure_ and every hook call but run, gate and loop_done.
    std::mutex mutex_;
    std::vector<cell> cells_;
    std::vector<std::size_t> cell_of_;                // task -> its cell
    std::vector<std::vector<unsigned>> running_;      // per limit, per group: tasks in flight
    std::vector<std::size_t> wave_ends_;              // normalised: increasing, the last is opts_.tasks
    std::size_t wave_ = 0;                            // the current wave
    std::size_t queued_ = 0;                          // tasks of the current wave not yet launched
    std::size_t ended_in_wave_ = 0;
    std::vector<std::shared_ptr<asio::steady_timer>> waiters_;  // idle workers
    fleet_summary summary_;
    std::exception_ptr failure_;
};

}  // namespace

fleet_summary run_fleet(const fleet_options& opts, const fleet_hooks& hooks) {
    fleet f{opts, hooks};
    return f.run();
}

}  // namespace r1::engine
