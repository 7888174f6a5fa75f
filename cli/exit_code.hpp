#pragma once
/// The one mapping from r1's errors to process exit codes: r1's public contract (see README).
#include <boost/system/error_code.hpp>

namespace r1::cli {

enum exit_code : int {
    exit_ok = 0,
    exit_unhealthy = 1,
    exit_usage = 2,
    exit_provider_failed = 3,
};

/// `interrupt_signal` is the SIGINT / SIGTERM r1 received, 0 if none: it wins, as 128 + signal.
int exit_code_for(const boost::system::error_code& ec, int interrupt_signal);

}  // namespace r1::cli
