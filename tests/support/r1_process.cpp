#include "tests/support/r1_process.hpp"

#include "tests/support/output_dump.hpp"
#include "tests/support/processes.hpp"

#include <chrono>
#include <cstdlib>
#include <cstring>
#include <algorithm>
#include <filesystem>
#include <fstream>
#include <map>
#include <stdexcept>
#include <thread>

#include <arpa/inet.h>
#include <csignal>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <termios.h>
#include <spawn.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

extern char** environ;

namespace r1::test {

r1_process::r1_process(r1_options opts) : opts_(std::move(opts)) {
    report_before_ = look_at_report(opts_);
    static int counter = 0;
    auto base = std::filesystem::temp_directory_path() /
                ("r1-run-" + std::to_string(::getpid()) + "-" + std::to_string(++counter));
    out_path_ = base.string() + ".out";
    err_path_ = base.string() + ".err";
    in_path_ = "/dev/null";
    if (!opts_.stdin_data.empty()) {
        in_path_ = base.string() + ".in";
        write_file(in_path_, opts_.stdin_data);
    }

    std::map<std::string, std::string> env;
    for (char** e = environ; *e; ++e) {
        std::string kv = *e;
        auto eq = kv.find('=');
        if (eq != std::string::npos) env[kv.substr(0, eq)] = kv.substr(eq + 1);
    }
    for (const auto& name : opts_.unset_env) env.erase(name);
    for (const auto& [k, v] : opts_.env) env[k] = v;
    std::vector<std::string> env_strings;
    for (const auto& [k, v] : env) env_strings.push_back(k + "=" + v);
    std::vector<char*> envp;
    for (auto& s : env_strings) envp.push_back(s.data());
    envp.push_back(nullptr);

    std::vector<std::string> argv_strings = opts_.wrapper;  // e.g. {"/usr/bin/unshare", "-n"}
    argv_strings.emplace_back(R1_BINARY);
    argv_strings.insert(argv_strings.end(), opts_.args.begin(), opts_.args.end());
    std::vector<char*> argv;
    for (auto& s : argv_strings) argv.push_back(s.data());
    argv.push_back(nullptr);

    if (opts_.max_open_files > 0) {
        start_limited(argv.data(), envp.data());
        return;
    }
    posix_spawn_file_actions_t fa;
    posix_spawn_file_actions_init(&fa);
    posix_spawn_file_actions_addopen(&fa, 0, in_path_.c_str(), O_RDONLY, 0);
    posix_spawn_file_actions_addopen(&fa, 1, out_path_.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
    if (opts_.stderr_terminal) {
        open_terminal();
        posix_spawn_file_actions_adddup2(&fa, tty_slave_, 2);
    } else {
        posix_spawn_file_actions_addopen(&fa, 2, err_path_.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
    }
    if (!opts_.cwd.empty()) posix_spawn_file_actions_addchdir_np(&fa, opts_.cwd.c_str());
    int rc = ::posix_spawn(&pid_, argv[0], &fa, nullptr, argv.data(), envp.data());
    posix_spawn_file_actions_destroy(&fa);
    if (rc != 0) throw std::runtime_error(std::string("cannot start r1: ") + std::strerror(rc));
}

void r1_process::start_limited(char** argv, char** envp) {
    // posix_spawn has no resource limits, so fork; between fork and exec only async-signal-safe calls.
    rlimit lim{static_cast<rlim_t>(opts_.max_open_files), static_cast<rlim_t>(opts_.max_open_files)};
    const char* cwd = opts_.cwd.empty() ? nullptr : opts_.cwd.c_str();
    pid_ = ::fork();
    if (pid_ < 0) throw std::runtime_error(std::string("cannot start r1: ") + std::strerror(errno));
    if (pid_ > 0) return;
    int in = ::open(in_path_.c_str(), O_RDONLY);
    int out = ::open(out_path_.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
    int err = ::open(err_path_.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
    if (in < 0 || out < 0 || err < 0 || ::dup2(in, 0) < 0 || ::dup2(out, 1) < 0 || ::dup2(err, 2) < 0) ::_exit(126);
    ::close_range(3, ~0U, 0);  // the test process's sockets and files would count against the limit
    if (::setrlimit(RLIMIT_NOFILE, &lim) != 0) ::_exit(126);
    if (cwd && ::chdir(cwd) != 0) ::_exit(126);
    ::execve(argv[0], argv, envp);
    ::_exit(127);
}

void r1_process::open_terminal() {
    tty_master_ = ::posix_openpt(O_RDWR | O_NOCTTY | O_CLOEXEC);
    if (tty_master_ < 0 || ::grantpt(tty_master_) != 0 || ::unlockpt(tty_master_) != 0)
        throw std::runtime_error("cannot open a pseudo-terminal");
    tty_slave_ = ::open(::ptsname(tty_master_), O_RDWR | O_NOCTTY | O_CLOEXEC);
    if (tty_slave_ < 0) throw std::runtime_error("cannot open the pseudo-terminal's slave");
    termios raw{};
    ::tcgetattr(tty_slave_, &raw);
    ::cfmakeraw(&raw);  // no \n -> \r\n: what r1 writes comes back byte for byte
    ::tcsetattr(tty_slave_, TCSANOW, &raw);
    tty_reader_ = std::thread([this] {
        char buf[4096];
        for (;;) {
            pollfd p{tty_master_, POLLIN, 0};
            int ready = ::poll(&p, 1, 20);
            if (ready > 0) {
                auto n = ::read(tty_master_, buf, sizeof buf);
                if (n <= 0) return;
                std::lock_guard lock{tty_mutex_};
                tty_output_.append(buf, static_cast<std::size_t>(n));
            } else if (tty_stop_) {
                return;  // r1 is gone and nothing is left to read
            }
        }
    });
}

void r1_process::stop_terminal() {
    if (tty_master_ < 0) return;
    tty_stop_ = true;
    if (tty_reader_.joinable()) tty_reader_.join();
    ::close(tty_slave_);
    ::close(tty_master_);
    tty_slave_ = tty_master_ = -1;
}

r1_process::~r1_process() {
    if (pid_ > 0) {
        ::kill(pid_, SIGKILL);
        ::waitpid(pid_, nullptr, 0);
    }
    stop_terminal();
    std::filesystem::remove(out_path_);
    std::filesystem::remove(err_path_);
    if (in_path_ != "/dev/null") std::filesystem::remove(in_path_);
}

void r1_process::signal(int sig) const { ::kill(pid_, sig); }

bool r1_process::wait_for_err(std::string_view text, int ms) const {
    auto until = std::chrono::steady_clock::now() + std::chrono::milliseconds(ms);
    while (err_so_far().find(text) == std::string::npos) {
        if (std::chrono::steady_clock::now() >= until) return false;
        std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    return true;
}

bool r1_process::wait_for_out(std::string_view text, int ms, std::size_t times) const {
    auto until = std::chrono::steady_clock::now() + std::chrono::milliseconds(ms);
    auto count = [&] {
        auto out = read_file(out_path_);
        std::size_t n = 0;
        for (auto at = out.find(text); at != std::string::npos; at = out.find(text, at + text.size())) ++n;
        return n;
    };
    while (count() < times) {
        if (std::chrono::steady_clock::now() >= until) return false;
        std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    return true;
}

std::string r1_process::out_so_far() const { return read_file(out_path_); }
std::string r1_process::err_so_far() const {
    if (tty_master_ >= 0) {
        std::lock_guard lock{tty_mutex_};
        return tty_output_;
    }
    return read_file(err_path_);
}

namespace {

/// The process's peak resident set (VmHWM), 0 once it is gone. Not wait4's ru_maxrss: a child
/// started by posix_spawn (vfork) inherits the parent's high-water mark across exec, so a large
/// test process would be charged to r1.
long peak_rss_kb(pid_t pid) {
    std::ifstream status("/proc/" + std::to_string(pid) + "/status");
    for (std::string line; std::getline(status, line);)
        if (line.rfind("VmHWM:", 0) == 0) return std::atol(line.c_str() + 6);
    return 0;
}

}  // namespace

r1_result r1_process::wait() {
    r1_result res;
    auto until = std::chrono::steady_clock::now() + std::chrono::milliseconds(opts_.timeout_ms);
    int status = 0;
    rusage usage{};
    for (;;) {
        res.max_rss_kb = std::max(res.max_rss_kb, peak_rss_kb(pid_));
        pid_t got = ::wait4(pid_, &status, WNOHANG, &usage);
        if (got == pid_) break;
        if (std::chrono::steady_clock::now() >= until) {
            res.timed_out = true;
            ::kill(pid_, SIGKILL);
            ::wait4(pid_, &status, 0, &usage);
            break;
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }
    pid_ = -1;
    if (WIFEXITED(status)) res.exit_code = WEXITSTATUS(status);
    if (WIFSIGNALED(status)) {
        res.signal = WTERMSIG(status);
        res.core_dumped = WCOREDUMP(status);
    }
    res.out = read_file(out_path_);
    if (tty_master_ >= 0) {
        stop_terminal();
        res.err = tty_output_;
    } else {
        res.err = read_file(err_path_);
    }
    dump_outputs(opts_, res, report_before_);
    return res;
}

r1_result run_r1(r1_options opts) { return r1_process(std::move(opts)).wait(); }

unsigned short refused_port() {
    int fd = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    ::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr);
    socklen_t len = sizeof addr;
    ::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len);
    ::close(fd);
    return ntohs(addr.sin_port);
}

}  // namespace r1::test
