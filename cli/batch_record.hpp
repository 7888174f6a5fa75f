#pragma once
/// What the CLI keeps about each task of a batch: enough for the summary, the reports and JUnit.
#include "engine/repair_loop.hpp"
#include "proc/browser/findings.hpp"
#include "providers/deploy.hpp"

#include <chrono>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace r1::cli {

enum class task_state { pending, running, ok, failed, interrupted, skipped };

/// "pending", "running", "ok", "failed", "interrupted", "skipped": stable, used in JSON and JUnit.
std::string_view to_string(task_state s) noexcept;

struct task_record {
    std::string name;      // app name, or the URL for a URL list
    std::string provider;  // "fly"
    std::string url;       // the health URL (empty when not known, e.g. dry-run)
    task_state state = task_state::pending;
    int exit_code = -1;    // the single-deploy exit code; -1 while pending / skipped
    std::chrono::milliseconds duration{0};
    std::string detail;       // one printable line
    std::string output_tail;  // the task's last output lines; kept for failed tasks only
    std::string preview;      // a dry run's stdout: the fly.toml flyctl reads, or the plan
    std::shared_ptr<const providers::deploy_plan> plan;  // a dry run's plan
    std::vector<engine::attempt_record> attempts;
    std::vector<engine::criterion_result> criteria;
    providers::release_ref release;                  // the release the deploy made, when the provider said
    std::optional<providers::release_ref> previous;  // what served before it (the pre-flight's)
    std::optional<rollback_record> rollback;         // an --auto-rollback, done or declined
    std::string evidence;                            // the app's recent logs, for a failed verification
    /// The browser check's report, when one ran (shared: records are copied, reports are large).
    std::shared_ptr<const proc::browser::page_report> browser;
};

/// The whole batch, as the reports see it.
struct batch_outcome {
    std::string command;  // "deploy" or "verify"
    bool dry_run = false;
    std::chrono::system_clock::time_point started_at;
    std::chrono::milliseconds duration{0};
    unsigned concurrency = 0;
    int exit_code = 0;
    int signal = 0;  // SIGINT / SIGTERM that interrupted it, 0 if none
    bool stopped_early = false;  // --fail-fast
    std::vector<task_record> tasks;
};

struct batch_counts {
    std::size_t total = 0, ok = 0, failed = 0, interrupted = 0, skipped = 0, running = 0;
};
batch_counts count(const std::vector<task_record>& tasks);

/// Every task 0: 0. Else the first of 2, 3, 1 any task has (a setup error hides nothing, a failed
/// deploy outranks a failed check); 128 + signal when interrupted.
int batch_exit_code(const std::vector<task_record>& tasks, int signal);

}  // namespace r1::cli
