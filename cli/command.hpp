#pragma once
/// What the command line asked for: the subcommand, the task settings and the batch's own.
#include "providers/deploy_config.hpp"

#include <chrono>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace r1::cli {

enum class action {
    show_help, show_deploy_help, show_verify_help, show_report_help, show_rollback_help, show_version, deploy, batch,
    classify, report_merge, rollback, watch, show_man, show_completion
};

/// `r1 deploy --batch FILE` and `r1 verify`: many tasks at once.
struct batch_options {
    bool verify = false;            // r1 verify: every task is a health check
    std::string file;               // --batch FILE; "-" is stdin; empty: the URLs below
    std::vector<std::string> urls;  // r1 verify URL...
    unsigned concurrency = 0;       // --concurrency; 0: the mode's default
    bool fail_fast = false;
    std::string log_dir;            // --log-dir: each task's full output, one file per task
    std::string report_file;        // --report: the whole result as one JSON document
    std::string junit_file;         // --junit: JUnit XML, one test case per task
    std::string shard;              // --shard I/N or auto/N, as given (cli/shard.hpp reads it)
    unsigned canary = 0;            // --canary N: N canaries at least (0: the apps marked canary alone)
    std::string waves;              // --waves 1,10%,100% (cli/rollout.hpp reads it)
    unsigned max_failures = 0;      // --max-failures K: launch nothing once K tasks failed; 0: no limit
    unsigned region_concurrency = 0;  // --region-concurrency N: deploys at once per region; 0: no cap
    bool rollback_wave = false;     // --rollback-wave: refused until auto-rollback exists
};

/// Where --metrics-listen serves: a bare port (or ":PORT") is 127.0.0.1; any other address must
/// be written out (0.0.0.0:9115, [::]:9115), so nothing is exposed beyond the host by accident.
struct listen_address {
    std::string host = "127.0.0.1";  // an IP literal or "localhost"
    unsigned short port = 0;         // 0: the kernel picks one (r1 says which on stderr)
};

/// "9115", ":9115", "127.0.0.1:9115", "[::1]:9115", "localhost:9115"; nullopt when malformed.
std::optional<listen_address> parse_listen_address(std::string_view text);

/// `r1 verify --every`: a long-running monitor (cli/watch_command.cpp). Watch-only flags need --every.
struct watch_options {
    std::chrono::milliseconds every{0};     // --every: one round of checks per interval; 0: one-shot verify
    std::optional<listen_address> metrics;  // --metrics-listen [ADDR:]PORT; nullopt: no listener
    unsigned fail_after = 2;                // --fail-after N: consecutive failures to go down
    unsigned recover_after = 2;             // --recover-after M: consecutive successes to come back
    std::vector<std::string> on_change;     // --on-change CMD, split at white space; empty: none
    std::chrono::milliseconds on_change_timeout{std::chrono::seconds(10)};
    std::chrono::milliseconds cert_expiry_warn{0};  // --cert-expiry-warn; 0: no warning events
    /// --full-handshake-every: the longest a target goes on resumed TLS sessions; 0: never resume.
    std::chrono::milliseconds full_handshake_every{std::chrono::minutes(10)};
};

inline constexpr unsigned default_deploy_concurrency = 4;
inline constexpr unsigned default_verify_concurrency = 256;
inline constexpr unsigned max_concurrency = 65536;

struct command {
    action what = action::show_help;
    deploy_config deploy;
    std::string ca_file;       // extra trust anchor for the health GET
    bool json_output = false;  // --output json: NDJSON events on stdout
    std::string rollback_to;   // r1 rollback --to VERSION; empty: the release before the one serving
    batch_options batch;
    watch_options watch;
    /// Manifest keys of the per-task flags given ("region", "health_timeout"): in a batch they
    /// override the manifest's [defaults].
    std::vector<std::string> given_keys;
    std::string chromium;              // --chromium PATH; empty: chromium on $PATH
    unsigned browser_concurrency = 4;  // --browser-concurrency: browser checks at once, all loops
    /// The flags given that every shard of one fleet must share (task settings, --dry-run, the
    /// rollout's), as flag and raw value ("" for a switch), sorted by flag: recorded in --report's
    /// `settings` and compared by r1 report merge.
    std::vector<std::pair<std::string, std::string>> shared_flags;
    std::vector<std::string> reports;  // r1 report merge REPORT...
    std::string shell;                 // r1 completion SHELL: bash or zsh
};

inline constexpr unsigned max_browser_concurrency = 64;

}  // namespace r1::cli
