#pragma once
/// A DNS server on a loopback address, for tests of host-name lookups that must not leave the
/// machine: UDP, A queries only. Names it knows get their address; names starting with "hole."
/// are never answered (a DNS server that hangs); anything else is NXDOMAIN; AAAA is an empty
/// answer (NODATA). Runs on its own thread.
#include <atomic>
#include <cstddef>
#include <map>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

namespace r1::test {

class dns_server {
public:
    /// Binds `address`:`port` (UDP). Port 53 needs privileges; a 127.x address of its own keeps it
    /// clear of anything else on 127.0.0.1.
    explicit dns_server(std::string address = "127.0.0.1", unsigned short port = 0);
    ~dns_server();
    dns_server(const dns_server&) = delete;
    dns_server& operator=(const dns_server&) = delete;

    /// `name` (no trailing dot, any case) answers A `ipv4`.
    void add(const std::string& name, const std::string& ipv4);
    unsigned short port() const noexcept { return port_; }
    const std::string& address() const noexcept { return address_; }
    /// Queries received so far, answered or not.
    std::size_t queries() const noexcept { return queries_.load(); }
    /// "nameserver <address>\noptions timeout:T attempts:1\n"
    std::string resolv_conf(int timeout_seconds = 1) const;

private:
    void serve();

    std::string address_;
    unsigned short port_ = 0;
    int fd_ = -1;
    int wake_[2] = {-1, -1};
    std::mutex mutex_;
    std::map<std::string, std::string> names_;
    std::atomic<std::size_t> queries_{0};
    std::thread thread_;
};

/// Runs `argv` in a private mount namespace where /etc/resolv.conf (and /etc/hosts, when `hosts`
/// is not empty) are the given texts: `unshare -m` and bind mounts, so nothing outside changes.
/// Returns the argv to start instead.
std::vector<std::string> with_private_resolver(const std::string& dir, const std::string& resolv_conf,
                                               const std::string& hosts, std::vector<std::string> argv);

}  // namespace r1::test
