#pragma once
/// The files a batch leaves behind for programs: one JSON document (--report) and JUnit XML (--junit).
#include "cli/batch_record.hpp"

#include <string>

namespace r1::cli {

/// The whole result as one JSON document; field names are documented in the README.
std::string report_json(const batch_outcome& batch);

/// JUnit XML: one <testcase> per task. Exit codes 1 and 3 are <failure>s, 2 an <error>,
/// interrupted and never-started tasks <skipped>.
std::string junit_xml(const batch_outcome& batch);

}  // namespace r1::cli
