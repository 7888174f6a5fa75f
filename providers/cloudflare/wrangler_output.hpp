#pragma once
/// wrangler's machine-readable output and project config, read without running anything: the NDJSON
/// records it appends to WRANGLER_OUTPUT_FILE_PATH, the text it prints when there are none, and
/// which kind of project (Workers or Pages) a directory holds. Pure, so it can be fuzzed alone.
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace r1::providers::cloudflare {

/// What the records said. Shapes from packages/wrangler/src/output.ts (wrangler 4.86.0): one JSON
/// object per line, each with "type" and "version": 1:
///   wrangler-session {wrangler_version, command_line_args[], log_file_path}
///   deploy {worker_name, worker_tag, version_id, targets[], worker_name_overridden, wrangler_environment}
///   pages-deploy / pages-deploy-detailed {pages_project, deployment_id, url, alias?, environment?}
///   command-failed {code?, message}
struct wrangler_report {
    std::size_t records = 0;     // lines that were a JSON object with a "type"
    bool deployed = false;       // a deploy, pages-deploy or pages-deploy-detailed record
    std::string worker_name;     // or the Pages project
    std::string version_id;      // deploy.version_id, or the Pages deployment_id
    std::vector<std::string> urls;  // https:// targets (workers.dev, Pages url and alias), in order
    bool failed = false;         // a command-failed record
    std::optional<std::int64_t> code;  // its Cloudflare API error code, when it had one
    std::string message;         // its message
    std::vector<std::string> argv;  // the session's command_line_args: what wrangler wrote of argv
    std::string wrangler_version;
};

/// Reads the record file's text; lines that are not records (a torn last line) are skipped.
wrangler_report read_wrangler_records(std::string_view ndjson);

/// Where no record exists (a wrangler too old for WRANGLER_OUTPUT_FILE_PATH), what its text says:
/// "Current Version ID: <id>" and the workers.dev URLs listed under "Deployed <name> triggers"
/// (packages/wrangler/src/deploy/deploy.ts, triggers/deploy.ts), or Pages' "Take a peek over at <url>"
/// (pages/deploy.ts). `deployed` is set when a version id or a Pages URL was found.
wrangler_report scrape_wrangler_text(std::string_view out);

/// The URL to check after a deploy: the first https:// URL with no wildcard, or "".
std::string first_checkable_url(const std::vector<std::string>& urls);

/// A Pages project when its config sets pages_build_output_dir; else Workers.
struct wrangler_project {
    std::string config_file;  // "wrangler.json", "wrangler.jsonc", "wrangler.toml", or "" for none
    std::string pages_output_dir;  // "" for a Workers project
};

/// The value of a top-level `pages_build_output_dir` in a config file's text: TOML (before any table
/// header) or JSON / JSONC (comments skipped). "" when absent.
std::string pages_output_dir_in(std::string_view text, bool toml);

/// Looks in `dir` for wrangler.json, wrangler.jsonc, then wrangler.toml (wrangler's own order:
/// workers-utils/src/config/config-helpers.ts) and reads the first one found (at most 1 MiB).
wrangler_project find_wrangler_project(const std::string& dir);

}  // namespace r1::providers::cloudflare
