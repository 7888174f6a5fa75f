#pragma once
/// `r1 report merge REPORT...`: the reports of a fleet's shards as the one report, JUnit file and
/// exit code a single r1 running the whole fleet would give.
#include "cli/args.hpp"

namespace r1::cli {

/// Returns the merged exit code (README: Exit codes); 2, with nothing written, when the reports are
/// not the shards of one run or one cannot be read.
int run_report_merge(const command& cmd);

}  // namespace r1::cli
