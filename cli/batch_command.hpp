#pragma once
/// `r1 deploy --batch FILE` and `r1 verify`: validate the whole fleet, run it concurrently on one
/// event loop per core, report each task and the aggregate.
#include "cli/args.hpp"

namespace r1::cli {

/// Returns the batch's exit code (see batch_exit_code); 2 with every problem listed, and nothing
/// started, when the manifest or a flag is wrong.
int run_batch(const command& cmd);

}  // namespace r1::cli
