#pragma once
/// A small HTTP/1.1 server for scrapers (`r1 verify --every --metrics-listen`), hardened because
/// anything on the network may talk to it: bounded connections, header bytes and time per request,
/// no request bodies, one request per connection. It runs on one event loop; a slow or garbage
/// client costs that loop a socket and a timer, never the checks, which run on other loops.
#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>
#include <boost/system/result.hpp>

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>

namespace r1::net {

struct listener_limits {
    std::size_t max_connections = 32;      // more at once are answered 503 and closed
    std::size_t max_header_bytes = 8192;   // request line and headers; past it: 431
    std::chrono::milliseconds read_timeout{5000};    // the whole request, from accept
    std::chrono::milliseconds write_timeout{30000};  // the whole response
};

/// What the handler sees of a request: only GET and HEAD reach it.
struct listener_request {
    std::string target;  // path and query, as sent
    /// X-Prometheus-Scrape-Timeout-Seconds, when sent and a positive number.
    std::optional<double> scrape_timeout_seconds;
};

struct listener_response {
    unsigned status = 200;
    std::string content_type = "text/plain; charset=utf-8";
    std::shared_ptr<const std::string> body;  // shared: every scraper of one snapshot sends the same bytes
};

struct listener_stats {
    std::uint64_t accepted = 0;
    std::uint64_t rejected_busy = 0;   // over max_connections
    std::uint64_t bad_requests = 0;    // unparsable, too large, a body, a method other than GET / HEAD
    std::uint64_t timed_out = 0;       // request not read, or response not taken, in time
    std::uint64_t answered = 0;
};

class http_listener {
public:
    using handler = std::function<boost::asio::awaitable<listener_response>(listener_request)>;

    /// Binds and listens on host:port (an IP literal; port 0 lets the kernel pick). The error is
    /// the bind's or listen's (address in use, not available).
    static boost::system::result<std::unique_ptr<http_listener>> open(boost::asio::any_io_executor ex,
                                                                      const std::string& host, std::uint16_t port,
                                                                      listener_limits limits, handler h);
    ~http_listener();
    http_listener(const http_listener&) = delete;
    http_listener& operator=(const http_listener&) = delete;

    std::uint16_t port() const noexcept;
    std::string address() const;  // "127.0.0.1:9115", "[::1]:9115"
    /// Starts accepting. stop() closes the socket and ends every connection; the event loop then
    /// runs dry of the listener's work. Call both from the listener's event loop.
    void start();
    void stop();
    const listener_stats& stats() const noexcept;

private:
    struct impl;
    explicit http_listener(std::shared_ptr<impl> i) noexcept;
    std::shared_ptr<impl> impl_;
};

}  // namespace r1::net
