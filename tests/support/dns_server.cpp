#include "tests/support/dns_server.hpp"

#include "tests/support/processes.hpp"

#include <algorithm>
#include <cctype>
#include <stdexcept>
#include <vector>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <fcntl.h>
#include <unistd.h>

namespace r1::test {
namespace {

/// The question's name as "a.b.c" (lower case), and where the question ends; false when malformed.
bool read_question(const unsigned char* p, std::size_t n, std::string& name, std::size_t& end, unsigned& qtype) {
    std::size_t at = 12;
    name.clear();
    while (at < n && p[at] != 0) {
        std::size_t len = p[at];
        if (len > 63 || at + 1 + len > n) return false;
        if (!name.empty()) name += '.';
        for (std::size_t i = 0; i < len; ++i) name += static_cast<char>(std::tolower(p[at + 1 + i]));
        at += 1 + len;
    }
    if (at + 5 > n) return false;
    qtype = (p[at + 1] << 8) | p[at + 2];
    end = at + 5;
    return true;
}

}  // namespace

dns_server::dns_server(std::string address, unsigned short port) : address_(std::move(address)) {
    fd_ = ::socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_port = htons(port);
    ::inet_pton(AF_INET, address_.c_str(), &addr.sin_addr);
    if (fd_ < 0 || ::bind(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0)
        throw std::runtime_error("dns_server: cannot bind " + address_ + ":" + std::to_string(port));
    socklen_t len = sizeof addr;
    ::getsockname(fd_, reinterpret_cast<sockaddr*>(&addr), &len);
    port_ = ntohs(addr.sin_port);
    if (::pipe2(wake_, O_CLOEXEC) != 0) throw std::runtime_error("dns_server: pipe");
    thread_ = std::thread([this] { serve(); });
}

dns_server::~dns_server() {
    (void)::write(wake_[1], "x", 1);
    thread_.join();
    ::close(fd_);
    ::close(wake_[0]);
    ::close(wake_[1]);
}

void dns_server::add(const std::string& name, const std::string& ipv4) {
    std::string lower = name;
    std::transform(lower.begin(), lower.end(), lower.begin(), [](unsigned char c) { return std::tolower(c); });
    std::lock_guard lock{mutex_};
    names_[lower] = ipv4;
}

std::string dns_server::resolv_conf(int timeout_seconds) const {
    return "nameserver " + address_ + "\noptions timeout:" + std::to_string(timeout_seconds) + " attempts:1\n";
}

void dns_server::serve() {
    unsigned char buf[1500];
    for (;;) {
        pollfd fds[2] = {{fd_, POLLIN, 0}, {wake_[0], POLLIN, 0}};
        if (::poll(fds, 2, -1) < 0) continue;
        if (fds[1].revents) return;
        sockaddr_in from{};
        socklen_t from_len = sizeof from;
        auto n = ::recvfrom(fd_, buf, sizeof buf, 0, reinterpret_cast<sockaddr*>(&from), &from_len);
        if (n < 12) continue;
        ++queries_;
        std::string name;
        std::size_t end = 0;
        unsigned qtype = 0;
        if (!read_question(buf, static_cast<std::size_t>(n), name, end, qtype)) continue;
        if (name.starts_with("hole.")) continue;  // never answered
        std::string ip;
        {
            std::lock_guard lock{mutex_};
            if (auto it = names_.find(name); it != names_.end()) ip = it->second;
        }
        std::vector<unsigned char> out(buf, buf + end);  // header and question, echoed
        out[2] = 0x84 | (buf[2] & 0x01);                 // QR, AA, RD copied
        out[3] = 0x80;                                   // RA, rcode 0
        out[4] = 0, out[5] = 1;                          // one question
        out[6] = out[7] = out[8] = out[9] = out[10] = out[11] = 0;
        if (ip.empty()) {
            out[3] = 0x83;  // NXDOMAIN
        } else if (qtype == 1) {
            out[7] = 1;  // one answer
            unsigned char rr[] = {0xC0, 0x0C, 0, 1, 0, 1, 0, 0, 0, 60, 0, 4, 0, 0, 0, 0};
            ::inet_pton(AF_INET, ip.c_str(), rr + 12);
            out.insert(out.end(), rr, rr + sizeof rr);
        }  // AAAA (or anything else) for a known name: no answer, rcode 0 (NODATA)
        ::sendto(fd_, out.data(), out.size(), 0, reinterpret_cast<sockaddr*>(&from), from_len);
    }
}

std::vector<std::string> with_private_resolver(const std::string& dir, const std::string& resolv_conf,
                                               const std::string& hosts, std::vector<std::string> argv) {
    write_file(dir + "/resolv.conf", resolv_conf);
    std::string script = "mount --bind '" + dir + "/resolv.conf' /etc/resolv.conf || exit 125\n";
    if (!hosts.empty()) {
        write_file(dir + "/hosts", hosts);
        script += "mount --bind '" + dir + "/hosts' /etc/hosts || exit 125\n";
    }
    script += "exec \"$@\"\n";
    std::vector<std::string> out{"/usr/bin/unshare", "--mount", "--propagation", "private", "--", "/bin/sh", "-c",
                                 script, "sh"};
    out.insert(out.end(), argv.begin(), argv.end());
    return out;
}

}  // namespace r1::test
