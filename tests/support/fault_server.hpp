#pragma once
/// A loopback server that misbehaves in one scripted way on every connection, for the fault-injection
/// suite: raw TCP on 127.0.0.1, or TLS through OpenSSL directly with a chosen certificate and protocol
/// versions. Each connection has a thread of its own; the destructor stops and joins them all.
#include "tests/support/test_pki.hpp"

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

namespace r1::test {

enum class fault {
    ok,                         // 200 "OK healthy", Content-Length framed (a control)
    reset_in_handshake,         // reads the first bytes (the ClientHello), then RST; before any TLS
    reset_after_request,        // reads the whole request, then RST
    silent,                     // accepts, then says nothing until the client goes; before any TLS
    partial_server_hello,       // reads the ClientHello, sends 15 bytes of a ServerHello, stalls; before any TLS
    garbage,                    // reads the request, answers bytes that are not HTTP, closes
    truncated_body,             // Content-Length: 1000, then 10 body bytes, then closes (TLS: no close_notify)
    body_longer_than_declared,  // Content-Length: 2 ("OK"), then " NEEDLE" and more, then closes
    interim_responses,          // 100 Continue, 103 Early Hints (with a Link header), then 200 "OK healthy"
    drip_headers,               // the status line, then one header byte every 100 ms, forever
    drip_body,                  // headers with Content-Length 1 MiB, then one body byte every 100 ms, forever
    chunk_extension_flood,      // chunked: "1;" then 64 MiB of extension without a line end, then holds
    long_chunk_extension,       // chunked: a chunk with an 8 KiB extension, then a complete small body
    trailer_flood,              // chunked: "OK", the last chunk, then 64 MiB of trailer lines, then holds
    huge_retry_after,           // 429 with Retry-After: 9999999999 and an empty body, then holds
};

/// What the TLS listener presents and accepts. Faults marked "before any TLS" never get that far,
/// but their URLs are https all the same.
struct fault_tls {
    cert_and_key cert = pki().localhost;
    int min_version = 0;      // TLS1_VERSION, ...; 0 leaves OpenSSL's default
    int max_version = 0;
    bool seclevel0 = false;   // "DEFAULT:@SECLEVEL=0": without it OpenSSL 3 refuses TLS 1.0 itself
};

class fault_server {
public:
    explicit fault_server(fault f, std::optional<fault_tls> tls = std::nullopt);
    ~fault_server();
    fault_server(const fault_server&) = delete;
    fault_server& operator=(const fault_server&) = delete;

    std::uint16_t port() const noexcept { return port_; }
    /// "<scheme>://<host>:<port><path>": https when TLS was asked for or the fault is a handshake one.
    std::string url(std::string_view path = "/health", std::string_view host = "127.0.0.1") const;
    /// Connections accepted, and complete requests read, so far.
    std::size_t connections() const noexcept { return connections_.load(); }
    std::size_t requests() const noexcept { return requests_.load(); }
    /// Waits until `n` connections were accepted; false at the timeout.
    bool wait_for_connections(std::size_t n, std::chrono::milliseconds timeout) const;

private:
    struct connection;
    struct tls_state;
    void accept_loop();
    void serve(connection& c);

    fault fault_;
    std::unique_ptr<tls_state> tls_;
    std::uint16_t port_ = 0;
    int listen_fd_ = -1;
    int stop_read_ = -1;   // readable once the server stops: every poll() watches it
    int stop_write_ = -1;
    std::atomic<std::size_t> connections_{0};
    std::atomic<std::size_t> requests_{0};
    mutable std::mutex mutex_;
    mutable std::condition_variable accepted_;
    std::vector<std::unique_ptr<connection>> conns_;  // guarded by mutex_
    std::thread acceptor_;
};

/// Descriptors open in this process now (entries of /proc/self/fd), to check nothing leaked.
std::size_t open_fd_count();

}  // namespace r1::test
