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

/// Writes `text` to `path` through a temporary file and a rename, so a reader never sees half a
/// report, with secrets masked as write_fd masks them; a device or FIFO (/dev/stdout, /dev/full) is
/// written in place. Returns "" or the one-line reason it could not.
std::string write_file_atomically(const std::string& path, std::string_view text);

/// Fails early, before anything runs, if `path` cannot be written. Returns "" or the reason.
std::string check_writable(const std::string& path);

}  // namespace r1::cli
