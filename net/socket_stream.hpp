#pragma once
/// One TCP connection, plain or TLS, with one deadline for everything done on it: an
/// AsyncReadStream / AsyncWriteStream for Beast's HTTP operations. Internal to beast_client.cpp.
///
/// TLS runs OpenSSL directly on the non-blocking socket (SSL_set_fd), driven by readiness waits on
/// the event loop, instead of through asio::ssl::stream. That stream keeps two 17 KiB record
/// buffers of its own and a 2 x 17 KiB BIO pair per connection, on top of OpenSSL's own buffers;
/// at a thousand checks in flight those copies were most of r1's memory. Here OpenSSL reads from
/// and writes to the socket itself, and SSL_MODE_RELEASE_BUFFERS frees its record buffers whenever
/// they are empty, which for a health check is nearly always.
#include "net/lookup.hpp"

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/append.hpp>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/compose.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/beast/core/buffers_range.hpp>
#include <boost/system/error_code.hpp>

#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>

typedef struct ssl_st SSL;
typedef struct ssl_ctx_st SSL_CTX;

namespace r1::net {

struct tls_session;

class socket_stream {
public:
    using executor_type = boost::asio::any_io_executor;

    /// Everything on this stream fails with asio::error::timed_out once `deadline` has passed.
    socket_stream(executor_type ex, std::chrono::steady_clock::time_point deadline);
    ~socket_stream();
    socket_stream(const socket_stream&) = delete;
    socket_stream& operator=(const socket_stream&) = delete;

    executor_type get_executor() const { return state_->socket.get_executor(); }

    /// Tries each endpoint in turn; the last failure is returned when none answers.
    boost::asio::awaitable<boost::system::error_code> connect(const endpoint_list& endpoints);

    /// Makes the stream TLS: SNI for a host name, and verification of the chain (ctx's trust
    /// store) and of the host name or IP address. Call after connect().
    boost::system::error_code start_tls(SSL_CTX* ctx, const std::string& host, bool host_is_ip);
    boost::asio::awaitable<boost::system::error_code> handshake();
    /// Offers an earlier session of the same host for resumption: after start_tls(), before
    /// handshake(). The server decides; resumed() says what it did.
    void offer_session(const tls_session& session) noexcept;
    bool resumed() const noexcept;
    /// The earliest notAfter (Unix time) of the certificates the server sent (on a resumed
    /// session: those of the handshake the session came from). After handshake().
    std::optional<std::int64_t> earliest_not_after() const noexcept;
    /// The connection's session when the server made it resumable (in TLS 1.3 its ticket arrives
    /// after the handshake, so ask once the response has been read); null otherwise.
    std::shared_ptr<const tls_session> resumable_session() const;
    /// After a successful handshake: base64 of the SHA-256 of the verified leaf certificate's
    /// SubjectPublicKeyInfo (the form Chromium's --ignore-certificate-errors-spki-list takes).
    std::string peer_spki_sha256() const;
    /// Sends a close_notify if the socket takes it at once; never waits for the peer's.
    void close_notify() noexcept;

    /// One read or write of at most the first buffer: OpenSSL first, then a readiness wait when it
    /// wants one. Completes with eof on a clean end, ssl::error::stream_truncated when a TLS peer
    /// drops the connection without close_notify, timed_out past the deadline.
    template <class MutableBufferSequence, class Token>
    auto async_read_some(const MutableBufferSequence& buffers, Token&& token) {
        return async_io(false, front(buffers), std::forward<Token>(token));
    }
    template <class ConstBufferSequence, class Token>
    auto async_write_some(const ConstBufferSequence& buffers, Token&& token) {
        return async_io(true, front(buffers), std::forward<Token>(token));
    }

private:
    struct state {
        explicit state(executor_type ex) : socket(ex), timer(ex) {}
        boost::asio::ip::tcp::socket socket;
        boost::asio::steady_timer timer;
        bool expired = false;
    };

    /// What one OpenSSL (or send/recv) call did: bytes moved, or the readiness it needs, or an error.
    struct step {
        std::size_t bytes = 0;
        boost::system::error_code ec;
        bool wait = false;
        boost::asio::socket_base::wait_type want = boost::asio::socket_base::wait_read;
    };

    template <class Buffers>
    static boost::asio::mutable_buffer front(const Buffers& buffers) {
        for (auto b : boost::beast::buffers_range_ref(buffers))
            if (b.size() > 0) return {const_cast<void*>(static_cast<const void*>(b.data())), b.size()};
        return {};
    }

    step transfer(bool write, boost::asio::mutable_buffer buffer) noexcept;
    boost::system::error_code deadline_error() const;

    template <class Token>
    auto async_io(bool write, boost::asio::mutable_buffer buffer, Token&& token) {
        return boost::asio::async_compose<Token, void(boost::system::error_code, std::size_t)>(
            io_op{this, write, buffer}, token, state_->socket);
    }

    /// The composed read or write. Its first attempt runs inside the initiating call, so a result
    /// found there is posted: a handler never runs inside the call that started it.
    struct io_op {
        socket_stream* self_stream;
        bool write;
        boost::asio::mutable_buffer buffer;
        bool started = false;
        bool done = false;

        template <class Self>
        void operator()(Self& self, boost::system::error_code ec = {}, std::size_t bytes = 0) {
            if (done) return self.complete(ec, bytes);
            bool first = !started;
            started = true;
            auto finish = [&](boost::system::error_code e, std::size_t n) {
                if (!first) return self.complete(e, n);
                done = true;
                auto ex = self_stream->get_executor();
                boost::asio::post(ex, boost::asio::append(std::move(self), e, n));
            };
            if (!first && ec) return finish(self_stream->state_->expired ? self_stream->deadline_error() : ec, 0);
            if (self_stream->state_->expired) return finish(self_stream->deadline_error(), 0);
            if (buffer.size() == 0) return finish({}, 0);
            auto r = self_stream->transfer(write, buffer);
            if (!r.wait) return finish(r.ec, r.bytes);
            self_stream->state_->socket.async_wait(r.want, std::move(self));
        }
    };

    std::shared_ptr<state> state_;  // shared with the deadline timer's handler
    SSL* ssl_ = nullptr;
};

}  // namespace r1::net
