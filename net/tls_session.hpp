#pragma once
/// A TLS session kept between health checks of one target, so the next check may resume it (an
/// abbreviated handshake: no certificate sent, parsed or verified). Owns one OpenSSL SSL_SESSION;
/// immutable once made, so any event loop may offer it.
#include <chrono>

typedef struct ssl_session_st SSL_SESSION;

namespace r1::net {

struct tls_session {
    /// Takes ownership of one reference to `s`.
    explicit tls_session(SSL_SESSION* s) noexcept;
    ~tls_session();
    tls_session(const tls_session&) = delete;
    tls_session& operator=(const tls_session&) = delete;

    SSL_SESSION* native() const noexcept { return session_; }
    /// How long the server said its ticket may be used (RFC 8446 4.6.1 ticket_lifetime; 0: not said).
    std::chrono::seconds lifetime_hint() const noexcept;

private:
    SSL_SESSION* session_;
};

}  // namespace r1::net
