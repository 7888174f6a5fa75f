#pragma once
/// A loopback HTTPS and HTTP server whose answers a test switches while r1 watches it: each
/// `/t/<name>` answers the status set for that name (200 "OK flap" by default), so one server
/// stands in for many targets that go down and come back. It counts requests per name and the
/// TLS handshakes it completed, full or resumed (session tickets are on, as on most servers).
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

namespace r1::test {

class flap_server {
public:
    flap_server();
    ~flap_server();
    flap_server(const flap_server&) = delete;
    flap_server& operator=(const flap_server&) = delete;

    /// "https://localhost:<port>/t/<name>"
    std::string url(std::string_view name) const;
    /// "http://127.0.0.1:<port>/t/<name>"
    std::string http_url(std::string_view name) const;

    /// From now on `name` answers `status` (a non-200 answer has the body "down").
    void set_status(std::string_view name, unsigned status);
    /// Every name without a status of its own answers `status`.
    void set_default(unsigned status);
    /// `name` alternates 200, 503, 200, ... request by request.
    void alternate(std::string_view name);
    /// Each answer waits this long first.
    void set_delay(std::chrono::milliseconds d);

    std::size_t requests(std::string_view name) const;
    std::size_t full_handshakes() const;
    std::size_t resumed_handshakes() const;
    /// Waits up to `ms` until `name` has been asked `n` times in all.
    bool wait_requests(std::string_view name, std::size_t n, int ms = 10'000) const;

private:
    struct impl;
    std::unique_ptr<impl> impl_;
};

}  // namespace r1::test
