#pragma once
/// The files a batch leaves behind for programs: one JSON document (--report) and JUnit XML (--junit).
#include "cli/batch_record.hpp"

#include <boost/json/object.hpp>
#include <boost/json/value.hpp>

#include <string>
#include <vector>

namespace r1::cli {

/// The whole result as one JSON document; field names are documented in the README.
std::string report_json(const batch_outcome& batch);
/// The same with more top-level members (a merged report's `merged`), set before `tasks`, and
/// optionally the tasks' objects as given (a merged report's, as its shards wrote them), moved
/// into the document rather than copied.
std::string report_json(const batch_outcome& batch, const boost::json::object& extra,
                        std::vector<boost::json::object>* task_objects = nullptr);

/// Pieces of the report, for r1 report merge: `settings`, `shard` (null without --shard), one task.
boost::json::object report_settings(const batch_outcome& batch);
boost::json::value report_shard(const batch_outcome& batch);
boost::json::object report_task(const task_record& t);

/// JUnit XML: one <testcase> per task. Exit codes 1 and 3 are <failure>s, 2 an <error>,
/// interrupted and never-started tasks <skipped>.
std::string junit_xml(const batch_outcome& batch);

}  // namespace r1::cli
