#pragma once
/// `r1 verify --every DURATION`: a long-running monitor. Each round checks every target once,
/// spread over the interval; results feed Prometheus metrics (--metrics-listen), state-change
/// events (NDJSON with --output json, --on-change commands) and certificate warnings. SIGHUP
/// re-reads --batch FILE; SIGINT / SIGTERM stop every check and command and exit 130 / 143.
#include "cli/args.hpp"

namespace r1::cli {

/// Runs until interrupted. Returns 130 / 143 then, or 2 (nothing started) when the targets, a
/// flag or the listener's address is wrong.
int run_watch(const command& cmd);

}  // namespace r1::cli
