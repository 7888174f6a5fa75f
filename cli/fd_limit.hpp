#pragma once
/// r1's open-file budget: the soft limit raised to the hard one, and the floor below which r1
/// refuses to start rather than fail checks with "Too many open files" as if endpoints were down.
#include <sys/resource.h>

namespace r1::cli {

/// What r1 itself holds before any task: stdio, an event loop (epoll, eventfd, timerfd), the signal
/// pipe and a report file take about 10.
inline constexpr rlim_t minimum_fds = 16;

/// Raises the soft RLIMIT_NOFILE to the hard limit and returns the limit now in force.
rlim_t raise_fd_limit();

}  // namespace r1::cli
