#include "engine/classify/signals.hpp"

namespace r1::engine::classify_signals {
namespace {

constexpr auto P0 = tier::decisive_permanent;
constexpr auto D1 = tier::decisive_transient;
constexpr auto T1 = tier::transient;
constexpr auto P2 = tier::permanent;
constexpr auto T3 = tier::weak_transient;

}  // namespace

// CURLcode values: https://github.com/curl/curl/blob/master/include/curl/curl.h and
// https://curl.se/libcurl/c/libcurl-errors.html. curl's own --retry retries 28 (timeout) and
// 6 (resolve), and 408, 429, 500, 502, 503, 504, 522, 524 answers
// (retrycheck() in https://github.com/curl/curl/blob/master/src/tool_operate.c). A failed
// resolution is judged as POLICY.md says instead: the name does not exist (the provider-API
// exception is made by the scanner), so 6 is the ordinary permanent dns-nxdomain.
rule curl_code(std::uint64_t code) noexcept {
    switch (code) {
    case 1: return {P2, "unsupported"};          // CURLE_UNSUPPORTED_PROTOCOL
    case 3: return {P2, "config-invalid"};       // CURLE_URL_MALFORMAT
    case 5: return {P2, "dns-nxdomain"};         // CURLE_COULDNT_RESOLVE_PROXY
    case 6: return {P2, "dns-nxdomain"};         // CURLE_COULDNT_RESOLVE_HOST
    case 9: return {P0, "auth"};                 // CURLE_REMOTE_ACCESS_DENIED
    case 18: return {T1, "connection-closed"};   // CURLE_PARTIAL_FILE: transfer cut short
    case 28: return {T1, "timeout"};             // CURLE_OPERATION_TIMEDOUT
    case 35: return {T3, "tls-handshake"};       // CURLE_SSL_CONNECT_ERROR: reset or alert; the text decides
    case 47: return {P2, "too-many-redirects"};  // CURLE_TOO_MANY_REDIRECTS
    case 51: return {P0, "tls-verify"};          // old CURLE_PEER_FAILED_VERIFICATION (host name)
    case 52: return {T1, "connection-closed"};   // CURLE_GOT_NOTHING: empty reply
    case 55: return {T1, "connection-reset"};    // CURLE_SEND_ERROR
    case 56: return {T1, "connection-reset"};    // CURLE_RECV_ERROR
    case 58: return {P0, "tls-verify"};          // CURLE_SSL_CERTPROBLEM: local client certificate
    case 60: return {P0, "tls-verify"};          // CURLE_PEER_FAILED_VERIFICATION
    case 63: return {P2, "too-large"};           // CURLE_FILESIZE_EXCEEDED
    case 67: return {P0, "auth"};                // CURLE_LOGIN_DENIED
    case 77: return {P0, "tls-verify"};          // CURLE_SSL_CACERT_BADFILE
    case 78: return {P2, "not-found"};           // CURLE_REMOTE_FILE_NOT_FOUND
    case 83: return {P0, "tls-verify"};          // CURLE_SSL_ISSUER_ERROR
    case 90: return {P0, "tls-verify"};          // CURLE_SSL_PINNEDPUBKEYNOTMATCH
    case 91: return {P0, "tls-verify"};          // CURLE_SSL_INVALIDCERTSTATUS
    case 94: return {P0, "auth"};                // CURLE_AUTH_ERROR
    default: return {};  // 7 (could not connect), 22 (HTTP error), 16/92 (HTTP/2): the text decides
    }
}

// errno values as Linux (asm-generic/errno.h), macOS (sys/errno.h) and Windows (WSA* in
// winerror.h, https://learn.microsoft.com/en-us/windows/win32/winsock/windows-sockets-error-codes-2)
// number them; a value is judged only where no other system gives it another common meaning.
rule errno_code(std::uint64_t code) noexcept {
    switch (code) {
    case 104: case 54: case 10054: return {T1, "connection-reset"};        // ECONNRESET
    case 110: case 60: case 10060: return {T1, "timeout"};                 // ETIMEDOUT
    case 111: case 61: case 10061: return {T1, "connection-refused"};      // ECONNREFUSED
    case 103: case 53: case 10053: return {T1, "connection-aborted"};      // ECONNABORTED
    case 101: case 51: case 10051: return {T1, "network-unreachable"};     // ENETUNREACH
    case 113: case 65: case 10065: return {T1, "network-unreachable"};     // EHOSTUNREACH
    case 32: return {T1, "broken-pipe"};                                   // EPIPE (Linux and macOS)
    case 11001: return {P2, "dns-nxdomain"};                               // WSAHOST_NOT_FOUND
    case 11002: return {D1, "dns-temporary"};                              // WSATRY_AGAIN
    default: return {};
    }
}

// OpenSSL packs the library and the reason into one number: 3.x as lib << 23 | reason
// (ERR_PACK in openssl/err.h), 1.1 as lib << 24 | func << 12 | reason. Library 20 is SSL
// (ERR_LIB_SSL); the reasons are SSL_R_* in openssl/sslerr.h.
namespace {
rule ssl_reason(std::uint64_t reason) noexcept {
    switch (reason) {
    case 134: return {P0, "tls-verify"};      // SSL_R_CERTIFICATE_VERIFY_FAILED
    case 1042: case 1045: case 1044: case 1046: case 1048:
        return {P0, "tls-verify"};            // SSLV3 alerts bad/expired/revoked/unknown certificate, TLSV1 unknown CA
    case 267: return {P2, "tls-protocol"};    // SSL_R_WRONG_VERSION_NUMBER: TLS spoken to a plain port
    case 156: case 155: return {P2, "tls-protocol"};  // SSL_R_HTTP_REQUEST, SSL_R_HTTPS_PROXY_REQUEST
    case 252: return {P2, "tls-protocol"};    // SSL_R_UNKNOWN_PROTOCOL
    case 258: case 1070: case 191:
        return {P2, "tls-protocol"};          // unsupported protocol, TLSV1 alert protocol version, no protocols available
    case 193: case 1040: return {P2, "tls-handshake"};  // no shared cipher, SSLV3 alert handshake failure
    case 1112: return {P2, "tls-handshake"};  // SSL_R_TLSV1_UNRECOGNIZED_NAME: SNI the server does not serve
    // SSL_R_UNEXPECTED_EOF_WHILE_READING: the peer closed without close_notify. POLICY.md's TLS row
    // covers it mid-handshake (scan.cpp qualifies it there); after the handshake it may be a peer
    // that never sends close_notify, on every request.
    case 294: return {T1, "eof"};
    case 281: return {T1, "connection-reset"};  // SSL_R_DECRYPTION_FAILED_OR_BAD_RECORD_MAC: corrupted in transit
    default: return {};
    }
}
}  // namespace

rule asio_ssl_code(std::uint64_t code) noexcept {
    if (code > 0xFFFFFFFFull) return {};
    if (((code >> 24) & 0xFF) == 20) return ssl_reason(code & 0xFFF);      // 1.1 layout
    if (((code >> 23) & 0xFF) == 20) return ssl_reason(code & 0x7FFFFF);   // 3.x layout
    return {};
}

rule openssl_queue_code(std::uint64_t code) noexcept { return asio_ssl_code(code); }

// asio::ssl::error::stream_errors (boost/asio/ssl/error.hpp): 1 stream_truncated, the peer closed
// the TLS stream without close_notify, as engine/classify/classify_error.cpp judges it.
rule asio_ssl_stream_code(std::uint64_t code) noexcept {
    return code == 1 ? rule{T1, "connection-reset"} : rule{};
}

// asio::error::misc_errors, netdb_errors and addrinfo_errors (boost/asio/error.hpp).
rule asio_misc_code(std::uint64_t code) noexcept {
    return code == 2 ? rule{T1, "eof"} : rule{};  // misc_errors::eof
}
rule asio_netdb_code(std::uint64_t code) noexcept {
    switch (code) {
    case 1: return {P2, "dns-nxdomain"};   // host_not_found (authoritative)
    case 2: return {D1, "dns-temporary"};  // host_not_found_try_again (POLICY.md's resolver row)
    case 3: return {P2, "dns-nxdomain"};   // no_data: the name has no address of that family
    case 4: return {P2, "dns-nxdomain"};   // no_recovery
    default: return {};
    }
}
rule asio_addrinfo_code(std::uint64_t code) noexcept {
    return code == 1 || code == 2 ? rule{P2, "config-invalid"} : rule{};  // service_not_found, socket_type_not_supported
}

// boost::beast::http::error (boost/beast/http/error.hpp): end_of_stream = 1, partial_message,
// need_more, unexpected_body, need_buffer, end_of_chunk, buffer_overflow, header_limit,
// body_limit, bad_alloc, bad_line_ending ... bad_obs_fold = 23, multiple_content_length,
// stale_parser, short_read = 26.
rule beast_http_code(std::uint64_t code) noexcept {
    switch (code) {
    case 1: return {T1, "eof"};                 // end_of_stream
    case 2: return {T1, "connection-closed"};   // partial_message
    case 26: return {T1, "connection-closed"};  // short_read
    case 7: case 8: case 9: return {P2, "too-large"};  // buffer_overflow, header_limit, body_limit
    default:
        if (code >= 11 && code <= 24) return {P2, "bad-response"};  // the peer does not speak HTTP/1
        return {};
    }
}

// Cloudflare codes. Edge errors (an error page's "Error 1101"):
// https://developers.cloudflare.com/support/troubleshooting/http-status-codes/cloudflare-1xxx-errors/
// and, for Workers, https://developers.cloudflare.com/workers/observability/errors/ (1101
// exception, 1102 CPU limit, 1015 burst rate limit, 1019 loop limit, 1027 free-tier daily
// request limit). API errors on Worker upload (10006 ... 10069) are listed on that page too;
// 9106 and 10000 are authentication errors (AUTHENTICATION_ERROR_CODES in wrangler's
// https://github.com/cloudflare/workers-sdk/blob/main/packages/wrangler/src/core/handle-errors.ts),
// 8000007 a Pages project not found and 8000013 unauthorized (wrangler's pages/deploy.ts and
// pages/errors.ts), 1000 an invalid API token and 9109 a token that cannot read its own
// permissions (wrangler's user/whoami.ts). 971 and 10429 come with "Please wait and consider throttling your request
// speed" (https://github.com/cloudflare/workers-sdk/discussions/14300).
rule cloudflare_code(std::uint64_t code) noexcept {
    switch (code) {
    // edge
    case 1015: return {D1, "rate-limit"};
    case 1200: return {D1, "capacity"};        // too many requests queued at the edge
    case 1027: return {P0, "quota"};           // daily request limit of the free plan: hours away
    case 1101: case 1102: case 1103: case 1019: return {P0, "app-crashing"};
    case 1001: case 1016: case 1018: case 1023: case 1014: return {P0, "dns-nxdomain"};
    case 1003: case 1004: case 1013: case 1021: case 1022: case 1024: case 1042: return {P0, "config-invalid"};
    case 1005: case 1006: case 1007: case 1008: case 1009: case 1010: case 1011: case 1012: case 1020:
    case 1034:
        return {P0, "auth"};  // banned or blocked by the site's rules: no retry gets through
    // API
    case 971: case 10429: return {D1, "rate-limit"};
    case 1000: case 9106: case 9109: case 10000: case 8000013: return {P0, "auth"};
    case 10015: case 10037: return {P0, "billing"};  // not entitled to Workers; too many Workers for the plan
    case 10035: return {D1, "lease-contention"};     // another change to the same resource in progress
    case 10007: case 8000007: return {P0, "not-found"};
    case 10027: case 10054: case 10055: return {P0, "too-large"};
    case 7000: case 7003: case 10006: case 10016: case 10021: case 10026: case 10052: case 10056: case 10063:
    case 10068: case 10069:
        return {P0, "config-invalid"};
    default: return {};
    }
}

}  // namespace r1::engine::classify_signals
