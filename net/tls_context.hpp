#pragma once
/// Builds the one TLS client context every health GET shares: peer verification against the system
/// trust store (SSL_CERT_FILE / SSL_CERT_DIR honoured) plus an optional --ca-file, TLS 1.2 or newer.
#include <boost/asio/ssl/context.hpp>
#include <boost/system/result.hpp>

#include <string>
#include <string_view>

namespace r1::net {

/// `ca_file` (PEM, may hold several certificates) is trusted in addition to the system store;
/// empty means none. The error is a one-line message for the operator, naming the file.
boost::system::result<boost::asio::ssl::context, std::string> make_tls_context(std::string_view ca_file = {});

}  // namespace r1::net
