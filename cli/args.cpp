#include "cli/args.hpp"

#include "cli/settings.hpp"
#include "engine/text/text.hpp"
#include "providers/adapter_kit.hpp"

#include <algorithm>
#include <optional>

namespace r1::cli {
namespace {

constexpr std::string_view main_help_text = R"(r1: deploy apps with their provider's own CLI, then prove them healthy.

Usage:
  r1 deploy [flags]        deploy an app (see r1 deploy --help)
  r1 deploy --batch FILE   deploy every app of a fleet manifest at once
  r1 verify URL... | --batch FILE
                           health-check many URLs at once (see r1 verify --help)
  r1 rollback --app NAME [--to VERSION]
                           put an earlier release back (see r1 rollback --help)
  r1 classify [TEXT...]    is this failure worth retrying? (see r1 classify --help)
  r1 report merge REPORT...
                           merge the reports of a fleet's shards into one (see r1 report --help)
  r1 completion bash|zsh   print a shell completion script
  r1 man                   print the manual page (r1 man | man -l -)
  r1 --help | --version

Examples:
  r1 deploy --app my-app --dry-run                  the plan: argv, region, the fly.toml flyctl reads
  r1 deploy -a my-app -- --strategy rolling         flyctl's own flags after --
  r1 deploy --app my-app --region fra               flyctl deploy, then GET https://my-app.fly.dev
  r1 deploy --verify-only --health-url https://example.com/healthz --expected-body OK

Exit codes: 0 healthy / preview shown, 1 verification failed (the release did not come up
everywhere, or the health check failed; also after a successful --auto-rollback), 2 usage or
setup error, 3 pre-flight refused or the provider CLI's deploy (or a rollback) failed,
130 / 143 interrupted by SIGINT / SIGTERM.
A batch exits 0 when every task did, else with the first of 2, 3, 1 that any task has.
)";

constexpr std::string_view deploy_help_head = R"(Usage: r1 deploy [flags]

Deploys an app by running the provider's CLI (flyctl deploy), then GETs its health URL.

Flags:
)";

constexpr std::string_view deploy_help_batch = R"(
Fleets (r1 deploy --batch FILE):
)";

constexpr std::string_view deploy_help_foot = R"(
Durations: 500ms, 15s, 2m, 1h30m. Credentials: flyctl reads FLY_API_TOKEN / FLY_ACCESS_TOKEN
from the environment r1 passes on unchanged; r1 never puts them on a command line, and shows
them (and any token flyctl prints) as [redacted] in all its output, reports and logs.
)";

constexpr std::string_view rollback_help_head = R"(Usage: r1 rollback --app NAME [--to VERSION] [flags]

Puts an earlier release of a fly.io app back the way fly documents it (flyctl has no rollback
command): flyctl deploy --app NAME --image <that release's image>. Then verifies it like a
deploy: the release runs on every machine, and the health check passes. It puts back the image,
not the configuration (flyctl reads the fly.toml in --dir, if any) nor any data.

Flags:
)";

constexpr std::string_view rollback_help_foot = R"(
Exit codes: 0 rolled back and healthy (or that release serves already), 1 rolled back but it
does not verify, 2 usage error, 3 pre-flight refused, no such release, or flyctl deploy failed,
130 / 143 interrupted by SIGINT / SIGTERM.
)";

constexpr std::string_view verify_help_head = R"(Usage: r1 verify [flags] URL...
       r1 verify [flags] --batch FILE

Health-checks many URLs at once: GET each one (TLS verified, redirects followed) and require
status 200, a non-empty body and, with --expected-body, that text in it.

Flags:
)";

constexpr std::string_view verify_help_foot = R"(
Exit codes: 0 every URL healthy, 1 some check failed, 2 usage error (nothing was checked),
130 / 143 interrupted. Output: one line per finished check, then a summary (a live progress
line and a table on a terminal).
)";

constexpr std::string_view verify_help_watch = R"(
Watch mode (r1 verify --every DURATION URL... | --batch FILE): keeps checking until SIGINT /
SIGTERM (exit 130 / 143); SIGHUP re-reads --batch FILE (kept as it was if the new one has a problem).
)";

constexpr std::string_view report_help_head = R"(Usage: r1 report merge [flags] REPORT...

Merges the --report files of a fleet's shards (r1 deploy --batch FILE --shard I/N, or r1 verify)
into the one report, JUnit file and exit code a single r1 running the whole fleet would give.
Refused, with nothing written (exit 2): reports of different manifests or settings, of different
shard counts, a shard given twice, a file that is not an r1 report (invalid JSON, too large).
A shard without a report leaves its apps without a result: each is named, and the exit code is 4
unless a shard was interrupted (130 / 143; SIGTERM's 143 wins over SIGINT's 130).

Flags:
)";

constexpr std::string_view report_help_foot = R"(
Exit codes: 0 every app ok; else, as one batch would give, the first of 2, 3, 1 that any app has;
4 some shard's report is missing; 130 / 143 some shard was interrupted; 2 refused (nothing written).
)";

constexpr std::string_view help_line = "  -h, --help             this help\n";

/// The --help lines of the settings in `scope`: the flag in a 25-column gutter, the help beside it
/// (below it when the flag is wider), continuation lines indented to the gutter.
std::string flag_lines(unsigned scope, unsigned exclude, bool verify) {
    constexpr std::size_t gutter = 25;
    std::string out;
    for (const auto& s : settings()) {
        if ((s.scopes & scope) == 0 || (s.scopes & exclude) != 0 || s.flag.empty()) continue;
        std::string head = "  " + (s.short_flag.empty() ? "" : std::string(s.short_flag) + ", ") + std::string(s.flag);
        if (!s.value_name.empty()) head += " " + std::string(s.value_name);
        out += head;
        out += head.size() + 2 > gutter ? "\n" + std::string(gutter, ' ') : std::string(gutter - head.size(), ' ');
        std::string_view help = verify && !s.verify_help.empty() ? s.verify_help : s.help;
        for (std::size_t nl; (nl = help.find('\n')) != std::string_view::npos; help.remove_prefix(nl + 1))
            out += std::string(help.substr(0, nl)) + "\n" + std::string(gutter, ' ');
        out += std::string(help) + "\n";
    }
    return out;
}

std::string shown(std::string_view v) {
    std::string s = engine::printable(v.substr(0, 64), true);
    return v.size() > 64 ? s + "..." : s;
}

/// The table's entry for what follows `--`, when `scope` takes it.
const setting* passthrough_in(unsigned scope) {
    for (const auto& s : settings())
        if (s.flag == passthrough_marker && (s.scopes & scope) != 0) return &s;
    return nullptr;
}

/// "unknown flag --ap (did you mean --app?)", or where to look.
usage_problem unknown_flag(std::string_view name, unsigned scope, std::string_view subcommand) {
    std::string out = "unknown flag " + shown(name);
    if (auto guess = flag_suggestion(name, scope); !guess.empty()) return {out + " (did you mean " + std::string(guess) + "?)"};
    out += " (see r1 " + std::string(subcommand) + " --help";
    if (passthrough_in(scope) && name.starts_with("-"))
        out += "; a flag of the provider's CLI goes after --, as in r1 " + std::string(subcommand) + " --app NAME -- " +
               shown(name) + " ...";
    return {out + ")"};
}

/// Keeps a flag the shards of a fleet must agree on, sorted by flag; given twice, the last counts.
void record_shared(command& cmd, std::string_view flag, std::string_view value) {
    auto& flags = cmd.shared_flags;
    auto at = std::lower_bound(flags.begin(), flags.end(), flag, [](const auto& f, std::string_view x) { return f.first < x; });
    if (at != flags.end() && at->first == flag) at->second = std::string(value);
    else flags.emplace(at, std::string(flag), std::string(value));
}

/// Flags (and, for r1 verify, URLs; for r1 report merge, reports) from args[i...] into `cmd`.
std::optional<usage_problem> parse_flags(const std::vector<std::string_view>& args, std::size_t i, command& cmd,
                                         std::string_view subcommand) {
    const bool verify = subcommand == "verify";
    const bool rollback = subcommand == "rollback";
    const bool merge = subcommand == "report merge";
    const unsigned scope = verify ? in_verify : rollback ? in_rollback : merge ? in_report_merge : in_deploy | in_batch;
    const std::string help_of = std::string(merge ? std::string_view("report") : subcommand);
    for (; i < args.size(); ++i) {
        std::string_view arg = args[i];
        if (arg == "-h" || arg == "--help") {
            cmd = command{.what = verify     ? action::show_verify_help
                                  : rollback ? action::show_rollback_help
                                  : merge    ? action::show_report_help
                                             : action::show_deploy_help};
            return std::nullopt;
        }
        if (arg == passthrough_marker) {
            // The rest is the provider CLI's, as it is: `r1 deploy --app web -- --strategy rolling`.
            const setting* rest = passthrough_in(scope);
            if (!rest) return usage_problem{"r1 " + std::string(subcommand) + " passes nothing to a provider CLI: no -- ARGS"};
            if (args.size() - i - 1 > max_provider_args)
                return usage_problem{"more than " + std::to_string(max_provider_args) + " arguments after --"};
            for (++i; i < args.size(); ++i)
                if (auto problem = apply_flag(*rest, cmd, args[i])) return usage_problem{*problem};
            cmd.given_keys.emplace_back(rest->key);
            record_shared(cmd, rest->flag, providers::shell_words(cmd.deploy.provider_args));  // shards must agree
            break;
        }
        std::string_view name = arg;
        std::optional<std::string_view> value;
        if (auto eq = arg.find('='); arg.starts_with("--") && eq != std::string_view::npos) {
            name = arg.substr(0, eq);
            value = arg.substr(eq + 1);
        } else if (arg.size() > 2 && arg[0] == '-' && arg[1] != '-' && find_flag(arg.substr(0, 2))) {
            // A short flag with its value attached, as flyctl's parser takes it: -aweb, -a=web.
            name = arg.substr(0, 2);
            value = arg.substr(arg[2] == '=' ? 3 : 2);
        }
        if (verify && !arg.starts_with("-")) {
            cmd.batch.urls.emplace_back(arg);
            continue;
        }
        if (merge && (!arg.starts_with("-") || arg == "-")) {
            cmd.reports.emplace_back(arg);
            continue;
        }
        const setting* s = find_flag(name);
        if (!s || (s->scopes & scope) == 0) {
            if (!arg.starts_with("-"))
                return usage_problem{"unexpected argument \"" + shown(arg) + "\" (flags only; see r1 " + help_of +
                                     " --help)"};
            if (s)
                return usage_problem{std::string(name) + " is not a flag of r1 " + std::string(subcommand) + " (see r1 " +
                                     help_of + " --help)"};
            return unknown_flag(name, scope, help_of);
        }
        // Messages name the flag as the user typed it, short or long.
        const bool takes_value = s->kind != value_kind::on && s->kind != value_kind::toggle;
        if (!takes_value) {
            if (value) return usage_problem{std::string(name) + " takes no value"};
        } else if (!value) {
            if (i + 1 >= args.size()) return usage_problem{std::string(name) + " needs a value"};
            value = args[++i];
        }
        if (takes_value && value->empty()) return usage_problem{std::string(name) + " needs a non-empty value"};
        if (auto problem = apply_flag(*s, cmd, value.value_or(""))) return usage_problem{*problem};
        // The app's name is the manifest's to give: --app cannot be combined with --batch.
        if (!s->key.empty() && s->key != app_name_key) cmd.given_keys.emplace_back(s->key);
        if ((!s->key.empty() && s->key != app_name_key) || (s->scopes & shard_agreed)) record_shared(cmd, s->flag, value.value_or(""));
    }
    return std::nullopt;
}

/// Rollout flags that cannot go together, or cannot work yet.
std::optional<usage_problem> rollout_problem(const command& cmd) {
    if (cmd.batch.fail_fast && cmd.batch.max_failures > 1)
        return usage_problem{"--fail-fast is --max-failures 1: give one of them"};
    if (cmd.batch.rollback_wave)
        return usage_problem{"--rollback-wave needs auto-rollback (--auto-rollback), which this r1 does not have yet: "
                             "leave the flag out; a failed gate still stops the rollout"};
    return std::nullopt;
}

std::variant<command, usage_problem> parse_deploy(const std::vector<std::string_view>& args, std::size_t i) {
    command cmd;
    cmd.what = action::deploy;
    if (auto problem = parse_flags(args, i, cmd, "deploy")) return *problem;
    if (cmd.what != action::deploy) return cmd;  // --help
    if (cmd.batch.file.empty()) {
        for (const auto& s : settings()) {
            if ((s.scopes & in_batch) == 0 || (s.scopes & in_deploy) != 0 || s.flag.empty()) continue;
            for (std::size_t k = i; k < args.size() && args[k] != passthrough_marker; ++k)
                if (args[k] == s.flag || args[k].starts_with(std::string(s.flag) + "="))
                    return usage_problem{std::string(s.flag) + " needs --batch FILE"};
        }
        return cmd;
    }
    if (!cmd.deploy.app.empty())
        return usage_problem{"--app cannot be combined with --batch: the manifest names the apps"};
    if (auto problem = rollout_problem(cmd)) return *problem;
    cmd.what = action::batch;
    return cmd;
}

std::variant<command, usage_problem> parse_rollback(const std::vector<std::string_view>& args, std::size_t i) {
    command cmd;
    cmd.what = action::rollback;
    if (auto problem = parse_flags(args, i, cmd, "rollback")) return *problem;
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
    if (auto problem = rollout_problem(cmd)) return *problem;
    auto given = [&](std::string_view flag) {
        for (std::size_t k = i; k < args.size(); ++k)
            if (args[k] == flag || args[k].starts_with(std::string(flag) + "=")) return true;
        return false;
    };
    if (cmd.watch.every.count() == 0) {
        for (const auto& s : settings())
            if ((s.scopes & in_watch) != 0 && s.flag != "--every" && given(s.flag))
                return usage_problem{std::string(s.flag) + " needs --every DURATION"};
        return cmd;
    }
    // One-shot flags: a monitor has no end to report on, no first failures to stop at, and no
    // shards to merge (each monitor watches what it is given).
    for (std::string_view flag : {"--fail-fast", "--max-failures", "--log-dir", "--report", "--junit", "--shard"})
        if (given(flag)) return usage_problem{std::string(flag) + " cannot be combined with --every"};
    cmd.what = action::watch;
    return cmd;
}

std::variant<command, usage_problem> parse_report(const std::vector<std::string_view>& args, std::size_t i) {
    if (i >= args.size()) return usage_problem{"r1 report needs a subcommand: merge (see r1 report --help)"};
    if (args[i] == "-h" || args[i] == "--help") return command{.what = action::show_report_help};
    if (args[i] != "merge")
        return usage_problem{"unknown subcommand \"" + shown(args[i]) + "\" of r1 report (it has one: merge)"};
    command cmd;
    cmd.what = action::report_merge;
    if (auto problem = parse_flags(args, i + 1, cmd, "report merge")) return *problem;
    if (cmd.what != action::report_merge) return cmd;  // --help
    if (cmd.reports.empty()) return usage_problem{"r1 report merge needs the reports to merge (see r1 report --help)"};
    return cmd;
}

}  // namespace

std::string_view main_help() { return main_help_text; }
std::string_view deploy_help() {
    static const std::string text = std::string(deploy_help_head) + flag_lines(in_deploy, 0, false) +
                                     std::string(help_line) + std::string(deploy_help_batch) +
                                     flag_lines(in_batch, in_deploy, false) + std::string(deploy_help_foot);
    return text;
}

std::string_view rollback_help() {
    static const std::string text = std::string(rollback_help_head) + flag_lines(in_rollback, 0, false) +
                                     std::string(help_line) + std::string(rollback_help_foot);
    return text;
}

std::string_view report_help() {
    static const std::string text = std::string(report_help_head) + flag_lines(in_report_merge, 0, false) +
                                     std::string(help_line) + std::string(report_help_foot);
    return text;
}

std::string_view verify_help() {
    static const std::string text = std::string(verify_help_head) + flag_lines(in_verify, in_watch, true) +
                                     std::string(help_line) + std::string(verify_help_foot) +
                                     std::string(verify_help_watch) + flag_lines(in_watch, 0, true);
    return text;
}

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
    if (first == "rollback") return parse_rollback(args, 1);
    if (first == "report") return parse_report(args, 1);
    if (first == "classify") return command{.what = action::classify};
    if (first == "man") {
        if (args.size() > 1) return usage_problem{"r1 man takes no argument"};
        return command{.what = action::show_man};
    }
    if (first == "completion") {
        if (args.size() != 2 || (args[1] != "bash" && args[1] != "zsh"))
            return usage_problem{"r1 completion needs the shell: bash or zsh"};
        command cmd{.what = action::show_completion};
        cmd.shell = std::string(args[1]);
        return cmd;
    }  // its own flags: classify_command.cpp
    return usage_problem{"unknown command \"" + shown(first) + "\" (try r1 --help)"};
}

}  // namespace r1::cli
