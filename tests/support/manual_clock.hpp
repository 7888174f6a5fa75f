#pragma once
/// A clock for unit tests: time stands still until a sleep moves it. Every sleep_until() jumps the
/// clock to its deadline at once (after yielding to the loop) and is recorded, so a test of a retry
/// loop sees the exact delays it modelled and takes milliseconds (Seastar's manual_clock, simplified
/// to one sleeper at a time, which is all a single task's loop has).
#include "engine/clock.hpp"

#include <boost/asio/post.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>

#include <vector>

namespace r1::test {

class manual_clock final : public engine::clock {
public:
    time_point now() const override { return now_; }
    void advance(duration d) { now_ += d; }
    /// Every sleep, as the duration from the moment it started.
    const std::vector<duration>& sleeps() const noexcept { return sleeps_; }

    boost::asio::awaitable<void> sleep_until(time_point deadline) override {
        sleeps_.push_back(deadline > now_ ? deadline - now_ : duration::zero());
        if (deadline > now_) now_ = deadline;
        co_await boost::asio::post(co_await boost::asio::this_coro::executor, boost::asio::use_awaitable);
    }

private:
    time_point now_ = time_point{} + std::chrono::hours(1);
    std::vector<duration> sleeps_;
};

}  // namespace r1::test
