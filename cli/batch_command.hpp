#pragma once
/// `r1 deploy --batch FILE` and `r1 verify`: validate the whole fleet, run it concurrently on one
/// event loop per core, report each task and the aggregate.
#include "cli/args.hpp"
#include "cli/fleet_tasks.hpp"

#include <functional>
#include <map>
#include <string>
#include <vector>

namespace r1::cli {

/// The tasks of `--batch FILE` (or the URLs on the command line), read and validated as a whole.
struct loaded_tasks {
    std::vector<fleet_task> tasks;  // valid only when problem_count is 0
    std::map<std::string, unsigned, std::less<>> region_caps;    // [region.CODE] concurrency
    std::map<std::string, unsigned, std::less<>> provider_caps;  // [provider.NAME] concurrency
    std::string manifest_sha256;  // of the file's text, for r1 report merge
    /// Every problem, one "r1: error: FILE:LINE: what" line each; the caller adds what it did.
    std::string problems;
    std::size_t problem_count = 0;
    bool unreadable = false;  // the file could not be read at all (one problem, no line)
    std::string source;  // the file name, "stdin" or "command line", for that last line
};
loaded_tasks load_tasks(const command& cmd);

/// Returns the batch's exit code (see batch_exit_code); 2 with every problem listed, and nothing
/// started, when the manifest or a flag is wrong.
int run_batch(const command& cmd);

}  // namespace r1::cli
