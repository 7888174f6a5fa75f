#include "tests/support/chromium.hpp"

#include "proc/browser/chromium_checker.hpp"

#include <cstdlib>
#include <stdexcept>

#include <fcntl.h>
#include <unistd.h>

namespace r1::test {
namespace {

/// A /proc file; empty once the process is gone (a stream would throw on the ESRCH read).
std::string slurp(const std::filesystem::path& p) {
    std::string out;
    int fd = ::open(p.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) return out;
    char buf[4096];
    for (ssize_t n; (n = ::read(fd, buf, sizeof buf)) > 0;) out.append(buf, static_cast<std::size_t>(n));
    ::close(fd);
    return out;
}

bool zombie_or_gone(const std::filesystem::path& proc_dir) {
    auto stat = slurp(proc_dir / "stat");
    auto paren = stat.rfind(')');
    if (stat.empty() || paren == std::string::npos || paren + 2 >= stat.size()) return true;
    char state = stat[paren + 2];
    return state == 'Z' || state == 'X';
}

}  // namespace

std::string chromium_path() {
    const char* path = std::getenv("PATH");
    auto found = proc::browser::find_chromium("", path ? path : "");
    if (!found) throw std::runtime_error("browser tests need Chromium: apt-get install chromium");
    return *found;
}

std::vector<pid_t> processes_mentioning(const std::string& marker) {
    std::vector<pid_t> out;
    std::error_code ec;
    for (const auto& entry : std::filesystem::directory_iterator("/proc", ec)) {
        auto name = entry.path().filename().string();
        if (name.empty() || name.find_first_not_of("0123456789") != std::string::npos) continue;
        auto cmdline = slurp(entry.path() / "cmdline");
        if (cmdline.find(marker) == std::string::npos || zombie_or_gone(entry.path())) continue;
        out.push_back(static_cast<pid_t>(std::stol(name)));
    }
    return out;
}

pid_t browser_process(const std::string& marker) {
    for (pid_t pid : processes_mentioning(marker)) {
        auto cmdline = slurp("/proc/" + std::to_string(pid) + "/cmdline");
        if (cmdline.find("--remote-debugging-pipe") != std::string::npos && cmdline.find("--type=") == std::string::npos)
            return pid;
    }
    return -1;
}

bool empty_dir(const std::filesystem::path& dir) {
    std::error_code ec;
    return std::filesystem::is_empty(dir, ec) && !ec;
}

}  // namespace r1::test
