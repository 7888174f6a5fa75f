#pragma once
/// A plain-HTTP server on 127.0.0.1 whose misbehaviour a test can wait on: it tells when a request
/// arrived and when the client hung up, so a test signals r1 at a known phase instead of sleeping.
#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <map>
#include <mutex>
#include <string>
#include <string_view>
#include <thread>

namespace r1::test {

/// Routes (the path decides, the query is ignored):
///   /stall   reads the request and never answers; holds the connection until the client goes
///   /429     answers 429 with Retry-After: 60 and an empty body, then holds the connection
///   /503     answers 503 with an empty body, then holds the connection
///   anything else: 200 "OK healthy"
class stall_server {
public:
    stall_server();
    ~stall_server();
    stall_server(const stall_server&) = delete;
    stall_server& operator=(const stall_server&) = delete;

    /// "http://127.0.0.1:<port><path>"
    std::string url(std::string_view path) const;
    /// Waits up to `ms` until `n` requests for `path` have been read in full.
    bool wait_requests(const std::string& path, std::size_t n, int ms = 10'000);
    /// Waits up to `ms` until `n` clients that asked for `path` have closed their connection.
    bool wait_closed(const std::string& path, std::size_t n, int ms = 10'000);
    std::size_t requests(const std::string& path);

private:
    void serve();

    int listen_fd_ = -1;
    int wake_[2] = {-1, -1};  // written to stop the thread
    std::uint16_t port_ = 0;
    std::mutex mutex_;
    std::condition_variable changed_;
    std::map<std::string, std::size_t> requests_;
    std::map<std::string, std::size_t> closed_;
    std::thread thread_;
};

}  // namespace r1::test
