#include "engine/classify/classify_error.hpp"

#include "engine/error.hpp"

#include <boost/asio/error.hpp>
#include <boost/asio/ssl/error.hpp>

#include <openssl/x509_vfy.h>

#include <string_view>

namespace r1::engine {
namespace {

namespace aerr = boost::asio::error;

constexpr verdict transient(std::string_view signal) noexcept { return {failure_class::transient, signal}; }
constexpr verdict permanent(std::string_view signal) noexcept { return {failure_class::permanent, signal}; }

verdict classify_r1(r1::error e) noexcept {
    switch (e) {
    case r1::error::unavailable: return transient("unavailable");
    case r1::error::timed_out: return transient("timeout");
    case r1::error::unhealthy: return {failure_class::unknown, "unhealthy"};
    case r1::error::usage: return permanent("usage");
    case r1::error::flyctl_not_found: return permanent("flyctl-not-found");
    case r1::error::app_name_missing: return permanent("app-name-missing");
    case r1::error::provider_unsupported: return permanent("provider-unsupported");
    case r1::error::interrupted: return permanent("interrupted");
    case r1::error::provider_failed:       // the CLI's output decides
    case r1::error::bad_provider_output: break;
    }
    return {};
}

verdict classify_ssl(const boost::system::error_code& ec) noexcept {
    // A peer that closes without close_notify: the connection broke, as with a reset.
    if (ec == boost::asio::ssl::error::stream_truncated) return transient("connection-reset");
    // OpenSSL packs library and reason into the code; only certificate verification is final.
    auto reason = ERR_GET_REASON(static_cast<unsigned long>(ec.value()));
    if (reason == SSL_R_CERTIFICATE_VERIFY_FAILED) return permanent("tls-verify");
    // No TLS version in common: the server will not grow one between two attempts.
    if (reason == SSL_R_TLSV1_ALERT_PROTOCOL_VERSION || reason == SSL_R_UNSUPPORTED_PROTOCOL)
        return permanent("tls-protocol");
    return {};
}

}  // namespace

verdict classify(const boost::system::error_code& ec) noexcept {
    if (!ec) return {};
    if (ec.category() == r1::error_category()) return classify_r1(static_cast<r1::error>(ec.value()));
    // net::tls_verify_category(), by name: engine/ does not link net/.
    if (std::string_view(ec.category().name()) == "r1.x509") return permanent("tls-verify");
    if (ec.category() == boost::asio::error::get_ssl_category() ||
        ec.category() == boost::asio::ssl::error::get_stream_category())
        return classify_ssl(ec);
    if (ec == aerr::timed_out) return transient("timeout");
    if (ec == aerr::connection_reset) return transient("connection-reset");
    if (ec == aerr::connection_refused) return transient("connection-refused");
    if (ec == aerr::connection_aborted) return transient("connection-aborted");
    if (ec == aerr::broken_pipe) return transient("broken-pipe");
    if (ec == aerr::eof) return transient("eof");
    if (ec == aerr::network_unreachable || ec == aerr::host_unreachable || ec == aerr::network_down)
        return transient("network-unreachable");
    if (ec == aerr::host_not_found_try_again) return transient("dns-temporary");
    if (ec == aerr::host_not_found) return permanent("dns-nxdomain");
    return {};
}

}  // namespace r1::engine
