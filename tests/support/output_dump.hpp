#pragma once
/// Keeps what r1 wrote for programs (NDJSON on stdout with --output json, --report files) in
/// $R1_OUTPUT_DUMP, one JSON file per run, so that ctest's output_schemas test validates every
/// such output the suite produced against schemas/. Without the variable it does nothing.
#include "tests/support/r1_process.hpp"

namespace r1::test {

/// What a --report path held before r1 ran (report_before, in r1_process.hpp): a report file that
/// is still the same file afterwards (inode, size, mtime) was not written by this run.
report_before look_at_report(const r1_options& opts);

/// Called by r1_process::wait() once r1 has ended.
void dump_outputs(const r1_options& opts, const r1_result& result, const report_before& before);

}  // namespace r1::test
