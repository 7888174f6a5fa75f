#include "net/http_listener.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/bind_cancellation_slot.hpp>
#include <boost/asio/cancellation_signal.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/ip/address.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ip/v6_only.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core/error.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http/empty_body.hpp>
#include <boost/beast/http/error.hpp>
#include <boost/beast/http/parser.hpp>
#include <boost/beast/http/read.hpp>

#include <array>
#include <charconv>
#include <list>

#include <cerrno>

#include <sys/socket.h>
#include <unistd.h>

namespace r1::net {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
namespace sys = boost::system;
using tcp = asio::ip::tcp;
constexpr auto as_result = asio::as_tuple(asio::use_awaitable);

std::string_view reason_of(unsigned status) {
    switch (status) {
    case 200: return "OK";
    case 400: return "Bad Request";
    case 404: return "Not Found";
    case 405: return "Method Not Allowed";
    case 408: return "Request Timeout";
    case 413: return "Content Too Large";
    case 431: return "Request Header Fields Too Large";
    case 500: return "Internal Server Error";
    case 503: return "Service Unavailable";
    default: return "Unknown";
    }
}

std::string head_of(unsigned status, std::string_view content_type, std::size_t length, bool allow) {
    std::string h = "HTTP/1.1 " + std::to_string(status) + " " + std::string(reason_of(status)) + "\r\n";
    h += "Content-Type: " + std::string(content_type) + "\r\n";
    h += "Content-Length: " + std::to_string(length) + "\r\n";
    if (allow) h += "Allow: GET, HEAD\r\n";
    h += "Connection: close\r\n\r\n";
    return h;
}

std::optional<double> positive_number(std::string_view v) {
    double d = 0;
    auto [end, ec] = std::from_chars(v.data(), v.data() + v.size(), d);
    if (ec != std::errc() || end != v.data() + v.size() || !(d > 0) || d > 1e6) return std::nullopt;
    return d;
}

}  // namespace

struct http_listener::impl : std::enable_shared_from_this<impl> {
    impl(asio::any_io_executor ex, listener_limits l, handler h)
        : acceptor(ex), limits(l), on_request(std::move(h)) {}

    tcp::acceptor acceptor;
    tcp protocol = tcp::v4();  // the acceptor's, for the sockets accept4 gives
    listener_limits limits;
    handler on_request;
    listener_stats stats;
    std::list<asio::cancellation_signal> connections;  // one per live connection, for stop()
    bool stopped = false;

    asio::awaitable<void> accept_loop() {
        auto self = shared_from_this();
        for (;;) {
            // Waited for here, taken with accept4: Asio's accept leaves close-on-exec off, and an
            // --on-change command started meanwhile would inherit the connection.
            auto [ec] = co_await acceptor.async_wait(tcp::acceptor::wait_read, as_result);
            if (stopped) co_return;
            if (ec) co_return;  // closed by stop()
            int fd = ::accept4(acceptor.native_handle(), nullptr, nullptr, SOCK_CLOEXEC);
            if (fd < 0) {
                if (errno == EMFILE || errno == ENFILE || errno == ENOBUFS || errno == ENOMEM) {
                    // The queued client stays readable: a pause, not a spinning loop, until a
                    // descriptor is free again.
                    asio::steady_timer pause{acceptor.get_executor(), std::chrono::milliseconds(100)};
                    co_await pause.async_wait(as_result);
                    if (stopped) co_return;
                }
                continue;  // EAGAIN (another wake-up took it), ECONNABORTED: this client is lost
            }
            tcp::socket socket{acceptor.get_executor()};
            socket.assign(protocol, fd, ec);
            if (ec) {
                ::close(fd);
                continue;
            }
            if (connections.size() >= limits.max_connections) {
                ++stats.rejected_busy;
                // Best effort and never waited for: a busy listener must not be kept busy by it.
                auto busy = head_of(503, "text/plain; charset=utf-8", 0, false);
                sys::error_code ignored;
                socket.non_blocking(true, ignored);
                socket.write_some(asio::buffer(busy), ignored);
                socket.close(ignored);
                continue;
            }
            ++stats.accepted;
            auto slot = connections.emplace(connections.end());
            asio::co_spawn(acceptor.get_executor(), serve(std::move(socket)),
                           asio::bind_cancellation_slot(slot->slot(), [self, slot](std::exception_ptr e) {
                               self->connections.erase(slot);
                               if (e) std::rethrow_exception(e);
                           }));
        }
    }

    asio::awaitable<void> answer(beast::tcp_stream& stream, unsigned status, std::shared_ptr<const std::string> body,
                                 std::string_view content_type, bool head_only, std::chrono::milliseconds within) {
        std::size_t length = body ? body->size() : 0;
        auto head = head_of(status, content_type, length, status == 405);
        stream.expires_after(within);
        std::array<asio::const_buffer, 2> buffers{asio::buffer(head),
                                                  head_only || !body ? asio::const_buffer() : asio::buffer(*body)};
        auto [ec, n] = co_await asio::async_write(stream, buffers, as_result);
        if (ec == beast::error::timeout) ++stats.timed_out;
        if (!ec) {
            ++stats.answered;
            sys::error_code ignored;
            stream.socket().shutdown(tcp::socket::shutdown_send, ignored);
        }
    }

    asio::awaitable<void> refuse(beast::tcp_stream& stream, unsigned status) {
        ++stats.bad_requests;
        auto body = std::make_shared<const std::string>(std::string(reason_of(status)) + "\n");
        co_await answer(stream, status, std::move(body), "text/plain; charset=utf-8", false, std::chrono::seconds(1));
    }

    asio::awaitable<void> serve(tcp::socket socket) {
        auto self = shared_from_this();
        // A failed co_await would throw once cancelled; each step checks its error instead.
        co_await asio::this_coro::throw_if_cancelled(false);
        co_await asio::this_coro::reset_cancellation_state(asio::enable_terminal_cancellation());
        beast::tcp_stream stream{std::move(socket)};
        // One deadline for the whole request: a client dripping a byte a second gets no longer.
        stream.expires_after(limits.read_timeout);
        beast::flat_buffer buffer{limits.max_header_bytes + 512};
        http::request_parser<http::empty_body> parser;
        parser.header_limit(static_cast<std::uint32_t>(limits.max_header_bytes));
        parser.body_limit(0);
        auto [ec, n] = co_await http::async_read(stream, buffer, parser, as_result);
        if (ec == beast::error::timeout) {
            ++stats.timed_out;
            co_return;  // no answer: a client this slow would only hold the socket longer
        }
        if (ec == asio::error::operation_aborted || ec == http::error::end_of_stream || ec == asio::error::eof ||
            ec == asio::error::connection_reset)
            co_return;
        if (ec == http::error::header_limit || ec == http::error::buffer_overflow) co_return co_await refuse(stream, 431);
        if (ec == http::error::body_limit || ec == http::error::unexpected_body) co_return co_await refuse(stream, 413);
        if (ec) co_return co_await refuse(stream, 400);

        const auto& req = parser.get();
        bool head_only = req.method() == http::verb::head;
        if (req.method() != http::verb::get && !head_only) co_return co_await refuse(stream, 405);
        listener_request lr{std::string(req.target()), std::nullopt};
        if (auto it = req.find("X-Prometheus-Scrape-Timeout-Seconds"); it != req.end())
            lr.scrape_timeout_seconds = positive_number(it->value());
        stream.expires_never();  // the handler has its own deadline (a /probe check's timeout)
        auto res = co_await on_request(std::move(lr));
        if (stopped) co_return;
        co_await answer(stream, res.status, std::move(res.body), res.content_type, head_only, limits.write_timeout);
    }
};

http_listener::http_listener(std::shared_ptr<impl> i) noexcept : impl_(std::move(i)) {}

http_listener::~http_listener() { stop(); }

sys::result<std::unique_ptr<http_listener>> http_listener::open(asio::any_io_executor ex, const std::string& host,
                                                                std::uint16_t port, listener_limits limits, handler h) {
    sys::error_code ec;
    auto addr = asio::ip::make_address(host == "localhost" ? "127.0.0.1" : host, ec);
    if (ec) return ec;
    auto i = std::make_shared<impl>(ex, limits, std::move(h));
    tcp::endpoint ep{addr, port};
    // Close-on-exec from the first instant (Asio's open() leaves it off): no child inherits it.
    int fd = ::socket(ep.protocol().family(), SOCK_STREAM | SOCK_CLOEXEC, ep.protocol().protocol());
    if (fd < 0) return sys::error_code{errno, sys::system_category()};
    i->protocol = ep.protocol();
    i->acceptor.assign(ep.protocol(), fd, ec);
    if (ec) {
        ::close(fd);
        return ec;
    }
    i->acceptor.non_blocking(true, ec);  // accept4 after a wake-up whose client may be gone
    if (ec) return ec;
    i->acceptor.set_option(asio::socket_base::reuse_address(true), ec);
    if (addr.is_v6()) i->acceptor.set_option(asio::ip::v6_only(true), ec);
    i->acceptor.bind(ep, ec);
    if (ec) return ec;
    i->acceptor.listen(asio::socket_base::max_listen_connections, ec);
    if (ec) return ec;
    return std::unique_ptr<http_listener>(new http_listener(std::move(i)));
}

std::uint16_t http_listener::port() const noexcept {
    sys::error_code ec;
    auto ep = impl_->acceptor.local_endpoint(ec);
    return ec ? 0 : ep.port();
}

std::string http_listener::address() const {
    sys::error_code ec;
    auto ep = impl_->acceptor.local_endpoint(ec);
    if (ec) return {};
    auto a = ep.address();
    return (a.is_v6() ? "[" + a.to_string() + "]" : a.to_string()) + ":" + std::to_string(ep.port());
}

void http_listener::start() {
    asio::co_spawn(impl_->acceptor.get_executor(), impl_->accept_loop(), [](std::exception_ptr e) {
        if (e) std::rethrow_exception(e);
    });
}

void http_listener::stop() {
    if (!impl_ || impl_->stopped) return;
    impl_->stopped = true;
    sys::error_code ignored;
    impl_->acceptor.close(ignored);
    for (auto& c : impl_->connections) c.emit(asio::cancellation_type::terminal);
}

const listener_stats& http_listener::stats() const noexcept { return impl_->stats; }

}  // namespace r1::net
