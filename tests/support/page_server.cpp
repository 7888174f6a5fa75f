#include "tests/support/page_server.hpp"

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

#include <algorithm>
#include <map>
#include <mutex>
#include <thread>

namespace r1::test {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
namespace ssl = asio::ssl;
using tcp = asio::ip::tcp;
using namespace std::chrono_literals;

constexpr auto as_result = asio::as_tuple(asio::use_awaitable);
using tls_stream = beast::ssl_stream<beast::tcp_stream>;

const cert_and_key& chosen(server_cert cert) {
    switch (cert) {
    case server_cert::wrong_host: return pki().wrong_host;
    case server_cert::untrusted_ca: return pki().untrusted;
    case server_cert::localhost: break;
    }
    return pki().localhost;
}

}  // namespace

struct page_server::impl {
    ssl::context tls{ssl::context::tls_server};
    asio::io_context ctx;
    tcp::acceptor acceptor{ctx, {asio::ip::make_address("127.0.0.1"), 0}};
    std::uint16_t port = acceptor.local_endpoint().port();
    mutable std::mutex mutex;
    std::map<std::string, page, std::less<>> pages;
    std::vector<std::string> seen;
    std::thread thread;

    explicit impl(server_cert cert) {
        const auto& ck = chosen(cert);
        tls.use_certificate_chain(asio::buffer(ck.cert_pem));
        tls.use_private_key(asio::buffer(ck.key_pem), ssl::context::pem);
        asio::co_spawn(ctx, accept_loop(), asio::detached);
        thread = std::thread([this] { ctx.run(); });
    }

    ~impl() {
        ctx.stop();
        thread.join();
    }

    asio::awaitable<void> accept_loop() {
        for (;;) {
            auto [ec, socket] = co_await acceptor.async_accept(as_result);
            if (ec) co_return;
            asio::co_spawn(ctx, serve(std::move(socket)), asio::detached);
        }
    }

    /// One connection: requests in turn while the client keeps it open, as a browser does.
    asio::awaitable<void> serve(tcp::socket socket) {
        tls_stream stream{std::move(socket), tls};
        stream.next_layer().expires_after(10s);
        if (auto [ec] = co_await stream.async_handshake(ssl::stream_base::server, as_result); ec) co_return;
        beast::flat_buffer buffer;
        for (;;) {
            http::request<http::string_body> req;
            stream.next_layer().expires_after(30s);
            if (auto [ec, n] = co_await http::async_read(stream, buffer, req, as_result); ec) co_return;
            std::string target(req.target());
            std::string path = target.substr(0, target.find('?'));
            page p{404, "no such page", "text/plain"};
            {
                std::lock_guard lock{mutex};
                seen.push_back(path);
                if (auto it = pages.find(path); it != pages.end()) p = it->second;
                auto n = static_cast<std::size_t>(std::count(seen.begin(), seen.end(), path));
                if ((p.then_status != 0 || p.then_hang) && n > p.then_after) {
                    if (p.then_status != 0) p.status = p.then_status;
                    p.hang = p.then_hang;
                }
            }
            asio::steady_timer timer{ctx};
            if (p.hang) {
                timer.expires_after(1h);  // until the server goes
                co_await timer.async_wait(as_result);
                co_return;
            }
            if (p.delay.count() > 0) {
                timer.expires_after(p.delay);
                co_await timer.async_wait(as_result);
            }
            http::response<http::string_body> res{static_cast<http::status>(p.status), 11};
            res.set(http::field::content_type, p.content_type);
            res.set(http::field::cache_control, "no-store");
            if (!p.location.empty()) res.set(http::field::location, p.location);
            res.keep_alive(req.keep_alive());
            res.body() = std::move(p.body);
            res.prepare_payload();
            stream.next_layer().expires_after(30s);
            if (auto [ec, n] = co_await http::async_write(stream, res, as_result); ec) co_return;
            if (!res.keep_alive()) {
                co_await stream.async_shutdown(as_result);
                co_return;
            }
        }
    }
};

page_server::page_server(server_cert cert) : impl_(std::make_unique<impl>(cert)) {}
page_server::~page_server() = default;

void page_server::serve(std::string path, page p) {
    std::lock_guard lock{impl_->mutex};
    impl_->pages[std::move(path)] = std::move(p);
}

std::uint16_t page_server::port() const noexcept { return impl_->port; }

std::string page_server::url(std::string_view path, std::string_view host) const {
    return "https://" + std::string(host) + ":" + std::to_string(port()) + std::string(path);
}

std::vector<std::string> page_server::requested() const {
    std::lock_guard lock{impl_->mutex};
    return impl_->seen;
}

std::size_t page_server::count(std::string_view path) const {
    std::lock_guard lock{impl_->mutex};
    return static_cast<std::size_t>(std::count(impl_->seen.begin(), impl_->seen.end(), path));
}

}  // namespace r1::test
