#include "proc/spawn.hpp"

#include <algorithm>
#include <cerrno>
#include <csignal>

#include <fcntl.h>
#include <spawn.h>
#include <sys/syscall.h>
#include <unistd.h>

extern char** environ;

namespace r1::proc {
namespace {

namespace sys = boost::system;

sys::error_code errno_code(int e) { return {e, sys::system_category()}; }

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

    int prepare(int in_r, int out_w, int err_w, const spawn_request& req) {
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
        if (!req.cwd.empty())
            if (int e = ::posix_spawn_file_actions_addchdir_np(&actions_, req.cwd.c_str())) return e;
        return 0;
    }

    int spawn(pid_t& pid, const spawn_request& req) {
        std::vector<char*> args;
        args.reserve(req.argv.size() + 1);
        for (const auto& a : req.argv) args.push_back(const_cast<char*>(a.c_str()));
        args.push_back(nullptr);
        char** envp = environ;
        std::vector<char*> env;
        if (req.env) {
            env.reserve(req.env->size() + 1);
            for (const auto& e : *req.env) env.push_back(const_cast<char*>(e.c_str()));
            env.push_back(nullptr);
            envp = env.data();
        }
        return ::posix_spawn(&pid, req.argv.front().c_str(), &actions_, &attr_, args.data(), envp);
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

}  // namespace

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

    spawn_setup setup;
    if (int e = setup.prepare(in.read, out.write, err.write, req)) return errno_code(e);
    spawned_child child;
    // glibc reports exec and chdir failures here, not as a child exiting 127.
    if (int e = setup.spawn(child.pid, req)) return errno_code(e);

    child.pidfd = static_cast<int>(::syscall(SYS_pidfd_open, child.pid, 0));
    child.out_fd = out.read;
    child.err_fd = err.read;
    child.in_fd = in.write;
    out.read = err.read = in.write = -1;  // ownership moves to the caller; the child's ends close with fd_pair
    return child;
}

}  // namespace r1::proc
