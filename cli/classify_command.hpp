#pragma once
/// `r1 classify`: the failure classifier for shell users and CI scripts.
#include <iosfwd>
#include <string_view>
#include <vector>

namespace r1::cli {

/// Runs `r1 classify ARGS...` (args after the subcommand) and returns the exit code:
/// 0 transient, 1 permanent, 2 unknown or a usage error. With --lines the code is the most
/// decisive verdict over all lines: permanent if any line is, else transient if any line is.
int run_classify(const std::vector<std::string_view>& args, std::istream& in, std::ostream& out, std::ostream& err);

std::string_view classify_help();

}  // namespace r1::cli
