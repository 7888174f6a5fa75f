#pragma once
/// Runs one awaitable to completion on a fresh io_context and returns its value (or rethrows).
#include <boost/asio/awaitable.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/use_future.hpp>

#include <utility>

namespace r1::test {

template <class T>
T run(boost::asio::awaitable<T> op) {
    boost::asio::io_context ctx;
    auto fut = boost::asio::co_spawn(ctx, std::move(op), boost::asio::use_future);
    ctx.run();
    return fut.get();
}

}  // namespace r1::test
