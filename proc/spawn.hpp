#pragma once
/// Starts a child in a process group of its own, its stdout and stderr on fresh pipes, stdin
/// /dev/null or a pipe.
#include <boost/system/result.hpp>

#include <optional>
#include <string>
#include <utility>
#include <vector>

#include <sys/types.h>

namespace r1::proc {

struct spawned_child {
    pid_t pid = -1;  // also the process group id
    int pidfd = -1;  // readable once the child has exited; -1 where the kernel has no pidfd_open
    int out_fd = -1;
    int err_fd = -1;
    int in_fd = -1;  // the write end of the child's stdin, with stdin_pipe
    /// With spawn_request::watch_exec, through the exec shim: end of file once the shim has exec'd
    /// the program, or first the errno of its failed execve (exec_status_bytes, see
    /// exec_status_error). -1 otherwise: the program runs, or failed to start, when spawn_child
    /// returns.
    int status_fd = -1;
};

struct spawn_request {
    std::vector<std::string> argv;  // argv[0] is the program's path
    std::string cwd;                // empty: r1's own working directory
    /// The child's whole environment ("NAME=value"); nullopt: r1's own, unchanged.
    std::optional<std::vector<std::string>> env;
    /// Descriptors the child gets beyond 0-2: {r1's fd, the number it has in the child}. r1's fd
    /// stays r1's to close; the child's copy is made after fork, so the child numbers may be any.
    std::vector<std::pair<int, int>> extra_fds;
    /// stdin on a pipe whose write end comes back in spawned_child::in_fd; false: /dev/null.
    bool stdin_pipe = false;
    /// The caller watches status_fd on its event loop (real_runner) instead of spawn_child waiting
    /// the shim's few milliseconds for the exec.
    bool watch_exec = false;
};

/// posix_spawn sets the group before exec, so no signal can find the child outside its group.
/// Signal dispositions and the mask are reset to the defaults in the child (r1 ignores SIGPIPE).
/// After harden_process(), the child is started through the exec shim (see there).
boost::system::result<spawned_child> spawn_child(const spawn_request& req);

inline boost::system::result<spawned_child> spawn_child(const std::vector<std::string>& argv, const std::string& cwd) {
    return spawn_child(spawn_request{argv, cwd, std::nullopt, {}});
}

/// r1's environment without the variables named like secrets (engine::env_name_looks_secret), for a
/// child that needs no credentials (git).
std::vector<std::string> environment_without_secrets();

/// Makes this process fit to hold secrets and to start children, first thing in main(): no core
/// dump of it (RLIMIT_CORE's soft limit 0, and PR_SET_DUMPABLE 0, which also keeps other processes
/// of the user from reading its memory or environment), and later spawns go through the exec
/// shim (when /proc/self/exe can run), which in the child asks for PR_SET_PDEATHSIG (SIGKILL when
/// r1 dies, even by SIGKILL, whose clean-up never runs) and gives back the open-file and core-file
/// soft limits this process started with (r1 raises its own open-file limit).
void harden_process();

/// The exec shim's entry: when argv is the shim's (r1 re-executed by spawn_child), this sets up
/// the child and execs the real program, returning only if that fails (with 127, after reporting
/// errno on the status pipe); otherwise nullopt at once. A main() that calls harden_process()
/// calls this before anything else.
std::optional<int> run_exec_shim(int argc, char** argv);

/// What the shim writes on the status pipe when its execve fails, and what that means.
inline constexpr std::size_t exec_status_bytes = sizeof(int);
boost::system::error_code exec_status_error(const char* status, std::size_t size);

}  // namespace r1::proc
