#pragma once
/// `r1 deploy` for one app: the real runner, HTTP client and TLS context, one event loop, Ctrl-C as
/// cancellation, and the outcome printed and turned into the exit code.
#include "cli/command.hpp"

namespace r1::cli {

/// Runs the deploy (or dry-run, or verify-only) `cmd` describes; returns the exit code.
int run_deploy(const command& cmd);

}  // namespace r1::cli
