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
  --fail-fast            start no new check after the first failure
  --output FORMAT        text (default) or json: NDJSON events on stdout
  --report FILE          write the whole result as one JSON document
  --junit FILE           write JUnit XML, one test case per URL
  --log-dir DIR          write each check's verdict to DIR/<name>.log
  -h, --help             this help

Exit codes: 0 every URL healthy, 1 some check failed, 2 usage error (nothing was checked),
130 / 143 interrupted. Output: one line per finished check, then a summary (a live progress
line and a table on a terminal).

Watch mode (r1 verify --every DURATION URL... | --batch FILE): keeps checking until SIGINT /
SIGTERM (exit 130 / 143); SIGHUP re-reads --batch FILE (kept as it was if the new one has a problem).
  --every DURATION       one round per DURATION: every target checked once, spread over it
  --metrics-listen [ADDR:]PORT
                         serve /metrics (Prometheus) and /probe?target=URL; a bare PORT is 127.0.0.1
  --fail-after N         consecutive failures before target.down (default 2)
  --recover-after M      consecutive successes before target.up (default 2)
  --on-change CMD        run CMD (split at spaces, no shell) per event, the event as JSON on stdin
  --on-change-timeout DURATION
                         CMD is stopped past this (default 10s)
  --cert-expiry-warn DAYS
                         target.cert_expiring when a certificate expires within DAYS (e.g. 14d)
  --full-handshake-every DURATION
                         resume TLS sessions between rounds, but verify the chain in full at
                         least this often (default 10m; 0: never resume)
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

constexpr std::chrono::milliseconds min_every{100};

/// A count from 1 to 1,000 (--fail-after, --recover-after).
std::optional<std::string> set_count(unsigned& out, std::string_view flag, std::string_view v) {
    if (v.empty() || v.size() > 4 || v.find_first_not_of("0123456789") != std::string_view::npos ||
        std::stoul(std::string(v)) == 0 || std::stoul(std::string(v)) > 1000)
        return "invalid " + std::string(flag) + " \"" + shown(v) + "\": use a whole number from 1 to 1000";
    out = static_cast<unsigned>(std::stoul(std::string(v)));
    return std::nullopt;
}

/// "14d": certificate lifetimes are counted in days, past what durations allow (168h).
std::optional<std::chrono::milliseconds> whole_days(std::string_view v) {
    if (v.size() < 2 || v.size() > 5 || v.back() != 'd') return std::nullopt;
    auto digits = v.substr(0, v.size() - 1);
    if (digits.find_first_not_of("0123456789") != std::string_view::npos) return std::nullopt;
    auto n = std::stoul(std::string(digits));
    if (n == 0 || n > 3650) return std::nullopt;
    return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::hours(24) * n);
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
        {"--every", {true, [](command& c, std::string_view v) -> std::optional<std::string> {
                         if (auto problem = set_duration(c.watch.every, "--every", v)) return problem;
                         if (c.watch.every < min_every) return "--every must be at least " + engine::format_duration(min_every);
                         return std::nullopt;
                     }}},
        {"--metrics-listen", {true, [](command& c, std::string_view v) -> std::optional<std::string> {
                                  c.watch.metrics = parse_listen_address(v);
                                  if (!c.watch.metrics)
                                      return "invalid --metrics-listen \"" + shown(v) +
                                             "\": use PORT (127.0.0.1), ADDR:PORT or [IPv6]:PORT";
                                  return std::nullopt;
                              }}},
        {"--fail-after", {true, [](command& c, std::string_view v) {
                              return set_count(c.watch.fail_after, "--fail-after", v);
                          }}},
        {"--recover-after", {true, [](command& c, std::string_view v) {
                                 return set_count(c.watch.recover_after, "--recover-after", v);
                             }}},
        {"--on-change", {true, [](command& c, std::string_view v) -> std::optional<std::string> {
                             c.watch.on_change.clear();
                             std::size_t at = 0;
                             while (at < v.size()) {
                                 auto start = v.find_first_not_of(" \t", at);
                                 if (start == std::string_view::npos) break;
                                 auto end = std::min(v.find_first_of(" \t", start), v.size());
                                 c.watch.on_change.emplace_back(v.substr(start, end - start));
                                 at = end;
                             }
                             if (c.watch.on_change.empty()) return "--on-change needs a command";
                             return std::nullopt;
                         }}},
        {"--on-change-timeout", {true, [](command& c, std::string_view v) {
                                     return set_duration(c.watch.on_change_timeout, "--on-change-timeout", v);
                                 }}},
        {"--cert-expiry-warn", {true, [](command& c, std::string_view v) -> std::optional<std::string> {
                                    if (auto days = whole_days(v)) {
                                        c.watch.cert_expiry_warn = *days;
                                        return std::nullopt;
                                    }
                                    return set_duration(c.watch.cert_expiry_warn, "--cert-expiry-warn", v);
                                }}},
        {"--full-handshake-every", {true, [](command& c, std::string_view v) -> std::optional<std::string> {
                                        if (v == "0") {  // never resume
                                            c.watch.full_handshake_every = std::chrono::milliseconds(0);
                                            return std::nullopt;
                                        }
                                        return set_duration(c.watch.full_handshake_every, "--full-handshake-every", v);
                                    }}},
    };
    return flags;
}

constexpr std::string_view batch_only_flags[] = {"--concurrency", "--fail-fast", "--log-dir", "--report", "--junit"};
constexpr std::string_view verify_flags[] = {"--batch",  "--concurrency", "--fail-fast", "--log-dir", "--report",
                                             "--junit",  "--expected-body", "--timeout", "--ca-file", "--output",
                                             "--every", "--metrics-listen", "--fail-after", "--recover-after",
                                             "--on-change", "--on-change-timeout", "--cert-expiry-warn",
                                             "--full-handshake-every"};
/// r1 verify flags that only mean something with --every, and one-shot flags that mean nothing with it.
constexpr std::string_view watch_only_flags[] = {"--metrics-listen", "--fail-after", "--recover-after", "--on-change",
                                                 "--on-change-timeout", "--cert-expiry-warn", "--full-handshake-every"};
constexpr std::string_view one_shot_flags[] = {"--fail-fast", "--log-dir", "--report", "--junit"};

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
    auto given = [&](std::string_view flag) {
        for (std::size_t k = i; k < args.size(); ++k)
            if (args[k] == flag || args[k].starts_with(std::string(flag) + "=")) return true;
        return false;
    };
    if (cmd.watch.every.count() == 0) {
        for (auto flag : watch_only_flags)
            if (given(flag)) return usage_problem{std::string(flag) + " needs --every DURATION"};
        return cmd;
    }
    for (auto flag : one_shot_flags)
        if (given(flag)) return usage_problem{std::string(flag) + " cannot be combined with --every"};
    cmd.what = action::watch;
    return cmd;
}

}  // namespace

std::optional<listen_address> parse_listen_address(std::string_view text) {
    listen_address out;
    std::string_view port = text;
    if (auto colon = text.rfind(':'); colon != std::string_view::npos) {
        auto host = text.substr(0, colon);
        port = text.substr(colon + 1);
        if (host.size() >= 2 && host.front() == '[' && host.back() == ']') {
            host = host.substr(1, host.size() - 2);
            if (host.find(':') == std::string_view::npos) return std::nullopt;  // [v4] is not IPv6
        } else if (host.find(':') != std::string_view::npos) {
            return std::nullopt;  // IPv6 must be bracketed, or the port is ambiguous
        }
        if (!host.empty()) {
            if (host.size() > 64 || host.find_first_not_of("0123456789abcdefABCDEF.:%localhost") != std::string_view::npos)
                return std::nullopt;
            out.host = std::string(host);
        }
    }
    if (port.empty() || port.size() > 5 || port.find_first_not_of("0123456789") != std::string_view::npos)
        return std::nullopt;
    auto n = std::stoul(std::string(port));
    if (n > 65535) return std::nullopt;
    out.port = static_cast<unsigned short>(n);
    return out;
}

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
