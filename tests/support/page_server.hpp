#pragma once
/// A real HTTPS server on 127.0.0.1 serving web pages for browser tests: each path is given its own
/// status, body, delay or hang. Runs on its own thread and io_context.
#include "tests/support/tls_server.hpp"

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace r1::test {

struct page {
    unsigned status = 200;
    std::string body;
    std::string content_type = "text/html; charset=utf-8";
    std::chrono::milliseconds delay{0};  // before the response is written
    bool hang = false;                   // read the request, never answer
    std::string location = {};           // a Location header, for redirects
    /// After `then_after` requests for the path, answer `then_status` instead, or hang with
    /// `then_hang`: a page that goes down once it has been seen up (0 and false: never).
    std::size_t then_after = 0;
    unsigned then_status = 0;
    bool then_hang = false;
};

class page_server {
public:
    explicit page_server(server_cert cert = server_cert::localhost);
    ~page_server();
    page_server(const page_server&) = delete;
    page_server& operator=(const page_server&) = delete;

    /// Serves `p` at `path` (the query string is ignored); anything unrouted is a plain 404.
    void serve(std::string path, page p);
    std::uint16_t port() const noexcept;
    /// "https://<host>:<port><path>"
    std::string url(std::string_view path, std::string_view host = "localhost") const;
    /// Every request's path so far, in arrival order.
    std::vector<std::string> requested() const;
    std::size_t count(std::string_view path) const;

private:
    struct impl;
    std::unique_ptr<impl> impl_;
};

}  // namespace r1::test
