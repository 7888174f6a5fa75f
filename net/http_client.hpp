#pragma once
/// The HTTP client seam: one GET, with the body streamed through a substring search, never stored.
#include "net/url.hpp"

#include <boost/asio/awaitable.hpp>
#include <boost/system/result.hpp>

#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>

namespace r1::net {

inline constexpr std::uint64_t default_max_body = 8 * 1024 * 1024;
/// A longer Retry-After is taken as this: a week, past any retry budget r1 accepts (168h), and far
/// from overflowing a clock (9999999999 s, sent by a broken server, overflowed r1's before).
inline constexpr std::uint64_t max_retry_after_seconds = 7 * 24 * 3600;

/// A TLS session a later GET to the same host and port may resume (net/tls_session.hpp).
struct tls_session;

/// How long each phase of one GET took, as blackbox_exporter splits a request: name lookup, TCP
/// connect, TLS handshake, connection to first response header ("processing"), headers to the end
/// of the body ("transfer"). Zero for a phase the GET did not have (no lookup for an IP literal).
struct phase_times {
    std::chrono::nanoseconds resolve{0};
    std::chrono::nanoseconds connect{0};
    std::chrono::nanoseconds tls{0};
    std::chrono::nanoseconds processing{0};
    std::chrono::nanoseconds transfer{0};
};

struct http_request {
    url target;
    /// Covers DNS, connect, TLS handshake, request, headers and body together.
    std::chrono::steady_clock::time_point deadline;
    std::string user_agent;
    /// Searched across the whole body up to max_body, also across chunk boundaries. Empty: no search.
    std::string expected_substring;
    std::uint64_t max_body = default_max_body;
    /// HTTPS: a session from an earlier GET to this host and port, offered for resumption (the
    /// server may still insist on a full handshake). Null: always a full handshake.
    std::shared_ptr<const tls_session> resume;
    /// HTTPS: hand the connection's resumable session back in http_response::session.
    bool keep_session = false;
};

struct http_response {
    unsigned status = 0;
    std::string reason;
    std::string location;             // Location header, empty if none
    std::optional<std::uint64_t> retry_after_seconds;  // Retry-After in seconds, when sent; at most max_retry_after_seconds
    std::uint64_t body_bytes = 0;     // bytes of body read, at most max_body
    bool body_capped = false;         // the body was longer than max_body; reading stopped there
    bool substring_found = false;
    std::optional<std::uint64_t> content_length;  // the Content-Length header, when sent
    phase_times times;
    bool tls = false;          // the response came over TLS
    bool tls_resumed = false;  // ... on a resumed session: no certificate was sent or verified
    /// TLS: the earliest notAfter (Unix time) of the certificates the server sent, as
    /// blackbox_exporter's probe_ssl_earliest_cert_expiry. A resumed session reports the
    /// certificates of the full handshake it descends from.
    std::optional<std::int64_t> cert_not_after;
    /// With keep_session: the session to offer next time, when the server made one resumable.
    std::shared_ptr<const tls_session> session;
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
