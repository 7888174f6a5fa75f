#include "tests/support/stall_server.hpp"

#include <chrono>
#include <stdexcept>
#include <vector>

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

namespace r1::test {
namespace {

struct connection {
    int fd = -1;
    std::string buf;
    std::string path;  // set once the request head has been read
};

std::string route_reply(const std::string& path) {
    if (path == "/stall") return {};
    if (path == "/429")
        return "HTTP/1.1 429 Too Many Requests\r\nRetry-After: 60\r\nContent-Length: 0\r\n\r\n";
    if (path == "/503") return "HTTP/1.1 503 Service Unavailable\r\nContent-Length: 0\r\n\r\n";
    return "HTTP/1.1 200 OK\r\nContent-Length: 10\r\nContent-Type: text/plain\r\n\r\nOK healthy";
}

void send_all(int fd, const std::string& data) {
    std::size_t sent = 0;
    while (sent < data.size()) {
        auto n = ::send(fd, data.data() + sent, data.size() - sent, MSG_NOSIGNAL);
        if (n <= 0) return;  // the client went away; its close is seen by the poll loop
        sent += static_cast<std::size_t>(n);
    }
}

}  // namespace

stall_server::stall_server() {
    listen_fd_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t len = sizeof addr;
    if (listen_fd_ < 0 || ::bind(listen_fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0 ||
        ::listen(listen_fd_, 64) != 0 || ::getsockname(listen_fd_, reinterpret_cast<sockaddr*>(&addr), &len) != 0 ||
        ::pipe2(wake_, O_CLOEXEC) != 0)
        throw std::runtime_error("stall_server: cannot listen on 127.0.0.1");
    port_ = ntohs(addr.sin_port);
    thread_ = std::thread([this] { serve(); });
}

stall_server::~stall_server() {
    char x = 0;
    (void)::write(wake_[1], &x, 1);
    thread_.join();
    ::close(listen_fd_);
    ::close(wake_[0]);
    ::close(wake_[1]);
}

std::string stall_server::url(std::string_view path) const {
    return "http://127.0.0.1:" + std::to_string(port_) + std::string(path);
}

void stall_server::serve() {
    std::vector<connection> conns;
    for (;;) {
        std::vector<pollfd> fds{{wake_[0], POLLIN, 0}, {listen_fd_, POLLIN, 0}};
        for (const auto& c : conns) fds.push_back({c.fd, POLLIN, 0});
        if (::poll(fds.data(), fds.size(), -1) < 0) continue;
        if (fds[0].revents) break;
        if (fds[1].revents & POLLIN) {
            int fd = ::accept4(listen_fd_, nullptr, nullptr, SOCK_CLOEXEC);
            if (fd >= 0) conns.push_back({fd, {}, {}});
        }
        for (std::size_t i = 2; i < fds.size(); ++i) {
            if (!fds[i].revents) continue;
            auto& c = conns[i - 2];
            char buf[4096];
            auto n = ::recv(c.fd, buf, sizeof buf, 0);
            if (n <= 0) {
                ::close(c.fd);
                c.fd = -1;
                std::lock_guard lock{mutex_};
                ++closed_[c.path];
                changed_.notify_all();
                continue;
            }
            if (!c.path.empty()) continue;  // a second request on the connection: ignored
            c.buf.append(buf, static_cast<std::size_t>(n));
            if (c.buf.find("\r\n\r\n") == std::string::npos) continue;
            auto start = c.buf.find(' ') + 1;
            auto target = c.buf.substr(start, c.buf.find(' ', start) - start);
            c.path = target.substr(0, target.find('?'));
            send_all(c.fd, route_reply(c.path));
            std::lock_guard lock{mutex_};
            ++requests_[c.path];
            changed_.notify_all();
        }
        std::erase_if(conns, [](const connection& c) { return c.fd < 0; });
    }
    for (auto& c : conns) ::close(c.fd);
}

bool stall_server::wait_requests(const std::string& path, std::size_t n, int ms) {
    std::unique_lock lock{mutex_};
    return changed_.wait_for(lock, std::chrono::milliseconds(ms), [&] { return requests_[path] >= n; });
}

bool stall_server::wait_closed(const std::string& path, std::size_t n, int ms) {
    std::unique_lock lock{mutex_};
    return changed_.wait_for(lock, std::chrono::milliseconds(ms), [&] { return closed_[path] >= n; });
}

std::size_t stall_server::requests(const std::string& path) {
    std::lock_guard lock{mutex_};
    return requests_[path];
}

}  // namespace r1::test
