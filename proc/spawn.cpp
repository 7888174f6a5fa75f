#include "proc/spawn.hpp"

#include "engine/redact.hpp"

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

    int prepare(int out_w, int err_w, const std::string& cwd, int status_w) {
        sigset_t none, all;
        sigemptyset(&none);
        sigfillset(&all);
        if (int e = ::posix_spawnattr_setflags(
                &attr_, POSIX_SPAWN_SETPGROUP | POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF))
            return e;
        if (int e = ::posix_spawnattr_setpgroup(&attr_, 0)) return e;
        if (int e = ::posix_spawnattr_setsigmask(&attr_, &none)) return e;
        if (int e = ::posix_spawnattr_setsigdefault(&attr_, &all)) return e;
        if (int e = ::posix_spawn_file_actions_addopen(&actions_, 0, "/dev/null", O_RDONLY, 0)) return e;
        if (int e = ::posix_spawn_file_actions_adddup2(&actions_, out_w, 1)) return e;
        if (int e = ::posix_spawn_file_actions_adddup2(&actions_, err_w, 2)) return e;
        // dup2 onto itself clears close-on-exec (POSIX 2024, glibc 2.29): the shim, and only the
        // shim, gets the status pipe; it marks it close-on-exec again before its own exec.
        if (status_w >= 0)
            if (int e = ::posix_spawn_file_actions_adddup2(&actions_, status_w, status_w)) return e;
        if (!cwd.empty())
            if (int e = ::posix_spawn_file_actions_addchdir_np(&actions_, cwd.c_str())) return e;
        return 0;
    }

    int spawn(pid_t& pid, const std::vector<std::string>& argv, char* const* envp) {
        std::vector<char*> args;
        args.reserve(argv.size() + 1);
        for (const auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
        args.push_back(nullptr);
        return ::posix_spawn(&pid, argv.front().c_str(), &actions_, &attr_, args.data(), envp);
    }

    /// Starts r1 itself as the exec shim, which then execs `argv`.
    int spawn_shim(pid_t& pid, const std::vector<std::string>& argv, char* const* envp, int status_w) {
        std::vector<std::string> shim{std::string(shim_name), std::to_string(::getpid()), std::to_string(status_w),
                                      std::to_string(start.nofile.rlim_cur), std::to_string(start.core.rlim_cur)};
        shim.insert(shim.end(), argv.begin(), argv.end());
        std::vector<char*> args;
        args.reserve(shim.size() + 1);
        for (auto& a : shim) args.push_back(a.data());
        args.push_back(nullptr);
        return ::posix_spawn(&pid, "/proc/self/exe", &actions_, &attr_, args.data(), envp);
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

/// r1's environment without the variables named like secrets: pointers into environ, which
/// nothing changes while r1 runs.
std::vector<char*> environment_without_secrets() {
    std::vector<char*> env;
    for (char** e = environ; *e; ++e) {
        std::string_view entry{*e};
        if (!engine::env_name_looks_secret(entry.substr(0, entry.find('=')))) env.push_back(*e);
    }
    env.push_back(nullptr);
    return env;
}

bool parse(const char* text, unsigned long long& out) {
    char* end = nullptr;
    errno = 0;
    out = std::strtoull(text, &end, 10);
    return errno == 0 && end != text && *end == '\0';
}

}  // namespace

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

sys::result<spawned_child> spawn_child(const std::vector<std::string>& argv, const std::string& cwd,
                                       bool pass_secrets) {
    if (argv.empty() || argv.front().empty()) return errno_code(EINVAL);
    fd_pair out, err;
    if (int e = make_pipe(out)) return errno_code(e);
    if (int e = make_pipe(err)) return errno_code(e);

    fd_pair status;
    if (start.use_shim)
        if (int e = make_pipe(status)) return errno_code(e);

    spawn_setup setup;
    if (int e = setup.prepare(out.write, err.write, cwd, status.write)) return errno_code(e);
    spawned_child child;
    // glibc reports exec and chdir failures here, not as a child exiting 127; the shim's own exec
    // failure comes back on the status pipe.
    std::vector<char*> filtered;
    if (!pass_secrets) filtered = environment_without_secrets();
    char* const* envp = pass_secrets ? environ : filtered.data();
    if (start.use_shim) {
        if (int e = setup.spawn_shim(child.pid, argv, envp, status.write)) return errno_code(e);
    } else {
        if (int e = setup.spawn(child.pid, argv, envp)) return errno_code(e);
    }

    child.pidfd = static_cast<int>(::syscall(SYS_pidfd_open, child.pid, 0));
    child.out_fd = out.read;
    child.err_fd = err.read;
    child.status_fd = status.read;
    out.read = err.read = status.read = -1;  // ownership moves to the caller; the write ends close with fd_pair
    return child;
}

}  // namespace r1::proc
