#include "cli/settings.hpp"

#include "engine/text/duration.hpp"
#include "engine/text/text.hpp"
#include "providers/registry.hpp"

#include <algorithm>
#include <vector>

namespace r1::cli {
namespace {

using engine::quoted;
using namespace std::string_view_literals;

constexpr std::size_t max_value_length = 8192;  // a manifest value; flags are bounded in args.cpp

constexpr std::string_view duration_words = "a duration like 500ms, 15s, 2m or 1h30m (at most 168h)";

/// A duration setting's value: parse_duration's, or zero where the setting allows it.
std::optional<std::chrono::milliseconds> duration_of(const setting& s, std::string_view text) {
    if (s.zero_allowed && (text == "0" || text == "0ms" || text == "0s" || text == "0m" || text == "0h"))
        return std::chrono::milliseconds(0);
    return engine::parse_duration(text);
}

// The table up to --dir; the providers' options follow it, then the rest.
const setting head[] = {
    {"--provider", "provider", "NAME", value_kind::text, &deploy_config::provider, in_deploy | in_rollback,
     "fly (default), vercel, cloudflare, docker or kamal", {}},
    {"--app", app_name_key, "NAME", value_kind::text, &deploy_config::app, in_deploy | in_rollback,
     "app name: lowercase letters, digits and dashes", {}},
    {"--region", "region", "CODE", value_kind::text, &deploy_config::region, in_deploy, "primary region (fly only; default iad)", {}},
    {"--image", "image", "REF", value_kind::text, &deploy_config::image, in_deploy,
     "deploy this image instead of building ./Dockerfile (fly, docker)", {}},
    {"--dir", "dir", "PATH", value_kind::text, &deploy_config::dir, in_deploy | in_rollback,
     "directory the provider CLI runs in (default: current directory)", {}},
};

const setting tail[] = {
    {"--health-url", "health_url", "URL", value_kind::text, &deploy_config::health_url, in_deploy | in_rollback,
     "URL to GET after the deploy (default: the provider's, e.g. https://<app>.fly.dev;\n"
     "required for kamal)", {}},
    {"--expected-body", "expected_body", "TEXT", value_kind::text, &deploy_config::expected_body,
     in_deploy | in_verify | in_rollback,
     "the health response body must contain TEXT", "every body must contain TEXT"},
    {"--timeout", "health_timeout", "DURATION", value_kind::duration, &deploy_config::health_timeout,
     in_deploy | in_verify | in_rollback, "deadline for the whole health check, redirects included (default 15s)",
     "deadline for each check, redirects included (default 15s)"},
    {"--deploy-timeout", "deploy_timeout", "DURATION", value_kind::duration, &deploy_config::deploy_timeout,
     in_deploy | in_rollback, "deadline for the provider CLI's deploy; it is stopped past it (default 30m)", {}},
    {"--release-timeout", "release_timeout", "DURATION", value_kind::duration, &deploy_config::release_timeout,
     in_deploy | in_rollback,
     "how long the new release may take to run on every machine (fly:\n"
     "flyctl status is polled until then; default 5m)",
     {}},
    {"--warmup", "warmup", "DURATION", value_kind::duration, &deploy_config::warmup, in_deploy | in_rollback,
     "a failing health check is re-checked (1, 2, 4, 8 s...) within this\n"
     "after the deploy; then the deploy ends (default 15s; 0: no re-check)",
     {}, 0, 0, true},
    {"--ttfb-sla", "ttfb_sla", "DURATION", value_kind::duration, &deploy_config::ttfb_sla, in_deploy | in_rollback,
     "response headers later than this fail a deploy's health check as\n\"slow\" (default 3s; 0: no limit)",
     {}, 0, 0, true},
    {"--auto-rollback", "auto_rollback", {}, value_kind::toggle, &deploy_config::auto_rollback, in_deploy,
     "roll back to the release that served before when the health check\n"
     "still fails 30 s after the deploy started (exit 1; 3 if that fails)",
     {}},
    {"--ca-file", {}, "PATH", value_kind::text, &command::ca_file, in_deploy | in_verify | in_rollback,
     "extra CA certificate(s) to trust for the health check (PEM)", "extra CA certificate(s) to trust (PEM)"},
    {"--allow-insecure-redirects", "allow_insecure_redirects", {}, value_kind::toggle,
     &deploy_config::allow_insecure_redirects, in_deploy | in_verify | in_rollback,
     "follow a redirect from https to plain http (refused by default)", {}},
    {"--retries", "retries", "N", value_kind::count, &deploy_config::retries, in_deploy | in_rollback,
     "retries of the provider CLI's deploy after a transient failure of the\nCLI itself "
     "(default 2; 0: no retry and no warm-up re-check)",
     {}, 0, 99},
    {"--retry-budget", "retry_budget", "DURATION", value_kind::duration, &deploy_config::retry_budget,
     in_deploy | in_rollback, "all retry waits together stay under this (default 10m)", {}},
    {"--redeploy-on-unhealthy", "redeploy_on_unhealthy", {}, value_kind::toggle, &deploy_config::redeploy_on_unhealthy,
     in_deploy, "also redeploy (within --retries) when the health check still fails\nafter the warm-up; never for a 4xx", {}},
    {"--retries-on-timeout", "retries_on_timeout", {}, value_kind::toggle, &deploy_config::retries_on_timeout, in_deploy,
     "retry a deploy that ran past --deploy-timeout (default: not retried)", {}},
    {"--output", {}, "FORMAT", value_kind::format, &command::json_output, in_deploy | in_verify | in_rollback,
     "text (default) or json: NDJSON events on stdout (attempt, criterion, result)",
     "text (default) or json: NDJSON events on stdout"},
    {"--to", {}, "VERSION", value_kind::text, &command::rollback_to, in_rollback,
     "the release to put back (41 or v41; default: the newest earlier\nrelease that runs another image)", {}},
    {"--dry-run", {}, {}, value_kind::on, &deploy_config::dry_run, in_deploy | shard_agreed,
     "print what would run (argv, directory, variable names) and stop: no process", {}},
    {"--verify-only", {}, {}, value_kind::on, &deploy_config::verify_only, in_deploy | shard_agreed,
     "skip the deploy: only the health check (needs --health-url or --app)", {}},
    {"--browser", "browser", {}, value_kind::toggle, &deploy_config::browser, in_deploy | in_verify,
     "after the health check, load the page in headless Chromium (Debian's\n"
     "chromium): fail on console errors, uncaught exceptions or no load in time",
     "also load each page in headless Chromium: fail on console errors,\n"
     "uncaught exceptions or a page that does not load in time"},
    {"--browser-url", "browser_url", "URL", value_kind::text, &deploy_config::browser_url, in_deploy,
     "the page to load (default: the health URL)", {}},
    {"--browser-timeout", "browser_timeout", "DURATION", value_kind::duration, &deploy_config::browser_timeout,
     in_deploy | in_verify, "load and network idle within this (default 30s)", {}},
    {"--max-console-errors", "max_console_errors", "N", value_kind::count, &deploy_config::max_console_errors,
     in_deploy | in_verify, "console errors and uncaught exceptions allowed (default 0)", {}, 0, 1'000'000},
    {"--fail-on-request-errors", "fail_on_request_errors", {}, value_kind::toggle, &deploy_config::fail_on_request_errors,
     in_deploy | in_verify, "a failed subresource (network error, status >= 400) fails the check", {}},
    {"--browser-concurrency", {}, "N", value_kind::count, &command::browser_concurrency, in_deploy | in_verify,
     "browser checks at once, over all event loops (default 4)", {}, 1, max_browser_concurrency},
    {"--chromium", {}, "PATH", value_kind::text, &command::chromium, in_deploy | in_verify,
     "the Chromium binary (default: chromium, then chromium-browser, on $PATH)", {}},
    {"--batch", {}, "FILE", value_kind::text, &batch_options::file, in_batch | in_verify,
     "deploy every [[app]] of a TOML manifest (\"-\": stdin); flags above\n"
     "override its [defaults], keys set on an app override both",
     "URLs to check, one per line, # comments allowed (\"-\": stdin); or a\n"
     "TOML fleet manifest, whose apps are checked at their health_url"},
    {"--concurrency", {}, "N", value_kind::count, &batch_options::concurrency, in_batch | in_verify,
     "tasks at once (default 4)", "checks at once (default 256)", 1, max_concurrency},
    {"--fail-fast", {}, {}, value_kind::on, &batch_options::fail_fast, in_batch | in_verify | shard_agreed,
     "start no new task after the first failure", "start no new check after the first failure"},
    {"--max-failures", {}, "K", value_kind::count, &batch_options::max_failures, in_batch | in_verify | shard_agreed,
     "start no new task once K tasks have failed (running ones finish;\n--fail-fast is --max-failures 1)",
     "start no new check once K checks have failed (running ones finish;\n--fail-fast is --max-failures 1)", 1, 100'000},
    {"--canary", {}, "N", value_kind::count, &batch_options::canary, in_batch | shard_agreed,
     "deploy N canaries first (apps with canary = true, then the first in file\n"
     "order); the rest only if every canary is healthy", {}, 1, 100'000},
    {{}, "canary", {}, value_kind::toggle, &deploy_config::canary, in_batch,
     "deploy this app with the canaries, before the rest (a manifest key)", {}},
    {"--waves", {}, "LIST", value_kind::text, &batch_options::waves, in_batch | shard_agreed,
     "deploy in cumulative waves, like 1,10%,100%; before each next wave, every\n"
     "app deployed so far must pass its health check again", {}},
    {"--rollback-wave", {}, {}, value_kind::on, &batch_options::rollback_wave, in_batch | shard_agreed,
     "roll back the apps of a wave whose gate fails (needs --auto-rollback;\nnot available yet)", {}},
    {"--region-concurrency", {}, "N", value_kind::count, &batch_options::region_concurrency, in_batch | shard_agreed,
     "at most N deploys at once in each region (one region's own cap: a\n"
     "[region.CODE] table with concurrency = N in the manifest)", {}, 1, max_concurrency},
    {"--shard", {}, "I/N", value_kind::text, &batch_options::shard, in_batch | in_verify,
     "run shard I of N (0-based): the apps a stable hash of their names gives\n"
     "it; auto/N takes I from JOB_COMPLETION_INDEX (Kubernetes Indexed Jobs)",
     "check shard I of N (0-based): the URLs (or apps) a stable hash gives it;\n"
     "auto/N takes I from JOB_COMPLETION_INDEX (Kubernetes Indexed Jobs)"},
    {"--log-dir", {}, "DIR", value_kind::text, &batch_options::log_dir, in_batch | in_verify,
     "write each task's full output to DIR/<app>.log (with --browser, a\nscreenshot too: DIR/<app>.png)",
     "write each check's verdict to DIR/<name>.log (with --browser, a\nscreenshot too: DIR/<name>.png)"},
    {"--report", {}, "FILE", value_kind::text, &batch_options::report_file, in_batch | in_verify | in_report_merge,
     "write the whole result as one JSON document", {}},
    {"--junit", {}, "FILE", value_kind::text, &batch_options::junit_file, in_batch | in_verify | in_report_merge,
     "write JUnit XML, one test case per app", "write JUnit XML, one test case per URL"},
};


// ---- r1 verify --every: flags with rules of their own

constexpr std::chrono::milliseconds min_every{100};

std::optional<std::string> read_duration(std::chrono::milliseconds& out, std::string_view flag, std::string_view v) {
    auto d = engine::parse_duration(v);
    if (!d) return "invalid " + std::string(flag) + " " + quoted(v) + ": use " + std::string(duration_words);
    out = *d;
    return std::nullopt;
}

std::optional<std::string> read_every(command& c, std::string_view v) {
    if (auto problem = read_duration(c.watch.every, "--every", v)) return problem;
    if (c.watch.every < min_every) return "--every must be at least " + engine::format_duration(min_every);
    return std::nullopt;
}

std::optional<std::string> read_metrics_listen(command& c, std::string_view v) {
    c.watch.metrics = parse_listen_address(v);
    if (!c.watch.metrics) return "invalid --metrics-listen " + quoted(v) + ": use PORT (127.0.0.1), ADDR:PORT or [IPv6]:PORT";
    return std::nullopt;
}

std::optional<std::string> read_count(unsigned& out, std::string_view flag, std::string_view v) {
    unsigned long n = 0;
    bool ok = !v.empty() && v.size() <= 4 && v.find_first_not_of("0123456789") == std::string_view::npos;
    if (ok) n = std::stoul(std::string(v));
    if (!ok || n < 1 || n > 1000)
        return "invalid " + std::string(flag) + " " + quoted(v) + ": use a whole number from 1 to 1000";
    out = static_cast<unsigned>(n);
    return std::nullopt;
}

std::optional<std::string> read_fail_after(command& c, std::string_view v) {
    return read_count(c.watch.fail_after, "--fail-after", v);
}

std::optional<std::string> read_recover_after(command& c, std::string_view v) {
    return read_count(c.watch.recover_after, "--recover-after", v);
}

/// The program and its arguments, split at spaces and tabs; nothing else is interpreted.
std::optional<std::string> read_on_change(command& c, std::string_view v) {
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
}

std::optional<std::string> read_on_change_timeout(command& c, std::string_view v) {
    return read_duration(c.watch.on_change_timeout, "--on-change-timeout", v);
}

/// "14d": certificate lifetimes are counted in days, past what durations allow (168h).
std::optional<std::string> read_cert_expiry_warn(command& c, std::string_view v) {
    if (v.size() >= 2 && v.size() <= 5 && v.back() == 'd') {
        auto digits = v.substr(0, v.size() - 1);
        if (digits.find_first_not_of("0123456789") == std::string_view::npos) {
            auto n = std::stoul(std::string(digits));
            if (n < 1 || n > 3650) return "invalid --cert-expiry-warn " + quoted(v) + ": use 1d to 3650d";
            c.watch.cert_expiry_warn = std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::hours(24) * n);
            return std::nullopt;
        }
    }
    return read_duration(c.watch.cert_expiry_warn, "--cert-expiry-warn", v);
}

std::optional<std::string> read_full_handshake_every(command& c, std::string_view v) {
    if (v == "0") {  // never resume
        c.watch.full_handshake_every = std::chrono::milliseconds(0);
        return std::nullopt;
    }
    return read_duration(c.watch.full_handshake_every, "--full-handshake-every", v);
}

/// r1 verify --every's own flags, after the one-shot ones in --help.
const setting watch_settings[] = {
    {"--every", {}, "DURATION", value_kind::text, flag_reader{&read_every}, in_verify | in_watch,
     "one round per DURATION: every target checked once, spread over it", {}},
    {"--metrics-listen", {}, "[ADDR:]PORT", value_kind::text, flag_reader{&read_metrics_listen}, in_verify | in_watch,
     "serve /metrics (Prometheus) and /probe?target=URL; a bare PORT is 127.0.0.1", {}},
    {"--fail-after", {}, "N", value_kind::text, flag_reader{&read_fail_after}, in_verify | in_watch,
     "consecutive failures before target.down (default 2)", {}},
    {"--recover-after", {}, "M", value_kind::text, flag_reader{&read_recover_after}, in_verify | in_watch,
     "consecutive successes before target.up (default 2)", {}},
    {"--on-change", {}, "CMD", value_kind::text, flag_reader{&read_on_change}, in_verify | in_watch,
     "run CMD (split at spaces, no shell) per event, the event as JSON on stdin", {}},
    {"--on-change-timeout", {}, "DURATION", value_kind::text, flag_reader{&read_on_change_timeout}, in_verify | in_watch,
     "CMD is stopped past this (default 10s)", {}},
    {"--cert-expiry-warn", {}, "DAYS", value_kind::text, flag_reader{&read_cert_expiry_warn}, in_verify | in_watch,
     "target.cert_expiring when a certificate expires within DAYS (e.g. 14d)", {}},
    {"--full-handshake-every", {}, "DURATION", value_kind::text, flag_reader{&read_full_handshake_every},
     in_verify | in_watch,
     "resume TLS sessions between rounds, but verify the chain in full at\n"
     "least this often (default 10m; 0: never resume)", {}},
};

value_kind kind_of(providers::option_kind k) {
    switch (k) {
    case providers::option_kind::duration: return value_kind::duration;
    case providers::option_kind::count: return value_kind::count;
    case providers::option_kind::on: return value_kind::on;
    case providers::option_kind::text: break;
    }
    return value_kind::text;
}

struct table {
    std::vector<setting> all;
    std::vector<std::string_view> keys;
};

const table& the_table() {
    static const table t = [] {
        table out;
        out.all.assign(std::begin(head), std::end(head));
        for (const auto& p : providers::registry::builtin().wired())
            for (const auto& o : p->options())
                out.all.push_back({o.flag, o.key, o.value_name, kind_of(o.kind), option_key{o.key, o.kind},
                                   in_deploy | in_rollback, o.help, {}, o.min, o.max});
        out.all.insert(out.all.end(), std::begin(tail), std::end(tail));
        out.all.insert(out.all.end(), std::begin(watch_settings), std::end(watch_settings));
        for (const auto& s : out.all)
            if (!s.key.empty()) out.keys.push_back(s.key);
        return out;
    }();
    return t;
}

std::optional<std::string> parse_count(const setting& s, std::string_view v, unsigned& out) {
    std::size_t digits = std::to_string(s.max).size();
    unsigned long n = 0;
    bool ok = !v.empty() && v.size() <= digits && v.find_first_not_of("0123456789") == std::string_view::npos;
    if (ok) n = std::stoul(std::string(v));
    if (!ok || n < s.min || n > s.max)
        return "invalid " + std::string(s.flag) + " " + quoted(v) + ": use a whole number from " + std::to_string(s.min) +
               " to " + std::to_string(s.max);
    out = static_cast<unsigned>(n);
    return std::nullopt;
}

/// The object a command-line value goes into: a task setting, a batch setting or the command's own.
template <class T>
T& field_of(command& cmd, T deploy_config::*member) {
    return cmd.deploy.*member;
}
template <class T>
T& field_of(command& cmd, T batch_options::*member) {
    return cmd.batch.*member;
}
template <class T>
T& field_of(command& cmd, T command::*member) {
    return cmd.*member;
}

}  // namespace

std::span<const setting> settings() { return the_table().all; }

const setting* find_flag(std::string_view flag) {
    if (flag.empty()) return nullptr;  // a manifest key without a flag (canary)
    for (const auto& s : the_table().all)
        if (s.flag == flag) return &s;
    return nullptr;
}

const setting* find_key(std::string_view key) {
    if (key.empty()) return nullptr;
    for (const auto& s : the_table().all)
        if (s.key == key) return &s;
    return nullptr;
}

std::span<const std::string_view> manifest_keys() { return the_table().keys; }

std::optional<std::string> apply_flag(const setting& s, command& cmd, std::string_view text) {
    return std::visit(
        [&](auto member) -> std::optional<std::string> {
            using type = decltype(member);
            if constexpr (std::is_same_v<type, option_key>) {
                std::string value(text);
                if (s.kind == value_kind::duration && !engine::parse_duration(text))
                    return "invalid " + std::string(s.flag) + " " + quoted(text) + ": use " + std::string(duration_words);
                if (s.kind == value_kind::count) {
                    unsigned n = 0;
                    if (auto why = parse_count(s, text, n)) return why;
                    value = std::to_string(n);
                }
                if (s.kind == value_kind::on) value = "true";
                cmd.deploy.options[std::string(member.key)] = std::move(value);
                return std::nullopt;
            } else if constexpr (std::is_same_v<type, flag_reader>) {
                return member(cmd, text);
            } else {
                auto& field = field_of(cmd, member);
                using value = std::remove_cvref_t<decltype(field)>;
                if constexpr (std::is_same_v<value, std::string>) {
                    field = std::string(text);
                } else if constexpr (std::is_same_v<value, std::chrono::milliseconds>) {
                    auto d = duration_of(s, text);
                    if (!d) return "invalid " + std::string(s.flag) + " " + quoted(text) + ": use " + std::string(duration_words);
                    field = *d;
                } else if constexpr (std::is_same_v<value, unsigned>) {
                    return parse_count(s, text, field);
                } else if (s.kind == value_kind::format) {
                    if (text != "text" && text != "json") return std::string(s.flag) + " takes text or json";
                    field = text == "json";
                } else {
                    field = true;
                }
                return std::nullopt;
            }
        },
        s.target);
}

std::optional<std::string> apply_key(const setting& s, deploy_config& cfg, const manifest_value& v) {
    const std::string key(s.key);
    const auto* str = std::get_if<std::string>(&v);
    if (const auto* option = std::get_if<option_key>(&s.target); option && s.kind != value_kind::text) {
        // A provider's own duration, count or switch: checked here, kept as text in cfg.options.
        std::string value;
        if (s.kind == value_kind::duration) {
            if (!str) return key + " must be a duration string like \"15s\" or \"2m\"";
            if (!engine::parse_duration(*str)) return key + " " + quoted(*str) + " is not " + std::string(duration_words);
            value = *str;
        } else if (s.kind == value_kind::count) {
            const auto* n = std::get_if<std::int64_t>(&v);
            if (!n || *n < s.min || *n > s.max)
                return key + " must be a whole number from " + std::to_string(s.min) + " to " + std::to_string(s.max);
            value = std::to_string(*n);
        } else {
            const auto* b = std::get_if<bool>(&v);
            if (!b) return key + " must be true or false";
            if (!*b) {
                cfg.options.erase(std::string(option->key));  // false: as if never set, over [defaults] too
                return std::nullopt;
            }
            value = "true";
        }
        cfg.options[std::string(option->key)] = std::move(value);
        return std::nullopt;
    }
    switch (s.kind) {
    case value_kind::text: {
        if (!str) {
            std::string_view type = std::holds_alternative<bool>(v) ? "boolean" : "whole number";
            return key + " must be a string, not a " + std::string(type);
        }
        if (str->size() > max_value_length) return key + " is longer than " + std::to_string(max_value_length) + " bytes";
        if (const auto* option = std::get_if<option_key>(&s.target)) cfg.options[std::string(option->key)] = *str;
        else cfg.*std::get<std::string deploy_config::*>(s.target) = *str;
        return std::nullopt;
    }
    case value_kind::duration: {
        if (!str) return key + " must be a duration string like \"15s\" or \"2m\"";
        auto d = duration_of(s, *str);
        if (!d) return key + " " + quoted(*str) + " is not " + std::string(duration_words);
        cfg.*std::get<std::chrono::milliseconds deploy_config::*>(s.target) = *d;
        return std::nullopt;
    }
    case value_kind::count: {
        const auto* n = std::get_if<std::int64_t>(&v);
        if (!n || *n < s.min || *n > s.max)
            return key + " must be a whole number from " + std::to_string(s.min) + " to " + std::to_string(s.max);
        cfg.*std::get<unsigned deploy_config::*>(s.target) = static_cast<unsigned>(*n);
        return std::nullopt;
    }
    case value_kind::toggle: {
        const auto* b = std::get_if<bool>(&v);
        if (!b) return key + " must be true or false, not a " + (str ? "string" : "whole number");
        cfg.*std::get<bool deploy_config::*>(s.target) = *b;
        return std::nullopt;
    }
    case value_kind::on:
    case value_kind::format: break;  // flags of the command line only: no manifest key
    }
    return key + " cannot be set in a manifest";
}

void copy_setting(const setting& s, const deploy_config& from, deploy_config& to) {
    std::visit(
        [&](auto member) {
            using type = decltype(member);
            if constexpr (std::is_same_v<type, option_key>) {
                if (auto it = from.options.find(member.key); it != from.options.end()) to.options[it->first] = it->second;
                else to.options.erase(std::string(member.key));
            } else if constexpr (requires(const deploy_config& d) { d.*member; }) {
                to.*member = from.*member;
            }
        },
        s.target);
}

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

std::string_view did_you_mean(std::string_view word, std::span<const std::string_view> choices) {
    auto edit_distance = [](std::string_view a, std::string_view b) {
        std::vector<std::size_t> row(b.size() + 1);
        for (std::size_t j = 0; j <= b.size(); ++j) row[j] = j;
        for (std::size_t i = 1; i <= a.size(); ++i) {
            std::size_t diagonal = row[0];
            row[0] = i;
            for (std::size_t j = 1; j <= b.size(); ++j) {
                std::size_t up = row[j];
                row[j] = std::min({row[j] + 1, row[j - 1] + 1, diagonal + (a[i - 1] == b[j - 1] ? 0 : 1)});
                diagonal = up;
            }
        }
        return row[b.size()];
    };
    if (word.size() > 64) return {};
    std::string lower;
    for (char c : word) lower += (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c == '-' ? '_' : c;
    std::string_view best;
    std::size_t best_distance = std::max<std::size_t>(2, lower.size() / 3) + 1;
    for (auto choice : choices) {
        auto d = edit_distance(lower, choice);
        if (d < best_distance) {
            best = choice;
            best_distance = d;
        }
    }
    if (best.empty() && lower.size() >= 4)  // "timeout" for health_timeout, as the --timeout flag
        for (auto choice : choices)
            if (choice.find(lower) != std::string_view::npos) return choice;
    return best;
}

}  // namespace r1::cli
