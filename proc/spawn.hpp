#pragma once
/// Starts a child in a process group of its own, its stdout and stderr on fresh pipes, stdin /dev/null.
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
};

/// posix_spawn sets the group before exec, so no signal can find the child outside its group.
/// Signal dispositions and the mask are reset to the defaults in the child (r1 ignores SIGPIPE).
/// The child gets r1's environment, without the variables named like secrets unless `pass_secrets`.
boost::system::result<spawned_child> spawn_child(const std::vector<std::string>& argv, const std::string& cwd,
                                                 bool pass_secrets = true);

}  // namespace r1::proc
