#include "net/tls_session.hpp"

#include <openssl/ssl.h>

namespace r1::net {

tls_session::tls_session(SSL_SESSION* s) noexcept : session_(s) {}

tls_session::~tls_session() { SSL_SESSION_free(session_); }

std::chrono::seconds tls_session::lifetime_hint() const noexcept {
    return std::chrono::seconds(SSL_SESSION_get_ticket_lifetime_hint(session_));
}

}  // namespace r1::net
