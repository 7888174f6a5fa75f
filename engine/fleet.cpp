#include "engine/fleet.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/bind_cancellation_slot.hpp>
#include <boost/asio/cancellation_signal.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>

#include <algorithm>
#include <atomic>
#include <deque>
#include <exception>
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
    unsigned working = 0;  // workers still running on this loop; touched on its thread only
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
        capped_ = opts_.group_of && std::any_of(opts_.group_caps.begin(), opts_.group_caps.end(), [](unsigned c) { return c > 0; });
        if (capped_) {
            pending_.resize(opts_.group_caps.size());
            running_.assign(opts_.group_caps.size(), 0);
            for (std::size_t i = 0; i < opts_.tasks; ++i) pending_.at(opts_.group_of(i)).push_back(i);
        }

        auto& home = loops_.front()->ctx;
        asio::steady_timer ticker{home};
        ticker_ = &ticker;
        // The home loop runs until the last worker anywhere has ended (shut_down), even when its own
        // workers end first: the interrupt watch and the ticker live on it.
        auto keep_home = asio::make_work_guard(home);
        keep_home_ = &keep_home;
        if (workers == 0) {
            return summary_;
        }
        if (hooks_.watch_interrupts)
            stop_watching_ = hooks_.watch_interrupts(home, [this, &home](int sig) {
                asio::post(home, [this, sig] { interrupt(sig); });
            });
        if (opts_.tick_every.count() > 0) schedule_tick();

        for (unsigned w = 0; w < workers; ++w) {
            auto& l = *loops_[w % loop_count];
            l.cancel.push_back(std::make_unique<asio::cancellation_signal>());
            l.done.push_back(0);
            std::size_t slot = l.cancel.size() - 1;
            ++l.working;
            asio::co_spawn(l.ctx, worker(l), asio::bind_cancellation_slot(l.cancel[slot]->slot(), [this, &l, slot](std::exception_ptr e) {
                l.done[slot] = 1;
                if (e) {
                    std::lock_guard lock{mutex_};
                    if (!failure_) failure_ = e;
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
    asio::awaitable<void> worker(loop& l) {
        // Total cancellation (the first signal) lets each task stop its children politely.
        co_await asio::this_coro::reset_cancellation_state(asio::enable_total_cancellation());
        co_await asio::this_coro::throw_if_cancelled(false);  // each task checks and cleans up itself
        std::shared_ptr<asio::steady_timer> wake;  // a capped fleet's idle worker waits on it
        while (!stop_.load()) {
            std::size_t index = 0;
            if (!capped_) {
                index = next_.fetch_add(1);
                if (index >= opts_.tasks) break;
            } else {
                if (!wake) wake = std::make_shared<asio::steady_timer>(co_await asio::this_coro::executor);
                auto taken = take(wake);
                if (taken == all_taken) break;
                if (taken == none_free) {
                    // Woken when a task ends (release) or on an interrupt (the coroutine's own
                    // cancellation); the timeout only bounds a missed wake-up.
                    wake->expires_after(std::chrono::seconds(1));
                    co_await wake->async_wait(asio::as_tuple(asio::use_awaitable));
                    continue;
                }
                index = taken;
            }
            {
                std::lock_guard lock{mutex_};
                ++summary_.launched;
                if (hooks_.started) hooks_.started(index);
            }
            bool ok = co_await hooks_.run(index);
            {
                std::lock_guard lock{mutex_};
                if (hooks_.finished) hooks_.finished(index, ok);
                if (!ok && opts_.fail_fast && !stop_.load()) {
                    summary_.stopped_early = summary_.signal == 0;
                    stop_ = true;
                }
                if (capped_) release(index);
            }
        }
        if (--l.working == 0 && hooks_.loop_done) co_await hooks_.loop_done();
    }

    static constexpr std::size_t all_taken = static_cast<std::size_t>(-1);
    static constexpr std::size_t none_free = static_cast<std::size_t>(-2);

    /// The first pending task, in file order, whose group has room; or all_taken; or none_free, and
    /// then `wake` is woken when a task ends.
    std::size_t take(const std::shared_ptr<asio::steady_timer>& wake) {
        std::lock_guard lock{mutex_};
        if (stop_.load()) return all_taken;
        std::size_t best = all_taken;
        std::size_t best_group = 0;
        bool any_pending = false;
        for (std::size_t g = 0; g < pending_.size(); ++g) {
            if (pending_[g].empty()) continue;
            any_pending = true;
            unsigned cap = opts_.group_caps[g];
            if (cap != 0 && running_[g] >= cap) continue;
            if (best == all_taken || pending_[g].front() < best) {
                best = pending_[g].front();
                best_group = g;
            }
        }
        if (best != all_taken) {
            pending_[best_group].pop_front();
            ++running_[best_group];
            return best;
        }
        if (!any_pending) return all_taken;
        waiters_.push_back(wake);
        return none_free;
    }

    /// Under mutex_: task `index` has ended; its group has room again, so every waiting worker looks.
    void release(std::size_t index) {
        --running_[opts_.group_of(index)];
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
                if (hooks_.interrupted) hooks_.interrupted(sig);
            }
        }
        stop_ = true;
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
    std::atomic<std::size_t> next_{0};
    std::atomic<bool> stop_{false};
    std::atomic<unsigned> workers_left_{0};
    bool capped_ = false;                      // some group has a cap: tasks are taken under mutex_
    std::vector<std::deque<std::size_t>> pending_;  // per group, its tasks not yet started, in order
    std::vector<unsigned> running_;            // per group, its tasks in flight
    std::vector<std::shared_ptr<asio::steady_timer>> waiters_;  // idle workers of a capped fleet
    std::mutex mutex_;  // guards summary_, failure_, the groups above and every hook call but run
    fleet_summary summary_;
    std::exception_ptr failure_;
};

}  // namespace

fleet_summary run_fleet(const fleet_options& opts, const fleet_hooks& hooks) {
    fleet f{opts, hooks};
    return f.run();
}

}  // namespace r1::engine
