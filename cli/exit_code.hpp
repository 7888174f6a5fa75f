#pragma once
/// The one mapping from r1's errors and signals to process exit codes, and the one spelling of the
/// signals r1 reports: r1's public contract (see README).
#include <boost/system/error_code.hpp>

#include <string>

namespace r1::cli {

enum exit_code : int {
    exit_ok = 0,
    exit_unhealthy = 1,
    exit_usage = 2,
    exit_provider_failed = 3,
    exit_incomplete = 4,  // r1 report merge: a shard's report is missing, so some apps have no result
    exit_internal = 70,  // a bug: an exception reached main (EX_SOFTWARE)
};

/// `r1 classify`'s own codes: is this failure worth retrying?
enum classify_exit : int { classify_transient = 0, classify_permanent = 1, classify_unknown = 2 };

/// `interrupt_signal` is the SIGINT / SIGTERM r1 received, 0 if none: it wins, as 128 + signal.
int exit_code_for(const boost::system::error_code& ec, int interrupt_signal);

/// 128 + signal, the shell's convention: 130 for SIGINT, 143 for SIGTERM.
int exit_code_for_signal(int signal);

/// "SIGINT", "SIGTERM", or "signal N" for another.
std::string signal_name(int signal);

/// Whether code `a` decides a batch over `b`: 2 (a setup error hides nothing) over 3 (a failed
/// deploy) over 1 (a failed check) over 0. Merged shards add two ranks on top: an interrupt (143 for
/// SIGTERM over 130 for SIGINT, so the order of the reports never matters) over 4 (a shard without
/// a report: its apps' results are unknown, which hides anything) over 2.
bool outranks(int a, int b);

}  // namespace r1::cli
