#pragma once
/// Classifies r1's own structured failure causes (Asio, SSL and r1::error codes) without reading
/// any text: the repair loop asks this first and falls back to classify(text) for CLI output.
#include "engine/classify/classify.hpp"

#include <boost/system/error_code.hpp>

namespace r1::engine {

/// Transient: Asio timed_out, connection_reset/refused/aborted, broken_pipe, eof, network and host
/// unreachable, host_not_found_try_again ("dns-temporary"), r1::error::unavailable and timed_out.
/// Permanent: host_not_found ("dns-nxdomain"), SSL certificate verification failures and
/// net::tls_verify_category() codes ("tls-verify"), no TLS version in common with the server
/// ("tls-protocol"), r1::error usage, flyctl_not_found, app_name_missing, provider_unsupported and
/// interrupted. Unknown: r1::error::unhealthy (the HTTP status decides), success, anything else.
/// `where` is always npos.
verdict classify(const boost::system::error_code& ec) noexcept;

}  // namespace r1::engine
