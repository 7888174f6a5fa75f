#include "tests/support/flap_server.hpp"

#include "tests/support/test_pki.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl/context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/string_body.hpp>
#include <boost/beast/http/write.hpp>
#include <boost/beast/ssl/ssl_stream.hpp>

#include <map>
#include <mutex>
#include <thread>
#include <type_traits>

#include <openssl/ssl.h>

#include <fcntl.h>

namespace r1::test {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
namespace ssl = asio::ssl;
using tcp = asio::ip::tcp;
using namespace std::chrono_literals;
constexpr auto as_result = asio::as_tuple(asio::use_awaitable);

}  // namespace

struct flap_server::impl {
    ssl::context tls{ssl::context::tls_server};
    asio::io_context ctx;
    tcp::acceptor plain_acceptor{ctx, {asio::ip::make_address("127.0.0.1"), 0}};
    tcp::acceptor tls_acceptor{ctx, {asio::ip::make_address("127.0.0.1"), 0}};
    mutable std::mutex mutex;
    std::map<std::string, unsigned, std::less<>> status;
    std::map<std::string, bool, std::less<>> alternating;
    std::map<std::string, std::size_t, std::less<>> counts;
    unsigned default_status = 200;
    std::chrono::milliseconds delay{0};
    std::size_t full = 0;
    std::size_t resumed = 0;
    std::thread thread;

    impl() {
        tls.use_certificate_chain(asio::buffer(pki().localhost.cert_pem));
        tls.use_private_key(asio::buffer(pki().localhost.key_pem), ssl::context::pem);
        // Not inherited by the r1 a test starts (nor, through it, by an --on-change command whose
        // descriptors a test lists).
        for (auto* a : {&plain_acceptor, &tls_acceptor}) ::fcntl(a->native_handle(), F_SETFD, FD_CLOEXEC);
        asio::co_spawn(ctx, accept_loop(plain_acceptor, false), asio::detached);
        asio::co_spawn(ctx, accept_loop(tls_acceptor, true), asio::detached);
        thread = std::thread([this] { ctx.run(); });
    }

    ~impl() {
        ctx.stop();
        thread.join();
    }

    asio::awaitable<void> accept_loop(tcp::acceptor& acceptor, bool use_tls) {
        for (;;) {
            auto [ec, socket] = co_await acceptor.async_accept(as_result);
            if (ec) co_return;
            ::fcntl(socket.native_handle(), F_SETFD, FD_CLOEXEC);
            if (use_tls) asio::co_spawn(ctx, serve_tls(std::move(socket)), asio::detached);
            else asio::co_spawn(ctx, serve_plain(std::move(socket)), asio::detached);
        }
    }

    asio::awaitable<void> serve_plain(tcp::socket socket) {
        beast::tcp_stream stream{std::move(socket)};
        co_await serve(stream);
    }

    asio::awaitable<void> serve_tls(tcp::socket socket) {
        beast::ssl_stream<beast::tcp_stream> stream{std::move(socket), tls};
        stream.next_layer().expires_after(10s);
        if (auto [ec] = co_await stream.async_handshake(ssl::stream_base::server, as_result); ec) co_return;
        {
            std::lock_guard lock{mutex};
            ++(SSL_session_reused(stream.native_handle()) ? resumed : full);
        }
        co_await serve(stream);
    }

    unsigned answer_for(std::string_view name) {
        std::lock_guard lock{mutex};
        auto& n = counts[std::string(name)];
        ++n;
        if (auto a = alternating.find(name); a != alternating.end() && a->second) return n % 2 == 1 ? 200 : 503;
        if (auto it = status.find(name); it != status.end()) return it->second;
        return default_status;
    }

    template <class Stream>
    asio::awaitable<void> serve(Stream& stream) {
        beast::flat_buffer buffer;
        http::request<http::string_body> req;
        beast::get_lowest_layer(stream).expires_after(10s);
        if (auto [ec, n] = co_await http::async_read(stream, buffer, req, as_result); ec) co_return;
        std::string_view target = req.target();
        std::string_view path = target.substr(0, target.find('?'));
        unsigned code = 404;
        if (path.starts_with("/t/")) code = answer_for(path.substr(3));
        std::chrono::milliseconds wait;
        {
            std::lock_guard lock{mutex};
            wait = delay;
        }
        if (wait.count() > 0) {
            asio::steady_timer timer{ctx, wait};
            co_await timer.async_wait(as_result);
        }
        http::response<http::string_body> res{static_cast<http::status>(code), 11};
        res.set(http::field::content_type, "text/plain");
        res.keep_alive(false);
        res.body() = code == 200 ? "OK flap" : "down";
        res.prepare_payload();
        beast::get_lowest_layer(stream).expires_after(10s);
        co_await http::async_write(stream, res, as_result);
        if constexpr (std::is_same_v<Stream, beast::tcp_stream>) {
            boost::system::error_code ignored;
            stream.socket().shutdown(tcp::socket::shutdown_send, ignored);
        } else {
            beast::get_lowest_layer(stream).expires_after(2s);
            co_await stream.async_shutdown(as_result);
        }
    }
};

flap_server::flap_server() : impl_(std::make_unique<impl>()) {}
flap_server::~flap_server() = default;

std::string flap_server::url(std::string_view name) const {
    return "https://localhost:" + std::to_string(impl_->tls_acceptor.local_endpoint().port()) + "/t/" + std::string(name);
}

std::string flap_server::http_url(std::string_view name) const {
    return "http://127.0.0.1:" + std::to_string(impl_->plain_acceptor.local_endpoint().port()) + "/t/" +
           std::string(name);
}

void flap_server::set_status(std::string_view name, unsigned status) {
    std::lock_guard lock{impl_->mutex};
    impl_->status[std::string(name)] = status;
    impl_->alternating[std::string(name)] = false;
}

void flap_server::set_default(unsigned status) {
    std::lock_guard lock{impl_->mutex};
    impl_->default_status = status;
}

void flap_server::alternate(std::string_view name) {
    std::lock_guard lock{impl_->mutex};
    impl_->alternating[std::string(name)] = true;
}

void flap_server::set_delay(std::chrono::milliseconds d) {
    std::lock_guard lock{impl_->mutex};
    impl_->delay = d;
}

std::size_t flap_server::requests(std::string_view name) const {
    std::lock_guard lock{impl_->mutex};
    auto it = impl_->counts.find(name);
    return it == impl_->counts.end() ? 0 : it->second;
}

std::size_t flap_server::full_handshakes() const {
    std::lock_guard lock{impl_->mutex};
    return impl_->full;
}

std::size_t flap_server::resumed_handshakes() const {
    std::lock_guard lock{impl_->mutex};
    return impl_->resumed;
}

bool flap_server::wait_requests(std::string_view name, std::size_t n, int ms) const {
    auto until = std::chrono::steady_clock::now() + std::chrono::milliseconds(ms);
    while (requests(name) < n) {
        if (std::chrono::steady_clock::now() >= until) return false;
        std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    return true;
}

}  // namespace r1::test
