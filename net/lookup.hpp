#pragma once
/// A host name lookup on the event loop itself (c-ares), which a deadline or a cancellation can
/// abandon at once. Asio's resolver runs getaddrinfo on a thread it cannot interrupt, and a thread
/// per lookup costs more than the lookup: c-ares needs none. /etc/hosts, resolv.conf (servers,
/// search, ndots, timeout, attempts) and nsswitch.conf's files-then-dns order are honoured.
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

/// Looks `host` up with the c-ares channel of `ex`'s io_context (one per io_context, made on first
/// use; each io_context must run on one thread) and completes on `ex`. Any cancellation type
/// completes the operation at once with operation_aborted; once no lookup on that channel has a
/// waiter, its queries are cancelled, so nothing keeps the event loop alive.
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
