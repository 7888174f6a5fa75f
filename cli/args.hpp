#pragma once
/// Command-line parsing for r1: subcommands, flags, and the help texts.
#include "providers/deploy.hpp"

#include <string>
#include <string_view>
#include <variant>
#include <vector>

namespace r1::cli {

enum class action { show_help, show_deploy_help, show_verify_help, show_version, deploy, batch, classify };

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
};

inline constexpr unsigned default_deploy_concurrency = 4;
inline constexpr unsigned default_verify_concurrency = 256;
inline constexpr unsigned max_concurrency = 65536;

struct command {
    action what = action::show_help;
    deploy_config deploy;
    std::string ca_file;       // extra trust anchor for the health GET
    bool json_output = false;  // --output json: NDJSON events on stdout
    batch_options batch;
    /// Manifest key names of the per-task flags given ("region", "health_timeout"): in a batch they
    /// override the manifest's [defaults].
    std::vector<std::string> given_keys;
    std::string chromium;              // --chromium PATH; empty: chromium on $PATH
    unsigned browser_concurrency = 4;  // --browser-concurrency: browser checks at once, all loops
    /// True when any task may run a browser check: --browser, or a manifest that may set browser.
    bool may_browse() const noexcept { return deploy.browser || !batch.file.empty(); }
};

struct usage_problem {
    std::string message;  // one line, without the "r1: " prefix
};

/// No argument may be longer than this; real values are far shorter, and it bounds every message.
inline constexpr std::size_t max_argument_length = 8192;

std::variant<command, usage_problem> parse_args(const std::vector<std::string_view>& args);

std::string_view main_help();
std::string_view deploy_help();
std::string_view verify_help();

}  // namespace r1::cli
