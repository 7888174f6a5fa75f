#include "tests/support/fault_server.hpp"

#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/ssl.h>

#include <cerrno>
#include <csignal>
#include <cstring>
#include <filesystem>
#include <stdexcept>

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <sys/socket.h>
#include <unistd.h>

namespace r1::test {
namespace {

constexpr int drip_every_ms = 100;

void check(bool ok, const char* what) {
    if (!ok) throw std::runtime_error(std::string("fault_server: ") + what + ": " + std::strerror(errno));
}

bool before_tls(fault f) {
    return f == fault::reset_in_handshake || f == fault::silent || f == fault::partial_server_hello;
}

}  // namespace

struct fault_server::tls_state {
    SSL_CTX* ctx = nullptr;
    ~tls_state() { SSL_CTX_free(ctx); }
};

/// One accepted socket. Only the destructor's shutdown() and the handler's close touch `fd` from two
/// threads, both under the server's mutex, so a closed number is never shut down after reuse.
struct fault_server::connection {
    int fd = -1;
    SSL* ssl = nullptr;
    std::thread thread;
};

fault_server::fault_server(fault f, std::optional<fault_tls> tls) : fault_(f) {
    int pipe_fds[2];
    check(::pipe2(pipe_fds, O_CLOEXEC) == 0, "pipe");
    stop_read_ = pipe_fds[0];
    stop_write_ = pipe_fds[1];

    if (tls) {
        tls_ = std::make_unique<tls_state>();
        tls_->ctx = SSL_CTX_new(TLS_server_method());
        check(tls_->ctx != nullptr, "SSL_CTX_new");
        BIO* cert_bio = BIO_new_mem_buf(tls->cert.cert_pem.data(), static_cast<int>(tls->cert.cert_pem.size()));
        X509* cert = PEM_read_bio_X509(cert_bio, nullptr, nullptr, nullptr);
        BIO_free(cert_bio);
        BIO* key_bio = BIO_new_mem_buf(tls->cert.key_pem.data(), static_cast<int>(tls->cert.key_pem.size()));
        EVP_PKEY* key = PEM_read_bio_PrivateKey(key_bio, nullptr, nullptr, nullptr);
        BIO_free(key_bio);
        check(cert && key, "reading the certificate");
        if (tls->seclevel0) {
            SSL_CTX_set_security_level(tls_->ctx, 0);
            check(SSL_CTX_set_cipher_list(tls_->ctx, "DEFAULT:@SECLEVEL=0") == 1, "cipher list");
        }
        check(SSL_CTX_use_certificate(tls_->ctx, cert) == 1, "certificate");
        check(SSL_CTX_use_PrivateKey(tls_->ctx, key) == 1, "key");
        X509_free(cert);
        EVP_PKEY_free(key);
        if (tls->min_version) check(SSL_CTX_set_min_proto_version(tls_->ctx, tls->min_version) == 1, "min version");
        if (tls->max_version) check(SSL_CTX_set_max_proto_version(tls_->ctx, tls->max_version) == 1, "max version");
    }

    listen_fd_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    check(listen_fd_ >= 0, "socket");
    int one = 1;
    ::setsockopt(listen_fd_, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    check(::bind(listen_fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0, "bind");
    check(::listen(listen_fd_, 1024) == 0, "listen");
    socklen_t len = sizeof addr;
    check(::getsockname(listen_fd_, reinterpret_cast<sockaddr*>(&addr), &len) == 0, "getsockname");
    port_ = ntohs(addr.sin_port);
    acceptor_ = std::thread([this] { accept_loop(); });
}

fault_server::~fault_server() {
    char byte = 1;
    (void)!::write(stop_write_, &byte, 1);
    acceptor_.join();
    {
        std::lock_guard lock{mutex_};
        for (auto& c : conns_)
            if (c->fd >= 0) ::shutdown(c->fd, SHUT_RDWR);  // wakes a handler blocked in SSL_accept or recv
    }
    for (auto& c : conns_) c->thread.join();
    for (auto& c : conns_) {
        if (c->ssl) SSL_free(c->ssl);
        if (c->fd >= 0) ::close(c->fd);
    }
    ::close(listen_fd_);
    ::close(stop_read_);
    ::close(stop_write_);
}

std::string fault_server::url(std::string_view path, std::string_view host) const {
    std::string scheme = tls_ || before_tls(fault_) ? "https" : "http";
    return scheme + "://" + std::string(host) + ":" + std::to_string(port_) + std::string(path);
}

bool fault_server::wait_for_connections(std::size_t n, std::chrono::milliseconds timeout) const {
    std::unique_lock lock{mutex_};
    return accepted_.wait_for(lock, timeout, [&] { return connections_.load() >= n; });
}

void fault_server::accept_loop() {
    for (;;) {
        pollfd fds[2] = {{listen_fd_, POLLIN, 0}, {stop_read_, POLLIN, 0}};
        if (::poll(fds, 2, -1) < 0) {
            if (errno == EINTR) continue;
            return;
        }
        if (fds[1].revents) return;
        int fd = ::accept4(listen_fd_, nullptr, nullptr, SOCK_CLOEXEC);
        if (fd < 0) continue;
        std::lock_guard lock{mutex_};
        auto& c = *conns_.emplace_back(std::make_unique<connection>());
        c.fd = fd;
        c.thread = std::thread([this, &c] { serve(c); });
        ++connections_;
        accepted_.notify_all();
    }
}

namespace {

/// Blocking I/O on one connection, through OpenSSL once TLS is up. Every wait also watches the stop
/// pipe, so the server's destructor never waits on a client.
class conn_io {
public:
    conn_io(int fd, SSL* ssl, int stop) : fd_(fd), ssl_(ssl), stop_(stop) {}

    /// Waits until the socket is readable (true) or the server stops (false); `ms` < 0 waits forever,
    /// otherwise false at the timeout too (with timed_out set).
    bool wait_readable(int ms, bool* timed_out = nullptr) {
        if (ssl_ && SSL_pending(ssl_) > 0) return true;
        for (;;) {
            pollfd fds[2] = {{fd_, POLLIN, 0}, {stop_, POLLIN, 0}};
            int r = ::poll(fds, 2, ms);
            if (r < 0 && errno == EINTR) continue;
            if (r == 0 && timed_out) *timed_out = true;
            return r > 0 && !fds[1].revents;
        }
    }
    /// Some bytes, or 0 when the peer is gone or the server stops.
    std::size_t read_some(char* buf, std::size_t size) {
        if (!wait_readable(-1)) return 0;
        if (ssl_) {
            int r = SSL_read(ssl_, buf, static_cast<int>(size));
            return r > 0 ? static_cast<std::size_t>(r) : 0;
        }
        auto r = ::recv(fd_, buf, size, 0);
        return r > 0 ? static_cast<std::size_t>(r) : 0;
    }
    bool write(std::string_view data) {
        while (!data.empty()) {
            long r = ssl_ ? SSL_write(ssl_, data.data(), static_cast<int>(data.size()))
                          : ::send(fd_, data.data(), data.size(), MSG_NOSIGNAL);
            if (r <= 0) return false;
            data.remove_prefix(static_cast<std::size_t>(r));
        }
        return true;
    }
    /// Reads up to the blank line that ends the request head; false if the client went first.
    bool read_request() {
        std::string head;
        char buf[4096];
        while (head.find("\r\n\r\n") == std::string::npos) {
            auto n = read_some(buf, sizeof buf);
            if (n == 0 || head.size() > 64 * 1024) return false;
            head.append(buf, n);
        }
        return true;
    }
    /// Until the client closes (or the server stops), discarding whatever it sends.
    void wait_until_gone() {
        char buf[4096];
        while (read_some(buf, sizeof buf) > 0) {
        }
    }
    /// One byte of `byte` every drip_every_ms until the client goes or the server stops.
    void drip(char byte) {
        for (;;) {
            bool timed_out = false;
            if (wait_readable(drip_every_ms, &timed_out)) {
                char buf[4096];
                if (read_some(buf, sizeof buf) == 0) return;
                continue;
            }
            if (!timed_out || !write(std::string_view(&byte, 1))) return;
        }
    }

private:
    int fd_;
    SSL* ssl_;
    int stop_;
};

}  // namespace

void fault_server::serve(connection& c) {
    // SSL_write() writes with write(2), not send(MSG_NOSIGNAL): a client that is gone must not kill
    // the test run with SIGPIPE. Blocked here, the signal stays pending on this thread and dies with it.
    sigset_t pipe_only;
    sigemptyset(&pipe_only);
    sigaddset(&pipe_only, SIGPIPE);
    pthread_sigmask(SIG_BLOCK, &pipe_only, nullptr);

    auto close_now = [&](bool reset) {
        std::lock_guard lock{mutex_};
        if (reset) {
            linger hard{1, 0};  // close() then sends RST instead of FIN
            ::setsockopt(c.fd, SOL_SOCKET, SO_LINGER, &hard, sizeof hard);
        }
        if (c.ssl) SSL_free(c.ssl);  // no close_notify: these faults end the connection abruptly
        c.ssl = nullptr;
        ::close(c.fd);
        c.fd = -1;
    };
    conn_io raw{c.fd, nullptr, stop_read_};
    char buf[4096];
    switch (fault_) {
    case fault::reset_in_handshake:
        if (raw.read_some(buf, sizeof buf) > 0) close_now(true);
        return;
    case fault::silent: raw.wait_until_gone(); return;
    case fault::partial_server_hello: {
        if (raw.read_some(buf, sizeof buf) == 0) return;
        // A TLS 1.2 handshake record of 122 bytes holding a ServerHello; only its first 10 body bytes come.
        static constexpr unsigned char partial[] = {0x16, 0x03, 0x03, 0x00, 0x7a, 0x02, 0x00, 0x00,
                                                    0x76, 0x03, 0x03, 0x5a, 0x5a, 0x5a, 0x5a};
        raw.write(std::string_view(reinterpret_cast<const char*>(partial), sizeof partial));
        raw.wait_until_gone();
        return;
    }
    default: break;
    }

    if (tls_) {
        {
            std::lock_guard lock{mutex_};
            c.ssl = SSL_new(tls_->ctx);
            SSL_set_fd(c.ssl, c.fd);
        }
        if (SSL_accept(c.ssl) != 1) {
            ERR_clear_error();
            return;  // the client refused us (a bad certificate, an old protocol) or went away
        }
    }
    conn_io io{c.fd, c.ssl, stop_read_};
    if (!io.read_request()) return;
    ++requests_;

    switch (fault_) {
    case fault::ok: io.write("HTTP/1.1 200 OK\r\nContent-Length: 10\r\nConnection: close\r\n\r\nOK healthy"); break;
    case fault::reset_after_request: close_now(true); return;
    case fault::garbage: {
        static constexpr char junk[] = "\x00\x01\xfe\xff SSH-2.0-OpenSSH_9.2\r\n\x1b[2J not http at all\r\n\r\n";
        io.write(std::string_view(junk, sizeof junk - 1));
        close_now(false);
        return;
    }
    case fault::truncated_body:
        io.write("HTTP/1.1 200 OK\r\nContent-Length: 1000\r\nConnection: close\r\n\r\nOK partial");
        close_now(false);
        return;
    case fault::body_longer_than_declared:
        io.write("HTTP/1.1 200 OK\r\nContent-Length: 2\r\nConnection: close\r\n\r\nOK NEEDLE and 40 more bytes nobody declared");
        close_now(false);
        return;
    case fault::interim_responses:
        io.write("HTTP/1.1 100 Continue\r\n\r\n"
                 "HTTP/1.1 103 Early Hints\r\nLink: </style.css>; rel=preload; as=style\r\n\r\n"
                 "HTTP/1.1 200 OK\r\nContent-Length: 10\r\nConnection: close\r\n\r\nOK healthy");
        break;
    case fault::drip_headers:
        if (io.write("HTTP/1.1 200 OK\r\nX-Drip: ")) io.drip('a');
        return;
    case fault::drip_body:
        if (io.write("HTTP/1.1 200 OK\r\nContent-Length: 1048576\r\n\r\n")) io.drip('.');
        return;
    case fault::chunk_extension_flood:
    case fault::trailer_flood: {
        // Bounded, so a client without limits is pushed far past them but never exhausts the machine.
        constexpr std::size_t flood_bytes = 64 * 1024 * 1024;
        std::string piece;
        if (fault_ == fault::chunk_extension_flood) {
            piece.assign(64 * 1024, 'x');
            if (!io.write("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n1;")) return;
        } else {
            for (int i = 0; i < 512; ++i) piece += "X-Pad: " + std::string(118, 'p') + "\r\n";
            if (!io.write("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n"
                          "2\r\nOK\r\n0\r\n"))
                return;
        }
        for (std::size_t sent = 0; sent < flood_bytes; sent += piece.size())
            if (!io.write(piece)) return;
        break;
    }
    case fault::long_chunk_extension:
        io.write("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n2;ext=" +
                 std::string(8 * 1024, 'x') + "\r\nOK\r\n0\r\n\r\n");
        break;
    case fault::huge_retry_after:
        io.write("HTTP/1.1 429 Too Many Requests\r\nRetry-After: 9999999999\r\nContent-Length: 0\r\n\r\n");
        break;
    default: break;
    }
    io.wait_until_gone();  // the client closes first (it sent Connection: close and has its answer)
}

std::size_t open_fd_count() {
    std::size_t n = 0;
    for ([[maybe_unused]] const auto& entry : std::filesystem::directory_iterator("/proc/self/fd")) ++n;
    return n;
}

}  // namespace r1::test
