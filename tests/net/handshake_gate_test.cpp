#include "net/handshake_gate.hpp"

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>

#include <catch2/catch.hpp>

#include <vector>

namespace asio = boost::asio;
using namespace std::chrono_literals;
using r1::net::handshake_gate;
using r1::net::handshake_slot;

namespace {

/// Enters, records its order, holds the slot for `hold`, leaves.
asio::awaitable<void> user(handshake_gate& gate, int id, std::vector<int>& order, std::size_t& most,
                           std::vector<int>& failed, std::chrono::milliseconds hold,
                           std::chrono::steady_clock::time_point deadline) {
    auto ec = co_await gate.enter(deadline);
    if (ec) {
        failed.push_back(id);
        co_return;
    }
    handshake_slot slot{&gate};
    order.push_back(id);
    most = std::max(most, gate.in_use());
    asio::steady_timer t{co_await asio::this_coro::executor, hold};
    co_await t.async_wait(asio::use_awaitable);
}

}  // namespace

TEST_CASE("handshake gate: never more than the limit at once, served in arrival order", "[net][gate]") {
    asio::io_context ctx;
    handshake_gate gate{3};
    std::vector<int> order, failed;
    std::size_t most = 0;
    auto far = std::chrono::steady_clock::now() + 10s;
    for (int i = 0; i < 10; ++i) asio::co_spawn(ctx, user(gate, i, order, most, failed, 5ms, far), asio::detached);
    ctx.run();
    CHECK(most == 3);
    CHECK(failed.empty());
    CHECK(order == std::vector<int>{0, 1, 2, 3, 4, 5, 6, 7, 8, 9});
    CHECK(gate.in_use() == 0);
}

TEST_CASE("handshake gate: a waiter past its deadline gives up with timed_out and holds nothing", "[net][gate]") {
    asio::io_context ctx;
    handshake_gate gate{1};
    std::vector<int> order, failed;
    std::size_t most = 0;
    auto now = std::chrono::steady_clock::now();
    asio::co_spawn(ctx, user(gate, 0, order, most, failed, 200ms, now + 10s), asio::detached);
    asio::co_spawn(ctx, user(gate, 1, order, most, failed, 0ms, now + 20ms), asio::detached);   // gives up
    asio::co_spawn(ctx, user(gate, 2, order, most, failed, 0ms, now + 10s), asio::detached);    // served after 0
    ctx.run();
    CHECK(failed == std::vector<int>{1});
    CHECK(order == std::vector<int>{0, 2});
    CHECK(gate.in_use() == 0);
}
