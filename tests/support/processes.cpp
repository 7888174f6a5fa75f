#include "tests/support/processes.hpp"

#include <chrono>
#include <cstdlib>
#include <fstream>
#include <sstream>
#include <stdexcept>
#include <thread>

#include <csignal>

namespace r1::test {

bool process_alive(pid_t pid) {
    if (pid <= 0) return false;
    std::ifstream stat("/proc/" + std::to_string(pid) + "/stat");
    std::string content;
    if (!std::getline(stat, content)) return false;
    auto close_paren = content.rfind(')');
    if (close_paren == std::string::npos || close_paren + 2 >= content.size()) return false;
    char state = content[close_paren + 2];
    return state != 'Z' && state != 'X';
}

pid_t wait_for_pid_file(const std::filesystem::path& path, int ms) {
    auto until = std::chrono::steady_clock::now() + std::chrono::milliseconds(ms);
    while (std::chrono::steady_clock::now() < until) {
        std::ifstream f(path);
        long pid = 0;
        if (f >> pid && pid > 0) return static_cast<pid_t>(pid);
        std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    return -1;
}

bool wait_until_gone(pid_t pid, int ms) {
    auto until = std::chrono::steady_clock::now() + std::chrono::milliseconds(ms);
    while (process_alive(pid)) {
        if (std::chrono::steady_clock::now() >= until) return false;
        std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    return true;
}

temp_dir::temp_dir() {
    std::string pattern = (std::filesystem::temp_directory_path() / "r1-test-XXXXXX").string();
    if (!::mkdtemp(pattern.data())) throw std::runtime_error("mkdtemp failed");
    path_ = pattern;
}

temp_dir::~temp_dir() {
    std::error_code ec;
    std::filesystem::remove_all(path_, ec);
}

std::string read_file(const std::filesystem::path& path) {
    std::ifstream f(path, std::ios::binary);
    std::ostringstream ss;
    ss << f.rdbuf();
    return ss.str();
}

void write_file(const std::filesystem::path& path, const std::string& content) {
    std::ofstream f(path, std::ios::binary);
    f << content;
}

}  // namespace r1::test
