#include "tests/support/standins.hpp"

#include <algorithm>
#include <csignal>
#include <fstream>
#include <sstream>

#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

namespace r1::test {

std::string standin_path(const std::string& cli) { return std::string(R1_SOURCE_DIR) + "/tests/standins/" + cli; }

standin_env::standin_env() : root_(dir_.path()) {
    std::filesystem::create_directories(root_ / "apps");
    std::filesystem::create_directories(root_ / "record");
    std::filesystem::create_directories(root_ / "tmp");
}

standin_env::~standin_env() {
    std::error_code ec;
    if (!std::filesystem::is_directory(docker_state(), ec)) return;
    for (const auto& e : std::filesystem::directory_iterator(docker_state(), ec))
        if (e.path().extension() == ".pid") {
            pid_t pid = std::atoi(read_file(e.path()).c_str());
            if (pid > 0) ::kill(pid, SIGKILL);
        }
}

std::string standin_env::app_dir(const std::string& app, const std::map<std::string, std::string>& files) {
    auto dir = root_ / "apps" / app;
    std::filesystem::create_directories(dir);
    for (const auto& [name, content] : files) {
        std::filesystem::create_directories((dir / name).parent_path());
        write_file(dir / name, content);
    }
    return dir.string();
}

std::vector<std::string> standin_env::calls() const {
    std::vector<std::string> out;
    std::istringstream in{read_file(root_ / "record" / "calls")};
    for (std::string line; std::getline(in, line);) out.push_back(line);
    return out;
}

std::string standin_env::recorded_env(const std::string& cli) const { return read_file(root_ / "record" / (cli + ".env")); }

int standin_env::max_overlap(const std::string& cli) const {
    std::vector<std::pair<long long, int>> edges;
    std::istringstream in{read_file(events_file())};
    std::string kind, who, app;
    long long ns = 0;
    while (in >> kind >> who >> app >> ns)
        if (who == cli) edges.emplace_back(ns, kind == "start" ? 1 : -1);
    std::sort(edges.begin(), edges.end());  // an end before a start at the same instant
    int now = 0, most = 0;
    for (auto [t, d] : edges) most = std::max(most, now += d);
    return most;
}

r1_options standin_env::options(std::vector<std::string> args, const std::string& mode) const {
    r1_options o;
    o.args = std::move(args);
    o.env = {{"R1_STANDIN_MODE", mode},
             {"R1_STANDIN_RECORD", record_dir()},
             {"R1_STANDIN_EVENTS", events_file()},
             {"TMPDIR", tmp_dir()}};
    return o;
}

unsigned short free_port_pair() {
    for (int attempt = 0; attempt < 50; ++attempt) {
        int a = ::socket(AF_INET, SOCK_STREAM, 0);
        sockaddr_in addr{};
        addr.sin_family = AF_INET;
        addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        socklen_t len = sizeof addr;
        if (::bind(a, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0 ||
            ::getsockname(a, reinterpret_cast<sockaddr*>(&addr), &len) != 0) {
            ::close(a);
            continue;
        }
        unsigned short port = ntohs(addr.sin_port);
        int b = ::socket(AF_INET, SOCK_STREAM, 0);
        sockaddr_in next = addr;
        next.sin_port = htons(static_cast<unsigned short>(port + 1));
        bool ok = port < 65534 && ::bind(b, reinterpret_cast<sockaddr*>(&next), sizeof next) == 0;
        ::close(b);
        ::close(a);
        if (ok) return port;
    }
    return 0;
}

bool holds_no_part_of(const std::string& text, const std::string& secret) {
    for (std::size_t at = 0; at + 12 <= secret.size(); ++at)
        if (text.find(secret.substr(at, 12)) != std::string::npos) return false;
    return true;
}

}  // namespace r1::test
