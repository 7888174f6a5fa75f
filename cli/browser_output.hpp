#pragma once
/// How a browser check's findings appear in r1's outputs: NDJSON events, --report, JUnit and text.
#include "proc/browser/findings.hpp"

#include <boost/json/object.hpp>

#include <string>

namespace r1::cli {

/// The "browser" member of task.end, result and --report tasks (README: Browser checks).
boost::json::object browser_json(const proc::browser::page_report& r);

/// The causes, one indented line each ("  | console.error: ..."), at most `max_lines`.
std::string browser_causes_block(const proc::browser::page_report& r, std::size_t max_lines = 20);

}  // namespace r1::cli
