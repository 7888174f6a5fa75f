#pragma once
/// Time for the engine: now() and an awaitable sleep, behind a seam so tests can move time by hand
/// (a 60 s backoff then costs no wall time). Deadlines are steady_clock time points throughout.
#include <boost/asio/awaitable.hpp>

#include <chrono>

namespace r1::engine {

class clock {
public:
    using time_point = std::chrono::steady_clock::time_point;
    using duration = std::chrono::steady_clock::duration;

    virtual ~clock() = default;
    virtual time_point now() const = 0;
    /// Completes at `deadline`, or early with boost::asio::error::operation_aborted when cancelled
    /// (thrown as usual for an awaitable, unless the caller disabled throw_if_cancelled).
    virtual boost::asio::awaitable<void> sleep_until(time_point deadline) = 0;
};

/// The real clock: std::chrono::steady_clock and an Asio steady_timer on the caller's executor.
class steady_clock_source final : public clock {
public:
    time_point now() const override { return std::chrono::steady_clock::now(); }
    boost::asio::awaitable<void> sleep_until(time_point deadline) override;
};

}  // namespace r1::engine
