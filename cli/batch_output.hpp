#pragma once
/// How a batch reports as it runs: a line per finished task or a live progress line for people,
/// NDJSON events for programs, and the summary table at the end.
#include "cli/batch_record.hpp"

#include <boost/json/object.hpp>

#include <chrono>
#include <cstddef>
#include <span>
#include <string>
#include <string_view>

namespace r1::cli {

/// A task's cause in one printable line of at most 300 characters. The head of the message
/// ("flyctl deploy (app web) exited 1: ") is kept whole and the provider's last words fill the
/// rest, so a long stderr cannot push out how it ended.
std::string detail_line(std::string_view text);

/// "ok      api  fly  0  1.2s  health check: 200 OK ..." (one line, newline included).
std::string task_line(const task_record& t, std::size_t done, std::size_t total);

/// The failed task's output, indented: "  | <line>", at most `max_lines` lines.
std::string output_block(const task_record& t, std::size_t max_lines = 20);

/// A dry run's plan under its task's line, indented "  | " (the plan's own header left out).
std::string plan_block(const providers::deploy_plan& p);

/// A running task and how long it has been running, for the progress line.
struct running_task {
    std::string_view name;
    std::chrono::milliseconds elapsed;
};

/// "r1: 12/100 done  10 ok  2 failed  4 running  3.2s  3.7/s  longest: api 41.2s, web 12.0s, +2"
/// without a newline: `longest` (longest-running first) named while they fit in `width - 1`
/// columns (0: no limit), the rest counted. No rate for a dry run (`rate` false), whose tasks do no
/// work a rate could measure.
std::string progress_line(const batch_counts& c, std::chrono::milliseconds elapsed,
                          std::span<const running_task> longest = {}, std::size_t width = 0,
                          bool rate = true);

/// The table of every failed task then the others (ok rows cut when there are many), and a last
/// line with the counts, rate (none for a dry run) and exit code.
std::string summary_table(const batch_outcome& batch, std::size_t width);

/// A finished task's facts for programs, the same in task.end and --report: http_status,
/// cause, final_url and phases_ms.
void add_task_facts(boost::json::object& o, const task_record& t);

/// NDJSON events: batch.start, wave.start, task.start, task.end, wave.gate, task.skipped, batch.end.
/// Names are stable (README). A task's `index` is its position in the manifest.
std::string batch_start_json(const batch_outcome& batch, std::size_t loops);
std::string wave_start_json(const batch_outcome& batch, std::size_t wave);
std::string task_start_json(const task_record& t);
std::string task_end_json(const task_record& t);
std::string wave_gate_json(const batch_outcome& batch, std::size_t wave);
std::string task_skipped_json(const task_record& t);
std::string batch_end_json(const batch_outcome& batch);
/// A task's lifecycle event (pre-flight, release, release.poll, rollback.*), with its index and app.
std::string task_event_json(const providers::lifecycle_event& e, const task_record& t, std::size_t index);

/// release, previous_release, rollback and evidence of a deploy task, as task.end and the report
/// carry them (only what the task has).
void add_lifecycle(boost::json::object& o, const task_record& t);

}  // namespace r1::cli
