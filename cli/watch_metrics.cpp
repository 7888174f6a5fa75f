#include "cli/watch_metrics.hpp"

#include <boost/asio/error.hpp>

#include <charconv>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <sstream>

#include <sys/resource.h>
#include <unistd.h>

namespace r1::cli {
namespace {

namespace asio = boost::asio;

constexpr std::array<std::string_view, 5> phase_names{"resolve", "connect", "tls", "processing", "transfer"};

void number(std::string& out, double v) {
    if (std::isnan(v)) {
        out += "NaN";
        return;
    }
    char buf[32];
    auto [end, ec] = std::to_chars(buf, buf + sizeof buf, v);
    out.append(buf, end);
}

void number(std::string& out, std::uint64_t v) {
    char buf[24];
    auto [end, ec] = std::to_chars(buf, buf + sizeof buf, v);
    out.append(buf, end);
}

void number(std::string& out, std::int64_t v) {
    char buf[24];
    auto [end, ec] = std::to_chars(buf, buf + sizeof buf, v);
    out.append(buf, end);
}

void family(std::string& out, std::string_view name, std::string_view type, std::string_view help) {
    out += "# HELP ";
    out += name;
    out += ' ';
    out += help;
    out += "\n# TYPE ";
    out += name;
    out += ' ';
    out += type;
    out += '\n';
}

/// `name{target="url"[,extra]} value\n`; no braces when both are empty (a /probe answer).
template <class V>
void sample(std::string& out, std::string_view name, std::string_view target, std::string_view extra, V value) {
    out += name;
    if (!target.empty() || !extra.empty()) {
        out += '{';
        if (!target.empty()) {
            out += "target=\"";
            out += escape_label(target);
            out += '"';
            if (!extra.empty()) out += ',';
        }
        out += extra;
        out += '}';
    }
    out += ' ';
    number(out, value);
    out += '\n';
}

double secs(std::chrono::nanoseconds d) { return std::chrono::duration<double>(d).count(); }

/// The probe_* families for every target that has a sample (or the one sample of /probe).
void probe_families(std::string& out, std::span<const target_view> targets) {
    auto each = [&](auto&& fn) {
        for (const auto& t : targets)
            if (t.sample) fn(t, *t.sample);
    };
    family(out, "probe_success", "gauge", "Displays whether or not the probe was a success");
    each([&](const target_view& t, const probe_sample& s) { sample(out, "probe_success", t.url, "", std::uint64_t{s.success}); });
    family(out, "probe_duration_seconds", "gauge", "Returns how long the probe took to complete in seconds");
    each([&](const target_view& t, const probe_sample& s) { sample(out, "probe_duration_seconds", t.url, "", s.duration_seconds); });
    family(out, "probe_http_status_code", "gauge", "Response HTTP status code");
    each([&](const target_view& t, const probe_sample& s) {
        sample(out, "probe_http_status_code", t.url, "", std::uint64_t{s.status});
    });
    family(out, "probe_http_duration_seconds", "gauge", "Duration of http request by phase, summed over all redirects");
    each([&](const target_view& t, const probe_sample& s) {
        for (std::size_t p = 0; p < phase_names.size(); ++p)
            sample(out, "probe_http_duration_seconds", t.url, "phase=\"" + std::string(phase_names[p]) + "\"",
                   s.phase_seconds[p]);
    });
    family(out, "probe_http_content_length", "gauge", "Length of http content response");
    each([&](const target_view& t, const probe_sample& s) {
        sample(out, "probe_http_content_length", t.url, "", s.content_length);
    });
    family(out, "probe_http_uncompressed_body_length", "gauge", "Length of uncompressed response body");
    each([&](const target_view& t, const probe_sample& s) {
        sample(out, "probe_http_uncompressed_body_length", t.url, "", s.body_bytes);
    });
    family(out, "probe_http_redirects", "gauge", "The number of redirects");
    each([&](const target_view& t, const probe_sample& s) {
        sample(out, "probe_http_redirects", t.url, "", std::uint64_t{s.redirects});
    });
    family(out, "probe_http_ssl", "gauge", "Indicates if SSL was used for the final redirect");
    each([&](const target_view& t, const probe_sample& s) { sample(out, "probe_http_ssl", t.url, "", std::uint64_t{s.tls}); });
    family(out, "probe_ssl_earliest_cert_expiry", "gauge", "Returns last SSL chain expiry in unixtime");
    for (const auto& t : targets) {
        auto not_after = t.cert_not_after ? t.cert_not_after : (t.sample ? t.sample->cert_not_after : std::nullopt);
        if (not_after) sample(out, "probe_ssl_earliest_cert_expiry", t.url, "", *not_after);
    }
}

}  // namespace

std::string escape_label(std::string_view v) {
    std::string out;
    out.reserve(v.size());
    for (char c : v) {
        if (c == '\\') out += "\\\\";
        else if (c == '"') out += "\\\"";
        else if (c == '\n') out += "\\n";
        else out += c;
    }
    return out;
}

probe_sample sample_of(const engine::health_report& report, std::chrono::nanoseconds took, double now_unix) {
    probe_sample s;
    s.success = report.healthy();
    s.duration_seconds = secs(took);
    s.status = report.status;
    const auto& p = report.probe;
    s.phase_seconds = {secs(p.times.resolve), secs(p.times.connect), secs(p.times.tls), secs(p.times.processing),
                       secs(p.times.transfer)};
    s.content_length = p.content_length ? static_cast<std::int64_t>(*p.content_length) : -1;
    s.body_bytes = p.body_bytes;
    s.redirects = p.redirects;
    s.tls = p.tls;
    s.cert_not_after = p.cert_not_after;
    s.finished_at = now_unix;
    return s;
}

std::string_view cause_of(const engine::health_report& report) {
    namespace ae = asio::error;
    if (report.healthy()) return "none";
    if (report.ec == error::timed_out) return "timeout";
    if (report.ec == error::interrupted) return "interrupted";
    if (report.ec == error::usage) return "invalid_url";
    if (report.ec == error::unhealthy) {
        if (report.status / 100 == 3) return "redirect";
        if (report.status != 200) return "http_status";
        return "body";
    }
    const auto& c = report.cause;
    std::string_view category = c ? c.category().name() : "";
    if (c == ae::connection_refused) return "refused";
    if (c == ae::connection_reset) return "reset";
    if (c == ae::broken_pipe || (category == "asio.misc" && c.value() == ae::eof)) return "closed";
    if (category == "asio.netdb") return "dns";
    if (category == "r1.x509") return "tls_verify";
    if (category == "asio.ssl" || category == "asio.ssl.stream") return "tls";
    if (category == "beast.http") {
        auto text = c.message();
        return text == "end of stream" || text == "partial message" ? "closed" : "bad_response";
    }
    return "network";
}

std::string render_metrics(std::span<const target_view> targets, const watch_counters& c, double now_unix) {
    std::string out;
    out.reserve(1024 + targets.size() * 1200);
    probe_families(out, targets);

    family(out, "r1_cert_expiry_days", "gauge", "Days until the earliest certificate the target sent expires (negative: expired)");
    for (const auto& t : targets) {
        auto not_after = t.cert_not_after ? t.cert_not_after : (t.sample ? t.sample->cert_not_after : std::nullopt);
        if (not_after) sample(out, "r1_cert_expiry_days", t.url, "", (static_cast<double>(*not_after) - now_unix) / 86400.0);
    }
    family(out, "r1_target_up", "gauge", "The target's alerting state: 1 up, 0 down, absent while unknown (see --fail-after)");
    for (const auto& t : targets)
        if (t.state != engine::target_state::unknown)
            sample(out, "r1_target_up", t.url, "", std::uint64_t{t.state == engine::target_state::up});
    family(out, "r1_target_consecutive_failures", "gauge", "Failed checks in a row");
    for (const auto& t : targets)
        sample(out, "r1_target_consecutive_failures", t.url, "", std::uint64_t{t.consecutive_failures});
    family(out, "r1_target_last_check_timestamp_seconds", "gauge", "When the target's last check ended (Unix time)");
    for (const auto& t : targets)
        if (t.sample) sample(out, "r1_target_last_check_timestamp_seconds", t.url, "", t.sample->finished_at);

    family(out, "r1_checks_total", "counter", "Checks ended, by result and cause");
    for (const auto& [key, n] : c.checks)
        sample(out, "r1_checks_total", "", "result=\"" + key.first + "\",cause=\"" + key.second + "\"", n);
    family(out, "r1_checks_skipped_total", "counter", "Checks not started because the target's previous check was still running");
    sample(out, "r1_checks_skipped_total", "", "", c.skipped);
    family(out, "r1_checks_in_flight", "gauge", "Checks running now");
    sample(out, "r1_checks_in_flight", "", "", c.in_flight);
    family(out, "r1_rounds_total", "counter", "Rounds ended, by verdict (inconclusive: most targets failed at once)");
    sample(out, "r1_rounds_total", "", "verdict=\"conclusive\"", c.rounds_conclusive);
    sample(out, "r1_rounds_total", "", "verdict=\"inconclusive\"", c.rounds_inconclusive);
    family(out, "r1_round_duration_seconds", "summary", "From a round's start to its last check's end");
    sample(out, "r1_round_duration_seconds_sum", "", "", c.round_seconds_sum);
    sample(out, "r1_round_duration_seconds_count", "", "", c.rounds_conclusive + c.rounds_inconclusive);
    family(out, "r1_last_round_duration_seconds", "gauge", "The last ended round's duration");
    sample(out, "r1_last_round_duration_seconds", "", "", c.last_round_seconds);
    family(out, "r1_targets", "gauge", "Targets being watched");
    sample(out, "r1_targets", "", "", std::uint64_t{targets.size()});
    family(out, "r1_tls_handshakes_total", "counter", "TLS handshakes of checks, by kind (resumed: no certificate sent or verified)");
    sample(out, "r1_tls_handshakes_total", "", "kind=\"full\"", c.tls_full);
    sample(out, "r1_tls_handshakes_total", "", "kind=\"resumed\"", c.tls_resumed);
    family(out, "r1_events_total", "counter", "Events emitted, by name");
    for (const auto& [name, n] : c.events) sample(out, "r1_events_total", "", "event=\"" + name + "\"", n);
    family(out, "r1_on_change_runs_total", "counter", "--on-change commands, by result (dropped: the queue was full)");
    sample(out, "r1_on_change_runs_total", "", "result=\"ok\"", c.hooks_ok);
    sample(out, "r1_on_change_runs_total", "", "result=\"failed\"", c.hooks_failed);
    sample(out, "r1_on_change_runs_total", "", "result=\"dropped\"", c.hooks_dropped);
    family(out, "r1_reloads_total", "counter", "SIGHUP reloads, by result (failed: the old targets were kept)");
    sample(out, "r1_reloads_total", "", "result=\"ok\"", c.reloads_ok);
    sample(out, "r1_reloads_total", "", "result=\"failed\"", c.reloads_failed);
    family(out, "r1_scrapes_rejected_total", "counter", "Listener requests refused: busy, malformed, too large or too slow");
    sample(out, "r1_scrapes_rejected_total", "", "", c.scrapes_rejected);
    family(out, "r1_probes_total", "counter", "/probe requests answered");
    sample(out, "r1_probes_total", "", "", c.probes);
    append_process_metrics(out);
    return out;
}

std::string render_probe(const probe_sample& s, double timeout_seconds) {
    std::string out;
    target_view one{"", &s};
    family(out, "probe_dns_lookup_time_seconds", "gauge", "Returns the time taken for probe dns lookup in seconds");
    sample(out, "probe_dns_lookup_time_seconds", "", "", s.phase_seconds[0]);
    probe_families(out, std::span<const target_view>(&one, 1));
    family(out, "probe_timeout_seconds", "gauge", "Returns how long the probe timeout is in seconds");
    sample(out, "probe_timeout_seconds", "", "", timeout_seconds);
    return out;
}

void append_process_metrics(std::string& out) {
    // /proc/self/stat: fields after the command name (which may hold spaces, so cut at the last ')').
    std::ifstream stat_file("/proc/self/stat");
    std::string stat((std::istreambuf_iterator<char>(stat_file)), std::istreambuf_iterator<char>());
    auto close = stat.rfind(')');
    if (close == std::string::npos) return;
    std::istringstream fields(stat.substr(close + 2));
    std::vector<std::string> f;
    for (std::string w; fields >> w;) f.push_back(w);
    if (f.size() < 22) return;
    // Field numbers from proc(5), counted from state (3): utime 14, stime 15, num_threads 20,
    // starttime 22, vsize 23, rss 24.
    auto at = [&](int n) { return std::strtod(f[static_cast<std::size_t>(n - 3)].c_str(), nullptr); };
    const double ticks = static_cast<double>(::sysconf(_SC_CLK_TCK));
    const double page = static_cast<double>(::sysconf(_SC_PAGESIZE));
    double boot = 0;
    std::ifstream proc_stat("/proc/stat");
    for (std::string line; std::getline(proc_stat, line);)
        if (line.starts_with("btime ")) boot = std::strtod(line.c_str() + 6, nullptr);
    std::uint64_t fds = 0;
    std::error_code ec;
    for (auto it = std::filesystem::directory_iterator("/proc/self/fd", ec); !ec && it != std::filesystem::directory_iterator();
         it.increment(ec))
        ++fds;
    rlimit lim{};
    ::getrlimit(RLIMIT_NOFILE, &lim);

    family(out, "process_cpu_seconds_total", "counter", "Total user and system CPU time spent in seconds.");
    sample(out, "process_cpu_seconds_total", "", "", (at(14) + at(15)) / ticks);
    family(out, "process_resident_memory_bytes", "gauge", "Resident memory size in bytes.");
    sample(out, "process_resident_memory_bytes", "", "", at(24) * page);
    family(out, "process_virtual_memory_bytes", "gauge", "Virtual memory size in bytes.");
    sample(out, "process_virtual_memory_bytes", "", "", at(23));
    family(out, "process_start_time_seconds", "gauge", "Start time of the process since unix epoch in seconds.");
    sample(out, "process_start_time_seconds", "", "", boot + at(22) / ticks);
    family(out, "process_open_fds", "gauge", "Number of open file descriptors.");
    sample(out, "process_open_fds", "", "", fds > 0 ? fds - 1 : 0);  // less the directory being listed
    family(out, "process_max_fds", "gauge", "Maximum number of open file descriptors.");
    sample(out, "process_max_fds", "", "", static_cast<std::uint64_t>(lim.rlim_cur));
    family(out, "process_threads", "gauge", "Number of OS threads in the process.");
    sample(out, "process_threads", "", "", at(20));
}

}  // namespace r1::cli
