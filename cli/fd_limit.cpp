#include "cli/fd_limit.hpp"

#include <algorithm>

namespace r1::cli {
namespace {

constexpr rlim_t reserved_fds = 32;  // stdio, the event loops, reports, logs

rlim_t room_for(rlim_t limit, rlim_t per_task) {
    return limit > reserved_fds + per_task ? (limit - reserved_fds) / per_task : 1;
}

}  // namespace

rlim_t raise_fd_limit() {
    rlimit lim{};
    if (::getrlimit(RLIMIT_NOFILE, &lim) != 0) return 1024;
    if (lim.rlim_cur < lim.rlim_max) {
        rlimit raised = lim;
        raised.rlim_cur = lim.rlim_max;
        if (::setrlimit(RLIMIT_NOFILE, &raised) == 0) lim = raised;
    }
    return lim.rlim_cur;
}

fd_budget budget_fds(unsigned wanted, rlim_t per_task, std::string_view who) {
    fd_budget budget;
    rlim_t limit = raise_fd_limit();
    // Refused, one line and exit 2, rather than an internal error from a signal pipe or every task
    // failed "Too many open files" as if the endpoints were down.
    if (limit < minimum_fds + per_task) {
        budget.refusal = "the open-file limit is " + std::to_string(limit) + " (ulimit -n); " + std::string(who) + " needs at least " +
                         std::to_string(minimum_fds + per_task);
        return budget;
    }
    rlim_t room = room_for(limit, per_task);
    budget.concurrency = wanted;
    if (wanted > room) {
        budget.concurrency = static_cast<unsigned>(room);
        budget.note = "concurrency lowered from " + std::to_string(wanted) + " to " + std::to_string(room) +
                      ": the open-file limit is " + std::to_string(limit) + " (ulimit -n)";
    }
    budget.checks = static_cast<unsigned>(std::min<rlim_t>(room_for(limit, fds_per_check), ~0u));
    return budget;
}

}  // namespace r1::cli
