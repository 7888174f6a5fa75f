#pragma once
/// Why OpenSSL refused the server's certificate: the X509_V_ERR_* result of chain and host-name
/// verification as an error code, so "certificate has expired" reaches the operator instead of
/// the handshake's generic "certificate verify failed".
#include <boost/system/error_code.hpp>

namespace r1::net {

/// Category "r1.x509"; a code's value is an X509_V_ERR_* constant, its message OpenSSL's text for it.
const boost::system::error_category& tls_verify_category() noexcept;

inline boost::system::error_code make_tls_verify_error(long verify_result) noexcept {
    return {static_cast<int>(verify_result), tls_verify_category()};
}

}  // namespace r1::net
