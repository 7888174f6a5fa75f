#include "cli/args.hpp"

#include "engine/duration.hpp"
#include "engine/text.hpp"

#include <algorithm>
#include <functional>
#include <map>
#include <optional>

namespace r1::cli {
namespace {

constexpr std::string_view main_help_text = R"(r1: deploy apps with their provider's own CLI, then prove them healthy.

Usage:
  r1 deploy [flags]        deploy an app (see r1 deploy --help)
  r1 deploy --batch FILE   deploy every app of a fleet manifest at once
  r1 verify URL... | --batch FILE
                           health-check many URLs at once (see r1 verify --help)
  r1 classify [TEXT...]    is this failure worth retrying? (see r1 classify --help)
  r1 --help | --version

Examples:
  r1 deploy --app my-app --dry-run                  preview the fly.toml r1 would deploy
  r1 deploy --app my-app --region fra               flyctl deploy, then GET https://my-app.fly.dev
  r1 deploy --verify-only --health-url https://example.com/healthz --expected-body OK

Exit codes: 0 healthy / preview shown, 1 health check failed, 2 usage or setup error,
3 the provider CLI's deploy failed, 130 / 143 interrupted by SIGINT / SIGTERM.
A batch exits 0 when every task did, else with the first of 2, 3, 1 that any task has.
)";

constexpr std::string_view deploy_help_text = R"(Usage: r1 deploy [flags]

Deploys an app by running the provider's CLI (flyctl deploy), then GETs its health URL.

Flags:
  --provider NAME        provider (default fly; vercel, cloudflare, docker, kamal are not wired yet)
  --app NAME             app name: lowercase letters, digits and dashes
  --region CODE          primary region (default iad)
  --image REF            deploy this image instead of building ./Dockerfile
  --dir PATH             directory flyctl runs in (default: current directory)
  --flyctl PATH          flyctl binary (default: flyctl, then fly, on $PATH)
  --health-url URL       URL to GET after the deploy (default https://<app>.fly.dev)
  --expected-body TEXT   the health response body must contain TEXT
  --timeout DURATION     deadline for the whole health check, redirects included (default 15s)
  --deploy-timeout DURATION
                         deadline for flyctl deploy; flyctl is stopped past it (default 30m)
  --ca-file PATH         extra CA certificate(s) to trust for the health check (PEM)
  --allow-insecure-redirects
                         follow a redirect from https to plain http (refused by default)
  --retries N            redeploys after the first deploy on a transient failure (default 2; 0: no retry)
  --retry-budget DURATION
                         all retry waits together stay under this (default 10m)
  --output FORMAT        text (default) or json: NDJSON events on stdout (attempt, criterion, result)
  --dry-run              print the fly.toml preview only: no process, no network, no file
  --verify-only          skip the deploy: only the health check (needs --health-url or --app)
  -h, --help             this help

Fleets (r1 deploy --batch FILE):
  --batch FILE           deploy every [[app]] of a TOML manifest ("-": stdin); flags above
                         override its [defaults], keys set on an app override both
  --concurrency N        tasks at once (default 4)
  --fail-fast            start no new task after the first failure
  --log-dir DIR          write each task's full output to DIR/<app>.log
  --report FILE          write the whole result as one JSON document
  --junit FILE           write JUnit XML, one test case per app

Durations: 500ms, 15s, 2m, 1h30m. Credentials: flyctl reads FLY_API_TOKEN / FLY_ACCESS_TOKEN
from the environment r1 passes on unchanged; r1 never puts them on a command line, and shows
them (and any token flyctl prints) as [redacted] in all its output, reports and logs.
)";

constexpr std::string_view verify_help_text = R"(Usage: r1 verify [flags] URL...
       r1 verify [flags] --batch FILE

Health-checks many URLs at once: GET each one (TLS verified, redirects followed) and require
status 200, a non-empty body and, with --expected-body, that text in it.

Flags:
  --batch FILE           URLs to check, one per line, # comments allowed ("-": stdin); or a
                         TOML fleet manifest, whose apps are checked at their health_url
  --concurrency N        checks at once (default 256)
  --expected-body TEXT   every body must contain TEXT
  --timeout DURATION     deadline for each check, redirects included (default 15s)
  --ca-file PATH         extra CA certificate(s) to trust (PEM)
  --allow-insecure-redirects
                         follow a redirect from https to plain http (refused by default)
  --fail-fast            start no new check after the first failure
  --output FORMAT        text (default) or json: NDJSON events on stdout
  --report FILE          write the whole result as one JSON document
  --junit FILE           write JUnit XML, one test case per URL
  --log-dir DIR          write each check's verdict to DIR/<name>.log
  -h, --help             this help

Exit codes: 0 every URL healthy, 1 some check failed, 2 usage error (nothing was checked),
130 / 143 interrupted. Output: one line per finished check, then a summary (a live progress
line and a table on a terminal).
)";

std::string shown(std::string_view v) {
    std::string s = engine::printable(v.substr(0, 64), true);
    return v.size() > 64 ? s + "..." : s;
}

struct flag_spec {
    bool takes_value;
    std::function<std::optional<std::string>(command&, std::string_view)> apply;  // error or nullopt
    std::string_view key = {};  // the manifest key this flag sets for every task, if any
};

std::optional<std::string> set_duration(std::chrono::milliseconds& out, std::string_view flag, std::string_view v) {
    auto d = engine::parse_duration(v);
    if (!d)
        return "invalid " + std::string(flag) + " \"" + shown(v) +
               "\": use a duration like 500ms, 15s, 2m or 1h30m (at most 168h)";
    out = *d;
    return std::nullopt;
}

const std::map<std::string_view, flag_spec>& deploy_flags() {
    auto text = [](std::string deploy_config::*field) {
        return [field](command& c, std::string_view v) -> std::optional<std::string> {
            c.deploy.*field = std::string(v);
            return std::nullopt;
        };
    };
    auto path = [](std::string batch_options::*field) {
        return [field](command& c, std::string_view v) -> std::optional<std::string> {
            c.batch.*field = std::string(v);
            return std::nullopt;
        };
    };
    static const std::map<std::string_view, flag_spec> flags{
        {"--provider", {true, text(&deploy_config::provider), "provider"}},
        {"--app", {true, text(&deploy_config::app)}},
        {"--region", {true, text(&deploy_config::region), "region"}},
        {"--image", {true, text(&deploy_config::image), "image"}},
        {"--dir", {true, text(&deploy_config::dir), "dir"}},
        {"--flyctl", {true, text(&deploy_config::flyctl), "flyctl"}},
        {"--health-url", {true, text(&deploy_config::health_url), "health_url"}},
        {"--expected-body", {true, text(&deploy_config::expected_body), "expected_body"}},
        {"--ca-file", {true, [](command& c, std::string_view v) -> std::optional<std::string> {
                           c.ca_file = std::string(v);
                           return std::nullopt;
                       }}},
        {"--timeout", {true, [](command& c, std::string_view v) {
                           return set_duration(c.deploy.health_timeout, "--timeout", v);
                       }, "health_timeout"}},
        {"--deploy-timeout", {true, [](command& c, std::string_view v) {
                                  return set_duration(c.deploy.deploy_timeout, "--deploy-timeout", v);
                              }, "deploy_timeout"}},
        {"--retries", {true, [](command& c, std::string_view v) -> std::optional<std::string> {
                           if (v.empty() || v.size() > 2 || v.find_first_not_of("0123456789") != std::string_view::npos)
                               return "invalid --retries \"" + shown(v) + "\": use a whole number from 0 to 99";
                           c.deploy.retries = static_cast<unsigned>(std::stoul(std::string(v)));
                           return std::nullopt;
                       }, "retries"}},
        {"--retry-budget", {true, [](command& c, std::string_view v) {
                                return set_duration(c.deploy.retry_budget, "--retry-budget", v);
                            }, "retry_budget"}},
        {"--output", {true, [](command& c, std::string_view v) -> std::optional<std::string> {
                          if (v != "text" && v != "json") return "--output takes text or json";
                          c.json_output = v == "json";
                          return std::nullopt;
                      }}},
        {"--dry-run", {false, [](command& c, std::string_view) -> std::optional<std::string> {
                           c.deploy.dry_run = true;
                           return std::nullopt;
                       }}},
        {"--verify-only", {false, [](command& c, std::string_view) -> std::optional<std::string> {
                               c.deploy.verify_only = true;
                               return std::nullopt;
                           }}},
        {"--allow-insecure-redirects", {false, [](command& c, std::string_view) -> std::optional<std::string> {
                                            c.deploy.allow_insecure_redirects = true;
                                            return std::nullopt;
                                        }, "allow_insecure_redirects"}},
        {"--batch", {true, path(&batch_options::file)}},
        {"--log-dir", {true, path(&batch_options::log_dir)}},
        {"--report", {true, path(&batch_options::report_file)}},
        {"--junit", {true, path(&batch_options::junit_file)}},
        {"--concurrency", {true, [](command& c, std::string_view v) -> std::optional<std::string> {
                               if (v.empty() || v.size() > 5 || v.find_first_not_of("0123456789") != std::string_view::npos ||
                                   std::stoul(std::string(v)) == 0 || std::stoul(std::string(v)) > max_concurrency)
                                   return "invalid --concurrency \"" + shown(v) + "\": use a whole number from 1 to " +
                                          std::to_string(max_concurrency);
                               c.batch.concurrency = static_cast<unsigned>(std::stoul(std::string(v)));
                               return std::nullopt;
                           }}},
        {"--fail-fast", {false, [](command& c, std::string_view) -> std::optional<std::string> {
                             c.batch.fail_fast = true;
                             return std::nullopt;
                         }}},
    };
    return flags;
}

constexpr std::string_view batch_only_flags[] = {"--concurrency", "--fail-fast", "--log-dir", "--report", "--junit"};
constexpr std::string_view verify_flags[] = {"--batch",  "--concurrency", "--fail-fast", "--log-dir", "--report",
                                             "--junit",  "--expected-body", "--timeout", "--ca-file", "--output",
                                             "--allow-insecure-redirects"};

/// Flags (and, for r1 verify, URLs) from args[i...] into `cmd`.
std::optional<usage_problem> parse_flags(const std::vector<std::string_view>& args, std::size_t i, command& cmd,
                                         std::string_view subcommand) {
    const auto& flags = deploy_flags();
    const bool verify = subcommand == "verify";
    for (; i < args.size(); ++i) {
        std::string_view arg = args[i];
        if (arg == "-h" || arg == "--help") {
            cmd = command{.what = verify ? action::show_verify_help : action::show_deploy_help};
            return std::nullopt;
        }
        std::string_view name = arg;
        std::optional<std::string_view> value;
        if (auto eq = arg.find('='); arg.starts_with("--") && eq != std::string_view::npos) {
            name = arg.substr(0, eq);
            value = arg.substr(eq + 1);
        }
        if (verify && !arg.starts_with("-")) {
            cmd.batch.urls.emplace_back(arg);
            continue;
        }
        auto it = flags.find(name);
        bool allowed = it != flags.end() &&
                       (!verify || std::find(std::begin(verify_flags), std::end(verify_flags), name) != std::end(verify_flags));
        if (!allowed) {
            if (!arg.starts_with("-"))
                return usage_problem{"unexpected argument \"" + shown(arg) + "\" (flags only; see r1 deploy --help)"};
            if (it != flags.end()) return usage_problem{std::string(name) + " is not a flag of r1 verify (see r1 verify --help)"};
            return usage_problem{"unknown flag " + shown(name) + " (see r1 " + std::string(subcommand) + " --help)"};
        }
        const auto& spec = it->second;
        if (!spec.takes_value) {
            if (value) return usage_problem{std::string(name) + " takes no value"};
        } else if (!value) {
            if (i + 1 >= args.size()) return usage_problem{std::string(name) + " needs a value"};
            value = args[++i];
        }
        if (spec.takes_value && value->empty()) return usage_problem{std::string(name) + " needs a non-empty value"};
        if (auto problem = spec.apply(cmd, value.value_or(""))) return usage_problem{*problem};
        if (!spec.key.empty()) cmd.given_keys.emplace_back(spec.key);
    }
    return std::nullopt;
}

std::variant<command, usage_problem> parse_deploy(const std::vector<std::string_view>& args, std::size_t i) {
    command cmd;
    cmd.what = action::deploy;
    if (auto problem = parse_flags(args, i, cmd, "deploy")) return *problem;
    if (cmd.what != action::deploy) return cmd;  // --help
    if (cmd.batch.file.empty()) {
        for (auto flag : batch_only_flags)
            for (std::size_t k = i; k < args.size(); ++k)
                if (args[k] == flag || args[k].starts_with(std::string(flag) + "="))
                    return usage_problem{std::string(flag) + " needs --batch FILE"};
        return cmd;
    }
    if (!cmd.deploy.app.empty())
        return usage_problem{"--app cannot be combined with --batch: the manifest names the apps"};
    cmd.what = action::batch;
    return cmd;
}

std::variant<command, usage_problem> parse_verify(const std::vector<std::string_view>& args, std::size_t i) {
    command cmd;
    cmd.what = action::batch;
    cmd.batch.verify = true;
    cmd.deploy.verify_only = true;
    if (auto problem = parse_flags(args, i, cmd, "verify")) return *problem;
    if (cmd.what != action::batch) return cmd;  // --help
    if (cmd.batch.file.empty() && cmd.batch.urls.empty())
        return usage_problem{"r1 verify needs URLs or --batch FILE (see r1 verify --help)"};
    if (!cmd.batch.file.empty() && !cmd.batch.urls.empty())
        return usage_problem{"give URLs or --batch FILE, not both"};
    return cmd;
}

}  // namespace

std::string_view main_help() { return main_help_text; }
std::string_view deploy_help() { return deploy_help_text; }
std::string_view verify_help() { return verify_help_text; }

std::variant<command, usage_problem> parse_args(const std::vector<std::string_view>& args) {
    for (auto a : args)
        if (a.size() > max_argument_length)
            return usage_problem{"an argument is longer than " + std::to_string(max_argument_length) + " bytes"};
    if (args.empty()) return usage_problem{"no command given (try r1 --help)"};
    auto first = args.front();
    if (first == "-h" || first == "--help" || first == "help") return command{.what = action::show_help};
    if (first == "--version" || first == "version") return command{.what = action::show_version};
    if (first == "deploy") return parse_deploy(args, 1);
    if (first == "verify") return parse_verify(args, 1);
    if (first == "classify") return command{.what = action::classify};  // its own flags: classify_command.cpp
    return usage_problem{"unknown command \"" + shown(first) + "\" (try r1 --help)"};
}

}  // namespace r1::cli
