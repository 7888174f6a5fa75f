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
};

/// posix_spawn sets the group before exec, so no signal can find the child outside its group.
/// Signal dispositions and the mask are reset to the defaults in the child (r1 ignores SIGPIPE).
boost::system::result<spawned_child> spawn_child(const spawn_request& req);

inline boost::system::result<spawned_child> spawn_child(const std::vector<std::string>& argv, const std::string& cwd) {
    return spawn_child(spawn_request{argv, cwd, std::nullopt, {}, false});
}

}  // namespace r1::proc
