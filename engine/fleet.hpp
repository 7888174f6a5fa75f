#pragma once
/// Runs many tasks at once, on one event loop per core: at most `concurrency` in flight, tasks handed
/// out in order, and no new task once interrupted or, with fail_fast, after the first failure.
#include <boost/asio/awaitable.hpp>

#include <chrono>
#include <cstddef>
#include <functional>
#include <vector>

namespace boost::asio {
class io_context;
}

namespace r1::engine {

struct fleet_options {
    std::size_t tasks = 0;
    unsigned concurrency = 4;  // tasks in flight at once, over all loops
    unsigned loops = 0;        // event loops, each on its own thread; 0: one per core
    bool fail_fast = false;    // launch nothing more once a task has failed
    std::chrono::milliseconds tick_every{0};  // 0: no tick
    /// Groups with caps of their own (a provider's deploys, rate-limited per account): task i is in
    /// group group_of(i) < group_caps.size(), and at most group_caps[g] of a group run at once (0: no
    /// cap). A worker takes the first task in order whose group has room, and waits when none has.
    /// Empty: one group, no cap but `concurrency`.
    std::function<std::size_t(std::size_t index)> group_of;
    std::vector<unsigned> group_caps;
};

struct fleet_hooks {
    /// Runs task `index` on one of the loops and says whether it succeeded. The first interrupt
    /// reaches it as total cancellation, a second one as terminal.
    std::function<boost::asio::awaitable<bool>(std::size_t index)> run;
    /// Around each task, and every tick_every. Never called concurrently: the fleet serialises them.
    std::function<void(std::size_t index)> started;
    std::function<void(std::size_t index, bool ok)> finished;
    std::function<void()> tick;
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

struct fleet_summary {
    int signal = 0;              // the signal that interrupted the fleet, 0 if none
    std::size_t launched = 0;    // tasks started; the rest never ran
    bool stopped_early = false;  // fail_fast stopped the launching
};

/// Blocks until every launched task has ended. An exception escaping a task is rethrown here, after
/// every other task has ended.
fleet_summary run_fleet(const fleet_options& opts, const fleet_hooks& hooks);

}  // namespace r1::engine
