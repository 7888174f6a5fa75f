#include "tests/support/tls_server.hpp"

#include "tests/support/test_pki.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl/context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/string_body.hpp>
#include <boost/beast/http/write.hpp>
#include <boost/beast/ssl/ssl_stream.hpp>

#include <algorithm>
#include <array>
#include <fstream>
#include <charconv>
#include <mutex>
#include <optional>
#include <thread>
#include <type_traits>

namespace r1::test {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
namespace ssl = asio::ssl;
using tcp = asio::ip::tcp;
using namespace std::chrono_literals;

constexpr auto as_result = asio::as_tuple(asio::use_awaitable);
using plain_stream = beast::tcp_stream;
using tls_stream = beast::ssl_stream<beast::tcp_stream>;

const cert_and_key& chosen(server_cert cert) {
    switch (cert) {
    case server_cert::wrong_host: return pki().wrong_host;
    case server_cert::untrusted_ca: return pki().untrusted;
    case server_cert::localhost: break;
    }
    return pki().localhost;
}

std::size_t number_after(std::string_view text, std::string_view prefix, std::size_t fallback) {
    auto at = text.find(prefix);
    if (at == std::string_view::npos) return fallback;
    std::size_t n = fallback;
    auto digits = text.substr(at + prefix.size());
    std::from_chars(digits.data(), digits.data() + digits.size(), n);
    return n;
}

struct canned {
    http::status status;
    std::string body;
    std::string name = {};  // one extra header field, when set
    std::string value = {};
};

std::string hex(std::size_t n) {
    std::array<char, 20> digits{};
    auto [end, ec] = std::to_chars(digits.data(), digits.data() + digits.size(), n, 16);
    return std::string(digits.data(), end);
}

}  // namespace

struct tls_server::impl {
    // Declared in destruction order's reverse: coroutine frames destroyed with the io_context hold
    // streams that use tls, and the acceptors belong to the io_context.
    ssl::context tls{ssl::context::tls_server};
    asio::io_context ctx;
    tcp::acceptor plain_acceptor{ctx, {asio::ip::make_address("127.0.0.1"), 0}};
    tcp::acceptor tls_acceptor{ctx, {asio::ip::make_address("127.0.0.1"), 0}};
    mutable std::mutex mutex;
    std::vector<seen_request> seen;
    std::string files_dir;
    bool files_at_root = false;
    std::uint16_t http_port = plain_acceptor.local_endpoint().port();
    std::uint16_t https_port = tls_acceptor.local_endpoint().port();
    std::thread thread;

    explicit impl(server_cert cert) {
        const auto& ck = chosen(cert);
        tls.use_certificate_chain(asio::buffer(ck.cert_pem));
        tls.use_private_key(asio::buffer(ck.key_pem), ssl::context::pem);
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
            if (use_tls)
                asio::co_spawn(ctx, serve_tls(std::move(socket)), asio::detached);
            else
                asio::co_spawn(ctx, serve_plain(std::move(socket)), asio::detached);
        }
    }

    asio::awaitable<void> serve_plain(tcp::socket socket) {
        plain_stream stream{std::move(socket)};
        co_await serve(stream);
    }

    asio::awaitable<void> serve_tls(tcp::socket socket) {
        tls_stream stream{std::move(socket), tls};
        stream.next_layer().expires_after(10s);
        if (auto [ec] = co_await stream.async_handshake(ssl::stream_base::server, as_result); ec) co_return;
        co_await serve(stream);
    }

    template <class Stream>
    asio::awaitable<void> serve(Stream& stream) {
        beast::flat_buffer buffer;
        http::request<http::string_body> req;
        beast::get_lowest_layer(stream).expires_after(10s);
        if (auto [ec, n] = co_await http::async_read(stream, buffer, req, as_result); ec) co_return;
        {
            std::lock_guard lock{mutex};
            seen.push_back({std::string(req.target()), std::string(req[http::field::host]),
                            std::string(req[http::field::user_agent]), std::string(req[http::field::accept]),
                            std::string(req[http::field::connection])});
        }
        std::string_view target = req.target();
        std::string_view path = target.substr(0, target.find('?'));
        if (co_await route(stream, path, target)) co_await finish(stream);
    }

    /// The plain replies; special routes are handled in route().
    std::optional<canned> canned_reply(std::string_view path) const {
        if (path == "/ok") return canned{http::status::ok, "OK healthy"};
        if (path == "/empty") return canned{http::status::ok, ""};
        if (path.starts_with("/status/"))
            return canned{static_cast<http::status>(number_after(path, "/status/", 500)), "status"};
        if (path == "/retry-after") return canned{http::status::too_many_requests, "slow down", "Retry-After", "7"};
        if (path == "/redirect") return canned{http::status::found, "", "Location", "/ok"};
        if (path == "/loop") return canned{http::status::found, "", "Location", "/loop"};
        if (path.starts_with("/hops/")) {
            auto n = number_after(path, "/hops/", 0);
            if (n == 0) return canned{http::status::ok, "OK healthy"};
            return canned{http::status::found, "", "Location", "/hops/" + std::to_string(n - 1)};
        }
        if (path == "/to-http")
            return canned{http::status::found, "", "Location", "http://127.0.0.1:" + std::to_string(http_port) + "/ok"};
        if (path == "/big" || path == "/no-length" || path == "/reset" || path == "/drip" || path == "/huge-headers" ||
            path.starts_with("/files/"))
            return std::nullopt;
        return canned{http::status::not_found, "no such route"};
    }

    /// Writes the response for `path`; false when the connection was already dealt with.
    template <class Stream>
    asio::awaitable<bool> route(Stream& stream, std::string_view path, std::string_view target) {
        bool at_root = false;
        {
            std::lock_guard lock{mutex};
            at_root = files_at_root;
        }
        if (at_root) co_return co_await from_file(stream, path.substr(1));
        if (auto c = canned_reply(path)) co_return co_await reply(stream, std::move(*c));
        if (path == "/big") co_return co_await big(stream, number_after(target, "at=", big_size));
        if (path.starts_with("/files/")) co_return co_await from_file(stream, path.substr(7));
        if (path == "/huge-headers") {
            // Written raw: Beast's own fields cannot hold a value this long.
            co_return co_await raw(stream, "HTTP/1.1 200 OK\r\nX-Huge: " + std::string(100 * 1024, 'h') +
                                               "\r\nContent-Length: 2\r\nConnection: close\r\n\r\nOK");
        }
        if (path == "/reset") {
            auto& socket = beast::get_lowest_layer(stream).socket();
            socket.set_option(tcp::socket::linger(true, 0));  // close() now sends RST, not FIN
            socket.close();
            co_return false;
        }
        if (path == "/no-length") {
            co_await raw(stream, "HTTP/1.1 200 OK\r\nConnection: close\r\n\r\nOK until close");
            beast::get_lowest_layer(stream).close();  // for TLS: no close_notify, on purpose
            co_return false;
        }
        co_await drip(stream);
        co_return false;
    }

    /// /files/<name>: the status (and a delay before the headers) a file says; 404 without a file.
    template <class Stream>
    asio::awaitable<bool> from_file(Stream& stream, std::string_view name) {
        std::string file = name.empty() ? std::string("_root") : std::string(name);
        std::replace(file.begin(), file.end(), '/', '_');
        std::string dir;
        {
            std::lock_guard lock{mutex};
            dir = files_dir;
        }
        std::ifstream in(dir + "/" + file);
        unsigned status = 404, delay_ms = 0;
        if (!(in >> status)) status = 404;
        else in >> delay_ms;
        if (delay_ms > 0) {
            asio::steady_timer timer{ctx, std::chrono::milliseconds(delay_ms)};
            co_await timer.async_wait(as_result);
        }
        // Named, moved in: GCC 12 copies a braced temporary into a coroutine frame bytewise.
        canned answer{static_cast<http::status>(status), "status " + std::to_string(status)};
        co_return co_await reply(stream, std::move(answer));
    }

    template <class Stream>
    asio::awaitable<void> drip(Stream& stream) {
        if (!co_await raw(stream, "HTTP/1.1 200 OK\r\nContent-Length: 1000000\r\nConnection: close\r\n\r\n"))
            co_return;
        asio::steady_timer timer{ctx};
        for (;;) {
            beast::get_lowest_layer(stream).expires_after(10s);
            if (!co_await raw(stream, "x")) co_return;  // the client has gone
            timer.expires_after(200ms);
            co_await timer.async_wait(as_result);
        }
    }

    template <class Stream>
    asio::awaitable<bool> reply(Stream& stream, canned c) {
        http::response<http::string_body> res{c.status, 11};
        res.set(http::field::content_type, "text/plain");
        if (!c.name.empty()) res.set(c.name, c.value);
        res.keep_alive(false);
        res.body() = std::move(c.body);
        res.prepare_payload();
        beast::get_lowest_layer(stream).expires_after(10s);
        auto [ec, n] = co_await http::async_write(stream, res, as_result);
        co_return !ec;
    }

    template <class Stream>
    asio::awaitable<bool> raw(Stream& stream, std::string text) {
        auto [ec, n] = co_await asio::async_write(stream, asio::buffer(text), as_result);
        co_return !ec;
    }

    /// A chunked body of big_size bytes in 997-byte chunks, each written on its own, so a needle
    /// at almost any offset straddles a chunk boundary.
    template <class Stream>
    asio::awaitable<bool> big(Stream& stream, std::size_t needle_at) {
        std::string body(big_size, '.');
        if (needle_at + needle.size() <= body.size()) body.replace(needle_at, needle.size(), needle);
        if (!co_await raw(stream, "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n"))
            co_return false;
        constexpr std::size_t piece = 997;
        for (std::size_t at = 0; at < body.size(); at += piece) {
            auto n = std::min(piece, body.size() - at);
            std::string chunk = hex(n);
            chunk += "\r\n";
            chunk.append(body, at, n);
            chunk += "\r\n";
            beast::get_lowest_layer(stream).expires_after(10s);
            if (!co_await raw(stream, chunk)) co_return false;
        }
        co_return co_await raw(stream, "0\r\n\r\n");
    }

    template <class Stream>
    asio::awaitable<void> finish(Stream& stream) {
        beast::get_lowest_layer(stream).expires_after(2s);
        if constexpr (std::is_same_v<Stream, tls_stream>) {
            co_await stream.async_shutdown(as_result);
        } else {
            boost::system::error_code ignored;
            stream.socket().shutdown(tcp::socket::shutdown_send, ignored);
        }
    }
};

tls_server::tls_server(server_cert cert) : impl_(std::make_unique<impl>(cert)) {}
tls_server::~tls_server() = default;

std::uint16_t tls_server::http_port() const noexcept { return impl_->http_port; }
std::uint16_t tls_server::https_port() const noexcept { return impl_->https_port; }

std::string tls_server::http_url(std::string_view path) const {
    return "http://127.0.0.1:" + std::to_string(http_port()) + std::string(path);
}

std::string tls_server::https_url(std::string_view path, std::string_view host) const {
    return "https://" + std::string(host) + ":" + std::to_string(https_port()) + std::string(path);
}

void tls_server::serve_files(std::string dir, bool at_root) {
    std::lock_guard lock{impl_->mutex};
    impl_->files_dir = std::move(dir);
    impl_->files_at_root = at_root;
}

std::vector<seen_request> tls_server::requests() const {
    std::lock_guard lock{impl_->mutex};
    return impl_->seen;
}

std::uint16_t closed_port() {
    asio::io_context ctx;
    tcp::acceptor acceptor{ctx, {asio::ip::make_address("127.0.0.1"), 0}};
    return acceptor.local_endpoint().port();  // closed as the acceptor goes
}

}  // namespace r1::test
