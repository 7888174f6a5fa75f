#pragma once
/// The health check r1 runs after a deploy and for --verify-only: GET, follow redirects, judge.
#include "engine/error.hpp"
#include "net/http_client.hpp"

#include <boost/asio/awaitable.hpp>

#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace r1::engine {

inline constexpr int max_redirects = 10;

struct health_config {
    std::string url;            // absolute http(s) URL
    std::string expected_body;  // substring the body must contain; empty: any non-empty body
    std::chrono::steady_clock::time_point deadline;  // for the whole check, redirects included
    std::string user_agent;
    /// HTTPS: a session of this URL's host to offer on the first GET (redirects to elsewhere
    /// always handshake in full); with keep_session the first GET's new session comes back.
    std::shared_ptr<const net::tls_session> resume;
    bool keep_session = false;
    /// Follow an https URL's redirect to plain http. Off: anyone on the path could forge the verdict.
    bool allow_insecure_redirects = false;
};

/// What the GETs of one check measured, in blackbox_exporter's terms (see cli/watch_metrics.cpp).
struct probe_details {
    net::phase_times times;  // summed over every GET of the check, redirects included
    unsigned redirects = 0;  // redirects followed
    std::optional<std::uint64_t> content_length;  // the final response's Content-Length
    std::uint64_t body_bytes = 0;                 // body bytes read of the final response
    bool tls = false;                             // the final response came over TLS
    bool tls_resumed = false;                     // the first GET resumed the offered session
    std::optional<std::int64_t> cert_not_after;   // final response's chain, earliest notAfter
    std::shared_ptr<const net::tls_session> session;  // the first GET's, with keep_session
};

struct health_report {
    boost::system::error_code ec;  // empty when healthy; else r1::error::{unhealthy,unavailable,timed_out,usage}
    boost::system::error_code cause;  // the transport failure behind ec (Asio, SSL, Beast), if any
    unsigned status = 0;           // last HTTP status seen, 0 if none
    std::string line;              // "health check: ..." one line for the operator
    /// Why it failed, as a stable code for programs (reports, NDJSON): http-503, empty-body,
    /// body-mismatch, timeout, connection-refused, tls-verify, ... (see cause_code() in the .cpp);
    /// empty when healthy.
    std::string cause_code;
    /// The URL of the last GET: where the redirects led (the start URL when there were none).
    std::string final_url;
    std::optional<std::uint64_t> retry_after_seconds;  // the last response's Retry-After, if any
    probe_details probe;
    /// The leaf certificates r1 verified on the way (every HTTPS hop of the redirect chain), as base64
    /// SHA-256 of their SubjectPublicKeyInfo: what a browser check may trust beyond Chromium's store.
    std::vector<std::string> verified_spki;
    /// Time to the response headers, summed over the GETs of the check (redirects included).
    std::chrono::nanoseconds ttfb{0};
    bool healthy() const noexcept { return !ec; }
};

/// Healthy means: final status 200, a non-empty body, and expected_body found in it.
boost::asio::awaitable<health_report> check_health(net::http_client& http, health_config cfg);

}  // namespace r1::engine
