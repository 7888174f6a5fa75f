#pragma once
/// The real http_client: one GET over Beast and OpenSSL, bounded by the request's deadline and
/// cancellable, with the body streamed through a body_matcher and never stored.
#include "net/http_client.hpp"

#include <boost/asio/ssl/context.hpp>

namespace r1::net {

class beast_client final : public http_client {
public:
    /// TLS handshakes in progress at once on one event loop; more GETs wait their turn before
    /// connecting (see handshake_gate.hpp for why). Far above what one core can complete per RTT.
    static constexpr std::size_t default_max_handshakes = 128;

    /// `tls` (see make_tls_context) is shared by every GET and must outlive the client.
    explicit beast_client(boost::asio::ssl::context& tls, std::size_t max_handshakes = default_max_handshakes) noexcept
        : tls_(tls), max_handshakes_(max_handshakes) {}

    /// Follows the shape of Beast's http_client_awaitable_ssl example. Expected failures come back
    /// as error codes: Asio (refused, reset, timed_out at the deadline, operation_aborted when
    /// cancelled), SSL (handshake, verification) and Beast's HTTP parser codes.
    boost::asio::awaitable<boost::system::result<http_response>> get(http_request req) override;

private:
    boost::asio::ssl::context& tls_;
    std::size_t max_handshakes_;
};

}  // namespace r1::net
