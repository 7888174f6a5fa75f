#pragma once
/// What the CLI keeps about each task of a batch: enough for the summary, the reports and JUnit.
#include "engine/repair_loop.hpp"
#include "proc/browser/findings.hpp"
#include "providers/deploy.hpp"

#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace r1::cli {

/// `unknown` is a merged report's: the task's shard left no report, so nothing is known of it.
enum class task_state { pending, running, ok, failed, interrupted, skipped, unknown };

/// "pending", "running", "ok", "failed", "interrupted", "skipped", "unknown": stable, used in JSON and
/// JUnit.
std::string_view to_string(task_state s) noexcept;

struct task_record {
    std::size_t index = 0;  // its position among the manifest's (or the list's) tasks, 0-based
    std::string name;      // app name, or the URL for a URL list
    std::string provider;  // "fly"
    std::string url;       // the health URL (empty when not known, e.g. dry-run)
    task_state state = task_state::pending;
    int exit_code = -1;    // the single-deploy exit code; -1 while pending / skipped
    std::chrono::milliseconds duration{0};
    std::string detail;       // one printable line
    std::string output_tail;  // the task's last output lines; kept for failed tasks only
    std::string preview;      // a dry run's stdout: the fly.toml flyctl reads, or the plan
    std::shared_ptr<const providers::deploy_plan> plan;  // a dry run's plan, short (cli::short_plan)
    std::string plan_text;  // text mode: the whole plan under the task's line, until it is printed
    std::string skip_reason;  // why a skipped task never started ("not started: canary api failed")
    std::size_t wave = 0;     // 1-based wave of a rollout in waves (the canaries are wave 1); 0: none
    std::vector<engine::attempt_record> attempts;
    std::vector<engine::criterion_result> criteria;
    unsigned http_status = 0;  // the last health GET's status; 0: no response
    std::string cause;         // why it is not ok, as a stable code ("http-503", "deploy-failed"); "" when ok
    /// Where the last health check's redirects led, when elsewhere than `url`; "" otherwise.
    std::string final_url;
    /// How long each phase took; negative: it did not run.
    std::chrono::milliseconds deploy_time{-1}, health_time{-1};
    /// The last health check's HTTP phases in whole milliseconds, when a GET was answered (kept
    /// small: a fleet holds a record per task).
    struct http_ms {
        std::uint32_t resolve = 0, connect = 0, tls = 0, processing = 0, transfer = 0;
    };
    std::optional<http_ms> http;
    providers::release_ref release;                  // the release the deploy made, when the provider said
    std::optional<providers::release_ref> previous;  // what served before it (the pre-flight's)
    std::optional<rollback_record> rollback;         // an --auto-rollback, done or declined
    std::string evidence;                            // the app's recent logs, for a failed verification
    /// The browser check's report, when one ran (shared: records are copied, reports are large).
    std::shared_ptr<const proc::browser::page_report> browser;
};

/// One wave of a rollout, as the reports see it.
struct wave_record {
    std::size_t tasks = 0;
    bool canary = false;
    std::string gate;         // "passed", "failed", "skipped" (interrupted first), "" for the last wave / not reached
    std::string gate_detail;  // one line: what the gate found
};

/// Which part of a sharded fleet a report holds.
struct shard_record {
    std::size_t index = 0, total = 1;
    std::vector<std::string> manifest_tasks;  // every task's name in the manifest, in file order
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
    bool stopped_early = false;  // --fail-fast, --max-failures, a canary or a gate stopped the launching
    std::string stopped_by;      // "fail-fast", "max-failures", "canary", "gate", "interrupt"; "" if nothing
    std::vector<task_record> tasks;
    std::string manifest_sha256;  // of the manifest's bytes (cli/shard.hpp)
    std::vector<std::pair<std::string, std::string>> shared_flags;  // command::shared_flags
    std::unique_ptr<shard_record> shard;  // --shard; null: the whole fleet
    std::vector<wave_record> waves;       // a rollout in waves or with canaries; empty: one wave
    std::size_t max_failures = 0;         // the failure budget; 0: none
};

struct batch_counts {
    std::size_t total = 0, ok = 0, failed = 0, interrupted = 0, skipped = 0, running = 0, unknown = 0;
};
batch_counts count(const std::vector<task_record>& tasks);

/// Every task 0: 0. Else the first of 2, 3, 1 any task has (a setup error hides nothing, a failed
/// deploy outranks a failed check); 4 when some task's result is unknown (a merged report's missing
/// shard); 128 + signal when interrupted. The order is cli/exit_code's `outranks`.
int batch_exit_code(const std::vector<task_record>& tasks, int signal);

}  // namespace r1::cli
