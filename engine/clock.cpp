#include "engine/clock.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>

namespace r1::engine {

boost::asio::awaitable<void> steady_clock_source::sleep_until(time_point deadline) {
    boost::asio::steady_timer timer{co_await boost::asio::this_coro::executor, deadline};
    // A cancelled sleep is an ordinary outcome for the caller, who checks its cancellation state.
    co_await timer.async_wait(boost::asio::as_tuple(boost::asio::use_awaitable));
}

}  // namespace r1::engine
