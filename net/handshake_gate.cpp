#include "net/handshake_gate.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/error.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>

namespace r1::net {

namespace asio = boost::asio;

asio::awaitable<boost::system::error_code> handshake_gate::enter(std::chrono::steady_clock::time_point deadline) {
    if (used_ < limit_ && line_.empty()) {
        ++used_;
        co_return boost::system::error_code{};
    }
    asio::steady_timer timer{co_await asio::this_coro::executor, deadline};
    waiter me{&timer};
    auto place = line_.insert(line_.end(), &me);
    auto [ec] = co_await timer.async_wait(asio::as_tuple(asio::use_awaitable));
    if (me.granted) co_return boost::system::error_code{};  // leave() handed us its slot
    line_.erase(place);
    co_return ec ? ec : boost::system::error_code(asio::error::timed_out);
}

void handshake_gate::leave() noexcept {
    if (line_.empty()) {
        --used_;
        return;
    }
    waiter* next = line_.front();
    line_.pop_front();
    next->granted = true;
    next->timer->cancel();
}

}  // namespace r1::net
