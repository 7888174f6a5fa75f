#include "proc/spawn.hpp"

#include "engine/redact/redact.hpp"

#include <algorithm>
#include <cerrno>
#include <csignal>
#include <cstdlib>
#include <cstring>
#include <string_view>

#include <fcntl.h>
#include <spawn.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

extern char** environ;

namespace r1::proc {
namespace {

namespace sys = boost::system;

sys::error_code errno_code(int e) { return {e, sys::system_category()}; }

// argv[0] of r1 re-executed as the exec shim; then the parent's pid, the status pipe's fd, the
// open-file and core-file soft limits to restore, and the real program's argv (argv[5] its path).
constexpr std::string_view shim_name = "r1-exec-shim";
constexpr int shim_fixed_args = 5;

/// Set once by harden_process(), before any thread or child exists; read-only afterwards.
struct process_start {
    bool use_shim = false;
    rlimit nofile{};
    rlimit core{};
};
process_start start;

struct fd_pair {
    int read = -1;
    int write = -1;
    ~fd_pair() {
        if (read >= 0) ::close(read);
        if (write >= 0) ::close(write);
    }
};

class spawn_setup {
public:
    spawn_setup() {
        ::posix_spawn_file_actions_init(&actions_);
        ::posix_spawnattr_init(&attr_);
    }
    ~spawn_setup() {
        ::posix_spawn_file_actions_destroy(&actions_);
        ::posix_spawnattr_destroy(&attr_);
    }
    spawn_setup(const spawn_setup&) = delete;
    spawn_setup& operator=(const spawn_setup&) = delete;

    int prepare(int in_r, int out_w, int err_w, const spawn_request& req, int status_w) {
        sigset_t none, all;
        sigemptyset(&none);
        sigfillset(&all);
        if (int e = ::posix_spawnattr_setflags(
                &attr_, POSIX_SPAWN_SETPGROUP | POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF))
            return e;
        if (int e = ::posix_spawnattr_setpgroup(&attr_, 0)) return e;
        if (int e = ::posix_spawnattr_setsigmask(&attr_, &none)) return e;
        if (int e = ::posix_spawnattr_setsigdefault(&attr_, &all)) return e;
        if (in_r >= 0) {
            if (int e = ::posix_spawn_file_actions_adddup2(&actions_, in_r, 0)) return e;
        } else if (int e = ::posix_spawn_file_actions_addopen(&actions_, 0, "/dev/null", O_RDONLY, 0)) {
            return e;
        }
        if (int e = ::posix_spawn_file_actions_adddup2(&actions_, out_w, 1)) return e;
        if (int e = ::posix_spawn_file_actions_adddup2(&actions_, err_w, 2)) return e;
        // dup2 runs in the child in this order: a source fd below 3 + extra_fds.size() could be
        // overwritten by an earlier dup2, so extra_fds are first copied above that range (below).
        for (const auto& [from, to] : req.extra_fds)
            if (int e = ::posix_spawn_file_actions_adddup2(&actions_, from, to)) return e;
        // dup2 onto itself clears close-on-exec (POSIX 2024, glibc 2.29): the shim, and only the
        // shim, gets the status pipe (above every extra_fds number); it marks it close-on-exec
        // again before its own exec.
        if (status_w >= 0)
            if (int e = ::posix_spawn_file_actions_adddup2(&actions_, status_w, status_w)) return e;
        if (!req.cwd.empty())
            if (int e = ::posix_spawn_file_actions_addchdir_np(&actions_, req.cwd.c_str())) return e;
        return 0;
    }

    /// Starts `req.argv`, directly or (status_w >= 0) through r1 itself as the exec shim.
    int spawn(pid_t& pid, const spawn_request& req, int status_w) {
        std::vector<std::string> shim;
        if (status_w >= 0) {
            shim = {std::string(shim_name), std::to_string(::getpid()), std::to_string(status_w),
                    std::to_string(start.nofile.rlim_cur), std::to_string(start.core.rlim_cur)};
            shim.insert(shim.end(), req.argv.begin(), req.argv.end());
        }
        const auto& argv = status_w >= 0 ? shim : req.argv;
        std::vector<char*> args;
        args.reserve(argv.size() + 1);
        for (const auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
        args.push_back(nullptr);
        char** envp = environ;
        std::vector<char*> env;
        if (req.env) {
            env.reserve(req.env->size() + 1);
            for (const auto& e : *req.env) env.push_back(const_cast<char*>(e.c_str()));
            env.push_back(nullptr);
            envp = env.data();
        }
        const char* path = status_w >= 0 ? "/proc/self/exe" : req.argv.front().c_str();
        return ::posix_spawn(&pid, path, &actions_, &attr_, args.data(), envp);
    }

private:
    posix_spawn_file_actions_t actions_;
    posix_spawnattr_t attr_;
};

int make_pipe(fd_pair& p) {
    int fds[2];
    if (::pipe2(fds, O_CLOEXEC) != 0) return errno;
    p.read = fds[0];
    p.write = fds[1];
    return 0;
}

/// Copies of `extra_fds`' sources at numbers no dup2 of the child targets, closed on exec (the
/// child's dup2 copies are not). Closed again when this goes.
struct high_copies {
    std::vector<int> fds;
    ~high_copies() {
        for (int fd : fds) ::close(fd);
    }
};

bool parse(const char* text, unsigned long long& out) {
    char* end = nullptr;
    errno = 0;
    out = std::strtoull(text, &end, 10);
    return errno == 0 && end != text && *end == '\0';
}

/// Reads the shim's status pipe to its end: the exec's error, if it failed (then the shim is reaped
/// and the child's descriptors closed, as if posix_spawn itself had failed).
sys::error_code wait_for_exec(spawned_child& child) {
    char buf[exec_status_bytes];
    std::size_t got = 0;
    while (got < sizeof buf) {
        auto n = ::read(child.status_fd, buf + got, sizeof buf - got);
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) break;
        got += static_cast<std::size_t>(n);
    }
    ::close(child.status_fd);
    child.status_fd = -1;
    auto ec = exec_status_error(buf, got);
    if (!ec) return ec;
    while (::waitpid(child.pid, nullptr, 0) < 0 && errno == EINTR) {
    }
    for (int fd : {child.pidfd, child.out_fd, child.err_fd, child.in_fd})
        if (fd >= 0) ::close(fd);
    return ec;
}

}  // namespace

std::vector<std::string> environment_without_secrets() {
    std::vector<std::string> env;
    for (char** e = environ; *e; ++e) {
        std::string_view entry{*e};
        if (!engine::env_name_looks_secret(entry.substr(0, entry.find('=')))) env.emplace_back(entry);
    }
    return env;
}

void harden_process() {
    ::getrlimit(RLIMIT_NOFILE, &start.nofile);
    ::getrlimit(RLIMIT_CORE, &start.core);
    rlimit no_core = start.core;
    no_core.rlim_cur = 0;
    ::setrlimit(RLIMIT_CORE, &no_core);
    ::prctl(PR_SET_DUMPABLE, 0, 0, 0, 0);
    // Without /proc (some containers) children start directly, without PR_SET_PDEATHSIG.
    start.use_shim = ::access("/proc/self/exe", X_OK) == 0;
}

std::optional<int> run_exec_shim(int argc, char** argv) {
    if (argc <= shim_fixed_args || std::string_view(argv[0]) != shim_name) return std::nullopt;
    unsigned long long parent = 0, status = 0, nofile = 0, core = 0;
    if (!parse(argv[1], parent) || !parse(argv[2], status) || !parse(argv[3], nofile) || !parse(argv[4], core))
        return 127;
    const int status_fd = static_cast<int>(status);
    // SIGKILL once the thread that started us ends: r1 dying, by SIGKILL too, takes its child along.
    // If r1 died before this line, our parent is already someone else: stop here.
    if (::prctl(PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0) != 0 || ::getppid() != static_cast<pid_t>(parent)) ::_exit(127);
    rlimit lim{};
    if (::getrlimit(RLIMIT_NOFILE, &lim) == 0 && nofile <= lim.rlim_max) {
        lim.rlim_cur = nofile;
        ::setrlimit(RLIMIT_NOFILE, &lim);
    }
    if (::getrlimit(RLIMIT_CORE, &lim) == 0 && core <= lim.rlim_max) {
        lim.rlim_cur = core;
        ::setrlimit(RLIMIT_CORE, &lim);
    }
    ::fcntl(status_fd, F_SETFD, FD_CLOEXEC);  // closed by a successful exec: end of file for r1
    ::execve(argv[shim_fixed_args], argv + shim_fixed_args, environ);
    int e = errno;
    (void)!::write(status_fd, &e, sizeof e);
    ::_exit(127);
}

sys::error_code exec_status_error(const char* status, std::size_t size) {
    int e = 0;
    if (size != exec_status_bytes) return {};
    std::memcpy(&e, status, sizeof e);
    return e != 0 ? errno_code(e) : sys::error_code{};
}

sys::result<spawned_child> spawn_child(const spawn_request& request) {
    if (request.argv.empty() || request.argv.front().empty()) return errno_code(EINVAL);
    fd_pair in, out, err;
    if (request.stdin_pipe)
        if (int e = make_pipe(in)) return errno_code(e);
    if (int e = make_pipe(out)) return errno_code(e);
    if (int e = make_pipe(err)) return errno_code(e);

    spawn_request req = request;
    high_copies copies;
    int floor = 3;
    for (const auto& [from, to] : req.extra_fds) floor = std::max(floor, to + 1);
    for (auto& [from, to] : req.extra_fds) {
        if (to < 3) return errno_code(EINVAL);  // 0-2 are the child's stdin, stdout and stderr
        int copy = ::fcntl(from, F_DUPFD_CLOEXEC, floor);
        if (copy < 0) return errno_code(errno);
        copies.fds.push_back(copy);
        from = copy;
    }
    // The shim's status pipe, its write end above every number the child's dup2s target.
    fd_pair status;
    if (start.use_shim) {
        if (int e = make_pipe(status)) return errno_code(e);
        int high = ::fcntl(status.write, F_DUPFD_CLOEXEC, floor);
        if (high < 0) return errno_code(errno);
        ::close(status.write);
        status.write = high;
    }

    spawn_setup setup;
    if (int e = setup.prepare(in.read, out.write, err.write, req, status.write)) return errno_code(e);
    spawned_child child;
    // glibc reports exec and chdir failures here, not as a child exiting 127; the shim's own exec
    // failure comes back on the status pipe.
    if (int e = setup.spawn(child.pid, req, status.write)) return errno_code(e);

    child.pidfd = static_cast<int>(::syscall(SYS_pidfd_open, child.pid, 0));
    child.out_fd = out.read;
    child.err_fd = err.read;
    child.in_fd = in.write;
    child.status_fd = status.read;
    // Ownership moves to the caller; the child's ends and the status pipe's write end close with fd_pair.
    out.read = err.read = in.write = status.read = -1;
    if (child.status_fd >= 0 && !req.watch_exec) {
        ::close(status.write);  // our copy: the shim's exec must be the last writer to go
        status.write = -1;
        if (auto ec = wait_for_exec(child)) return ec;
    }
    return child;
}

}  // namespace r1::proc
