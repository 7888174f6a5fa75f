#pragma once
/// Reading a batch's --report back, for r1 report merge: parsed under limits, every member r1 needs
/// checked for its type, and the tasks kept as written so that the merged report carries them whole.
#include "cli/batch_record.hpp"

#include <boost/json/object.hpp>

#include <cstddef>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

namespace r1::cli {

/// All the reports of one merge, and so one report alone: a dry run of 100,000 apps (the task cap)
/// writes a report of about 74 MB, which r1 report merge must take whole.
inline constexpr std::size_t max_merge_bytes = 256 * 1024 * 1024;
inline constexpr std::size_t max_report_bytes = max_merge_bytes;

/// One shard's report. `outcome` holds what the summary, the exit code and JUnit need (names and
/// details printable); `tasks` the task objects exactly as the report has them.
struct read_report_result {
    batch_outcome outcome;
    std::vector<boost::json::object> tasks;  // in the report's order, parallel to outcome.tasks
    boost::json::object settings;
    boost::json::object rollout;
    std::string r1_version;
    std::string started_at;  // RFC 3339, as written
    std::int64_t started_s = 0;  // the same in seconds since the epoch
};

/// Parses and checks one report's text; on a problem, one line without the file's name
/// ("not valid JSON at line 3, column 7: syntax error", "tasks[2].status: ...").
std::variant<read_report_result, std::string> read_report(std::string_view text);

}  // namespace r1::cli
