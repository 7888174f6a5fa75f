#pragma once
/// r1's open-file budget: the soft limit raised to the hard one, the floor below which r1 refuses to
/// start rather than fail checks with "Too many open files" as if endpoints were down, and how many
/// tasks fit at once.
#include <string>
#include <string_view>

#include <sys/resource.h>

namespace r1::cli {

/// What r1 itself holds before any task: stdio, an event loop (epoll, eventfd, timerfd), the signal
/// pipe and a report file take about 10.
inline constexpr rlim_t minimum_fds = 16;

/// Descriptors one running task holds: a check's socket (and its resolver's), or a child's pipes
/// and pidfd with a check after it.
inline constexpr rlim_t fds_per_check = 2;
inline constexpr rlim_t fds_per_child = 8;

/// Raises the soft RLIMIT_NOFILE to the hard limit and returns the limit now in force.
rlim_t raise_fd_limit();

/// How many tasks of `per_task` descriptors may run at once.
struct fd_budget {
    std::string refusal;       // non-empty: the limit is below the floor and nothing may start
    unsigned concurrency = 0;  // what was wanted, or lowered to what the limit allows
    std::string note;          // non-empty when it was lowered: one line for stderr
    unsigned checks = 0;       // how many health checks alone fit (a rollout gate checks in bulk)
};

/// Raises the limit, then fits `wanted` tasks of `per_task` descriptors in it. `who` names the run
/// in the refusal ("a batch", "r1 deploy").
fd_budget budget_fds(unsigned wanted, rlim_t per_task, std::string_view who);

}  // namespace r1::cli
