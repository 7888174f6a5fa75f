#pragma once
/// A real HTTP and HTTPS server on 127.0.0.1 for net/ and engine/ tests, with routes that misbehave
/// on purpose (reset, drip-feed, huge headers, redirect loops). Runs on its own thread and io_context.
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace r1::test {

/// Which certificate the HTTPS listener presents (see test_pki.hpp).
enum class server_cert { localhost, wrong_host, untrusted_ca };

struct seen_request {
    std::string target;
    std::string host;
    std::string user_agent;
    std::string accept;
    std::string connection;
};

/// Routes, on both listeners:
///   /ok                200 "OK healthy"          /empty          200, no body
///   /status/N          status N                  /retry-after    429, Retry-After: 7
///   /big?at=N          ~200 KiB chunked body in 997-byte pieces, "NEEDLE-XYZ" at byte N (none without at)
///   /no-length         200 "OK until close", body ended by closing (TLS: without close_notify)
///   /redirect          302 -> /ok (relative)     /loop           302 -> /loop
///   /hops/N            302 -> /hops/N-1; /hops/0 is 200 "OK healthy"
///   /to-http           302 -> http://127.0.0.1:<http port>/ok (absolute, other scheme)
///   /reset             reads the request, then RST (SO_LINGER 0 and close)
///   /drip              200 headers, then one body byte every 200 ms until the client goes
///   /huge-headers      200 with a 100 KiB header
///   /files/<path>      what a file in the serve_files() directory says: "<status> [<delay ms>]",
///                      the file named <path> with '/' as '_' ("_root" for /files/); 404 without
///                      one. A stand-in CLI writes these to make the app answer what it deployed.
/// Anything else is 404.
class tls_server {
public:
    explicit tls_server(server_cert cert = server_cert::localhost);
    ~tls_server();
    tls_server(const tls_server&) = delete;
    tls_server& operator=(const tls_server&) = delete;

    std::uint16_t http_port() const noexcept;
    std::uint16_t https_port() const noexcept;
    /// "http://127.0.0.1:<port><path>"
    std::string http_url(std::string_view path) const;
    /// "https://<host>:<port><path>"; the localhost certificate covers "localhost" and "127.0.0.1".
    std::string https_url(std::string_view path, std::string_view host = "localhost") const;
    /// Every request read so far, in arrival order.
    std::vector<seen_request> requests() const;
    /// The directory /files/ answers from; with `at_root`, every path but the routes above is
    /// answered from it as well ("/healthz" from the file healthz, "/" from _root).
    void serve_files(std::string dir, bool at_root = false);

    static constexpr std::string_view needle = "NEEDLE-XYZ";
    static constexpr std::size_t big_size = 200 * 1024;

private:
    struct impl;
    std::unique_ptr<impl> impl_;
};

/// A loopback port with nothing listening on it: bound, then closed again.
std::uint16_t closed_port();

}  // namespace r1::test
