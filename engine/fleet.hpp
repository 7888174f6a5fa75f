#pragma once
/// Runs many tasks at once, on one event loop per core: at most `concurrency` in flight, tasks handed
/// out in order, in waves with a gate between them, within per-group caps (a region's or a
/// provider's deploys), and no new task once interrupted, once a gate says stop or once the failure
/// budget is spent.
#include <boost/asio/awaitable.hpp>

#include <chrono>
#include <cstddef>
#include <functional>
#include <vector>

namespace boost::asio {
class io_context;
}

namespace r1::engine {

/// One way of grouping the tasks with a cap per group: task i is in group group_of(i) <
/// caps.size(), and at most caps[g] tasks of group g run at once (0: no cap). A fleet may have
/// several (by region, by provider): a task starts only when each of its groups has room.
struct fleet_limit {
    std::function<std::size_t(std::size_t index)> group_of;
    std::vector<unsigned> caps;
};

struct fleet_options {
    std::size_t tasks = 0;
    unsigned concurrency = 4;  // tasks in flight at once, over all loops
    unsigned loops = 0;        // event loops, each on its own thread; 0: one per core
    bool fail_fast = false;    // launch nothing more once a task has failed: max_failures = 1
    /// Launch nothing more once this many tasks have failed; 0: no limit. Tasks already running
    /// then run to their end (a deploy stopped halfway is worse than one more result), so the
    /// failures counted at the end may exceed it by up to concurrency - 1.
    std::size_t max_failures = 0;
    /// Waves: the index one past each wave's last task, increasing (tasks [0, wave_ends[0]) are the
    /// first wave...). The last may be omitted: the rest of the tasks form the last wave. A wave
    /// starts once every task of the one before has ended and the gate has said go. Empty: one wave.
    std::vector<std::size_t> wave_ends;
    std::vector<fleet_limit> limits;
    std::chrono::milliseconds tick_every{0};  // 0: no tick
};

struct fleet_hooks {
    /// Runs task `index` on one of the loops and says whether it succeeded. The first interrupt
    /// reaches it as total cancellation, a second one as terminal.
    std::function<boost::asio::awaitable<bool>(std::size_t index)> run;
    /// Around each task, and every tick_every. Never called concurrently: the fleet serialises them.
    std::function<void(std::size_t index)> started;
    std::function<void(std::size_t index, bool ok)> finished;
    std::function<void()> tick;
    /// A wave is about to launch its first task (serialised with the hooks above).
    std::function<void(std::size_t wave)> wave_started;
    /// Between waves: every task of `wave` has ended and the next has not started. Runs on the
    /// first loop while no task runs (only `tick` and `interrupted` may come meanwhile, on the same
    /// thread); says whether to go on. An interrupt cancels it as it cancels tasks. Empty: always go on.
    std::function<boost::asio::awaitable<bool>(std::size_t wave)> gate;
    /// The first interrupt, serialised with the hooks above and called before any task sees it, so
    /// every `finished` of an interrupted task comes after it.
    std::function<void(int signal)> interrupted;
    /// Where interrupts come from (cli/ wires SIGINT and SIGTERM here). Called once, on the first
    /// loop before any task starts, with the fleet's `interrupt` function (callable from any thread:
    /// the first call stops launching and cancels every running task gracefully, total cancellation;
    /// later calls are terminal). It returns how to stop watching once every task has ended.
    /// Without it, nothing interrupts the fleet.
    std::function<std::function<void()>(boost::asio::io_context& loop, std::function<void(int signal)> interrupt)>
        watch_interrupts;
    /// Runs on each event loop once its last task has ended, before the loop stops: per-loop
    /// resources (a browser) are released there. May be empty. Not serialised with the hooks above.
    std::function<boost::asio::awaitable<void>()> loop_done;
};

/// Why the fleet launched no more tasks before the last one.
enum class fleet_stop {
    none,         // every task was launched
    interrupted,  // a signal
    failures,     // max_failures (or fail_fast) reached
    gate,         // a gate said stop
};

struct fleet_summary {
    int signal = 0;              // the signal that interrupted the fleet, 0 if none
    std::size_t launched = 0;    // tasks started; the rest never ran
    std::size_t failed = 0;      // tasks that ended without success
    bool stopped_early = false;  // the failure budget or a gate stopped the launching
    fleet_stop stop = fleet_stop::none;  // the first reason launching stopped
    std::size_t waves = 0;       // waves that started
    std::size_t gate_wave = 0;   // with stop == gate: the wave whose gate said stop
};

/// Blocks until every launched task has ended. An exception escaping a task or a gate is rethrown
/// here, after every other task has ended.
fleet_summary run_fleet(const fleet_options& opts, const fleet_hooks& hooks);

}  // namespace r1::engine
