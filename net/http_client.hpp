#pragma once
/// The HTTP client seam: one GET, with the body streamed through a substring search, never stored.
#include "net/url.hpp"

#include <boost/asio/awaitable.hpp>
#include <boost/system/result.hpp>

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>

namespace r1::net {

inline constexpr std::uint64_t default_max_body = 8 * 1024 * 1024;
/// A longer Retry-After is taken as this: a week, past any retry budget r1 accepts (168h), and far
/// from overflowing a clock (9999999999 s, sent by a broken server, overflowed r1's before).
inline constexpr std::uint64_t max_retry_after_seconds = 7 * 24 * 3600;

struct http_request {
    url target;
    /// Covers DNS, connect, TLS handshake, request, headers and body together.
    std::chrono::steady_clock::time_point deadline;
    std::string user_agent;
    /// Searched across the whole body up to max_body, also across chunk boundaries. Empty: no search.
    std::string expected_substring;
    std::uint64_t max_body = default_max_body;
};

struct http_response {
    unsigned status = 0;
    std::string reason;
    std::string location;             // Location header, empty if none
    std::optional<std::uint64_t> retry_after_seconds;  // Retry-After in seconds, when sent; at most max_retry_after_seconds
    std::uint64_t body_bytes = 0;     // bytes of body read, at most max_body
    bool body_capped = false;         // the body was longer than max_body; reading stopped there
    bool substring_found = false;
    /// HTTPS: base64 SHA-256 of the leaf certificate's SubjectPublicKeyInfo, as verified. Empty for http.
    std::string spki_sha256;
    /// From the start of the GET (lookup, connect, TLS, request) to the response headers: its time
    /// to first byte, as --ttfb-sla judges it.
    std::chrono::nanoseconds headers_after{0};
};

/// A non-2xx status is data, not an error. Errors are transport failures: Asio, SSL and Beast codes,
/// and boost::asio::error::timed_out when the deadline passes.
class http_client {
public:
    virtual ~http_client() = default;
    virtual boost::asio::awaitable<boost::system::result<http_response>> get(http_request req) = 0;
};

}  // namespace r1::net
