#pragma once
/// A host name lookup that a deadline or a cancellation can abandon at once. Asio's resolver runs
/// getaddrinfo on a thread it cannot interrupt, so a slow DNS server would hold the caller (and any
/// parallel_group racing it against a timer) until the lookup gave up on its own.
#include <boost/asio/any_completion_handler.hpp>
#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/async_result.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/system/error_code.hpp>

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

namespace r1::net {

using endpoint_list = std::vector<boost::asio::ip::tcp::endpoint>;
using lookup_signature = void(boost::system::error_code, endpoint_list);

/// Looks `host` up on a detached thread and completes on `ex`. Any cancellation type completes the
/// operation at once with operation_aborted; the thread's late answer is then dropped.
void start_lookup(boost::asio::any_io_executor ex, std::string host, std::uint16_t port,
                  boost::asio::any_completion_handler<lookup_signature> handler);

/// start_lookup() for any completion token (use_awaitable, deferred for a parallel_group, ...).
template <class CompletionToken>
auto async_lookup(boost::asio::any_io_executor ex, std::string host, std::uint16_t port, CompletionToken&& token) {
    return boost::asio::async_initiate<CompletionToken, lookup_signature>(
        [](auto handler, boost::asio::any_io_executor e, std::string h, std::uint16_t p) {
            start_lookup(std::move(e), std::move(h), p, std::move(handler));
        },
        token, std::move(ex), std::move(host), port);
}

}  // namespace r1::net
