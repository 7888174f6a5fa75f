#pragma once
/// Starts a child in a process group of its own, its stdout and stderr on fresh pipes, stdin
/// /dev/null or a pipe.
#include <boost/system/result.hpp>

#include <string>
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

/// posix_spawn sets the group before exec, so no signal can find the child outside its group.
/// Signal dispositions and the mask are reset to the defaults in the child (r1 ignores SIGPIPE).
boost::system::result<spawned_child> spawn_child(const std::vector<std::string>& argv, const std::string& cwd,
                                                bool stdin_pipe = false);

}  // namespace r1::proc
