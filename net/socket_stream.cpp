#include "net/socket_stream.hpp"

#include "net/tls_session.hpp"
#include "net/tls_verify_error.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/ssl/error.hpp>
#include <boost/asio/use_awaitable.hpp>

#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/sha.h>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>

#include <cerrno>
#include <climits>
#include <ctime>

#include <sys/socket.h>
#include <unistd.h>

namespace r1::net {
namespace {

namespace asio = boost::asio;
namespace sys = boost::system;

sys::error_code ssl_code(unsigned long err) {
    return {static_cast<int>(err), asio::error::get_ssl_category()};
}

/// The error behind a failed SSL_connect / SSL_read / SSL_write, mapped as asio::ssl::stream maps it.
sys::error_code ssl_failure(int ssl_error, int saved_errno) {
    unsigned long err = ERR_get_error();
    if (ssl_error == SSL_ERROR_ZERO_RETURN) return asio::error::eof;
    if (err != 0) {
        if (ERR_GET_REASON(err) == SSL_R_UNEXPECTED_EOF_WHILE_READING) return asio::ssl::error::stream_truncated;
        return ssl_code(err);
    }
    if (ssl_error == SSL_ERROR_SYSCALL && saved_errno != 0) return {saved_errno, sys::system_category()};
    return asio::ssl::error::stream_truncated;  // the peer closed without close_notify
}

}  // namespace

socket_stream::socket_stream(executor_type ex, std::chrono::steady_clock::time_point deadline)
    : state_(std::make_shared<state>(std::move(ex))) {
    state_->timer.expires_at(deadline);
    state_->timer.async_wait([st = state_](const sys::error_code& ec) {
        if (ec) return;  // the stream went first
        st->expired = true;
        sys::error_code ignored;
        st->socket.cancel(ignored);
    });
}

socket_stream::~socket_stream() {
    if (ssl_) SSL_free(ssl_);  // before the socket closes: SSL_free does not touch the fd
    state_->timer.cancel();
    sys::error_code ignored;
    state_->socket.close(ignored);
}

sys::error_code socket_stream::deadline_error() const { return asio::error::timed_out; }

asio::awaitable<sys::error_code> socket_stream::connect(const endpoint_list& endpoints) {
    sys::error_code last = asio::error::host_not_found;
    for (const auto& ep : endpoints) {
        if (state_->expired) co_return deadline_error();
        sys::error_code ec;
        if (state_->socket.is_open()) state_->socket.close(ec);
        // Close-on-exec from the first instant: Asio's open() leaves it off, so a flyctl another
        // event loop starts meanwhile would inherit this connection (and keep it open past r1).
        int fd = ::socket(ep.protocol().family(), SOCK_STREAM | SOCK_CLOEXEC, ep.protocol().protocol());
        if (fd < 0) co_return sys::error_code{errno, sys::system_category()};  // out of descriptors, most likely
        state_->socket.assign(ep.protocol(), fd, ec);
        if (ec) {
            ::close(fd);
            co_return ec;
        }
        auto [connect_ec] = co_await state_->socket.async_connect(ep, asio::as_tuple(asio::use_awaitable));
        if (state_->expired) co_return deadline_error();
        if (!connect_ec) {
            state_->socket.set_option(asio::ip::tcp::no_delay(true), ec);
            state_->socket.non_blocking(true, ec);
            co_return ec;
        }
        if (connect_ec == asio::error::operation_aborted) co_return connect_ec;
        last = connect_ec;
    }
    co_return last;
}

sys::error_code socket_stream::start_tls(SSL_CTX* ctx, const std::string& host, bool host_is_ip) {
    ERR_clear_error();
    ssl_ = SSL_new(ctx);
    if (!ssl_) return ssl_code(ERR_get_error());
    SSL_set_mode(ssl_, SSL_MODE_RELEASE_BUFFERS | SSL_MODE_ENABLE_PARTIAL_WRITE | SSL_MODE_ACCEPT_MOVING_WRITE_BUFFER);
    if (SSL_set_fd(ssl_, static_cast<int>(state_->socket.native_handle())) != 1) return ssl_code(ERR_get_error());
    // SNI for a name (RFC 6066 has none for IP literals); the certificate must match the name, or
    // carry the IP address, checked by OpenSSL during chain verification.
    if (host_is_ip) {
        if (X509_VERIFY_PARAM_set1_ip_asc(SSL_get0_param(ssl_), host.c_str()) != 1) return ssl_code(ERR_get_error());
    } else {
        if (SSL_set_tlsext_host_name(ssl_, host.c_str()) != 1) return ssl_code(ERR_get_error());
        SSL_set_hostflags(ssl_, X509_CHECK_FLAG_NO_PARTIAL_WILDCARDS);
        if (SSL_set1_host(ssl_, host.c_str()) != 1) return ssl_code(ERR_get_error());
    }
    SSL_set_verify(ssl_, SSL_VERIFY_PEER, nullptr);
    return {};
}

asio::awaitable<sys::error_code> socket_stream::handshake() {
    for (;;) {
        if (state_->expired) co_return deadline_error();
        ERR_clear_error();
        errno = 0;
        int r = SSL_connect(ssl_);
        if (r == 1) co_return sys::error_code{};
        int saved_errno = errno;
        int e = SSL_get_error(ssl_, r);
        if (e != SSL_ERROR_WANT_READ && e != SSL_ERROR_WANT_WRITE) {
            auto ec = ssl_failure(e, saved_errno);
            // OpenSSL's reason is only "certificate verify failed"; the verify result says which check
            // failed (expired, not yet valid, unknown issuer, host name mismatch).
            if (ec.category() == asio::error::get_ssl_category() &&
                ERR_GET_REASON(static_cast<unsigned long>(ec.value())) == SSL_R_CERTIFICATE_VERIFY_FAILED)
                if (long verify = SSL_get_verify_result(ssl_); verify != X509_V_OK) co_return make_tls_verify_error(verify);
            co_return ec;
        }
        auto want = e == SSL_ERROR_WANT_READ ? asio::socket_base::wait_read : asio::socket_base::wait_write;
        auto [ec] = co_await state_->socket.async_wait(want, asio::as_tuple(asio::use_awaitable));
        if (state_->expired) co_return deadline_error();
        if (ec) co_return ec;
    }
}

void socket_stream::offer_session(const tls_session& session) noexcept {
    if (ssl_) SSL_set_session(ssl_, session.native());  // takes its own reference
}

bool socket_stream::resumed() const noexcept { return ssl_ && SSL_session_reused(ssl_) == 1; }

std::optional<std::int64_t> socket_stream::earliest_not_after() const noexcept {
    if (!ssl_) return std::nullopt;
    // The chain as the server sent it, leaf included (client side); a resumed session keeps it.
    STACK_OF(X509)* chain = SSL_get_peer_cert_chain(ssl_);
    std::optional<std::int64_t> earliest;
    for (int i = 0; chain && i < sk_X509_num(chain); ++i) {
        std::tm tm{};
        const ASN1_TIME* not_after = X509_get0_notAfter(sk_X509_value(chain, i));
        if (!not_after || ASN1_TIME_to_tm(not_after, &tm) != 1) continue;
        std::int64_t t = ::timegm(&tm);
        if (!earliest || t < *earliest) earliest = t;
    }
    return earliest;
}

std::shared_ptr<const tls_session> socket_stream::resumable_session() const {
    if (!ssl_) return nullptr;
    SSL_SESSION* s = SSL_get1_session(ssl_);
    if (!s) return nullptr;
    if (SSL_SESSION_is_resumable(s) != 1) {
        SSL_SESSION_free(s);
        return nullptr;
    }
    return std::make_shared<const tls_session>(s);
}

std::string socket_stream::peer_spki_sha256() const {
    if (!ssl_) return {};
    X509* leaf = SSL_get0_peer_certificate(ssl_);
    if (!leaf) return {};
    unsigned char* der = nullptr;
    int len = i2d_X509_PUBKEY(X509_get_X509_PUBKEY(leaf), &der);
    if (len <= 0) return {};
    unsigned char digest[SHA256_DIGEST_LENGTH];
    SHA256(der, static_cast<std::size_t>(len), digest);
    OPENSSL_free(der);
    unsigned char b64[4 * ((SHA256_DIGEST_LENGTH + 2) / 3) + 1];
    int n = EVP_EncodeBlock(b64, digest, SHA256_DIGEST_LENGTH);
    return std::string(reinterpret_cast<const char*>(b64), static_cast<std::size_t>(n));
}

void socket_stream::close_notify() noexcept {
    if (!ssl_) return;
    ERR_clear_error();
    SSL_shutdown(ssl_);  // queues and tries to send our close_notify; the peer's is not awaited
    ERR_clear_error();
}

socket_stream::step socket_stream::transfer(bool write, asio::mutable_buffer buffer) noexcept {
    int size = buffer.size() > INT_MAX ? INT_MAX : static_cast<int>(buffer.size());
    if (ssl_) {
        ERR_clear_error();
        errno = 0;
        int r = write ? SSL_write(ssl_, buffer.data(), size) : SSL_read(ssl_, buffer.data(), size);
        if (r > 0) return {static_cast<std::size_t>(r)};
        int saved_errno = errno;
        int e = SSL_get_error(ssl_, r);
        if (e == SSL_ERROR_WANT_READ) return {0, {}, true, asio::socket_base::wait_read};
        if (e == SSL_ERROR_WANT_WRITE) return {0, {}, true, asio::socket_base::wait_write};
        return {0, ssl_failure(e, saved_errno)};
    }
    int fd = static_cast<int>(state_->socket.native_handle());
    for (;;) {
        auto r = write ? ::send(fd, buffer.data(), static_cast<std::size_t>(size), MSG_NOSIGNAL)
                       : ::recv(fd, buffer.data(), static_cast<std::size_t>(size), 0);
        if (r > 0) return {static_cast<std::size_t>(r)};
        if (r == 0) return {0, asio::error::eof};
        if (errno == EINTR) continue;
        if (errno == EAGAIN || errno == EWOULDBLOCK)
            return {0, {}, true, write ? asio::socket_base::wait_write : asio::socket_base::wait_read};
        return {0, {errno, sys::system_category()}};
    }
}

}  // namespace r1::net
