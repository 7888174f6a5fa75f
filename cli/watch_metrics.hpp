#pragma once
/// What `r1 verify --every --metrics-listen` serves: Prometheus text exposition (format 0.0.4) with
/// blackbox_exporter's probe_* names, one series per target under a `target` label, r1's own
/// counters (r1_*) and the process_* metrics Prometheus client libraries export. Pure text, so
/// tests and the fuzz-free parts stay light.
#include "engine/health_check.hpp"
#include "engine/watch_state.hpp"

#include <array>
#include <chrono>
#include <cstdint>
#include <map>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <utility>

namespace r1::cli {

/// One check as the metrics show it (blackbox_exporter's probe_* values for one probe).
struct probe_sample {
    bool success = false;
    double duration_seconds = 0;
    unsigned status = 0;  // 0: no response
    std::array<double, 5> phase_seconds{};  // resolve, connect, tls, processing, transfer
    std::int64_t content_length = -1;       // -1: no Content-Length (blackbox's convention)
    std::uint64_t body_bytes = 0;
    unsigned redirects = 0;
    bool tls = false;
    std::optional<std::int64_t> cert_not_after;  // Unix time
    double finished_at = 0;                      // Unix time
};

probe_sample sample_of(const engine::health_report& report, std::chrono::nanoseconds took, double now_unix);

/// The check's cause for r1_checks_total{cause=...}: "none" when healthy, else one of timeout,
/// refused, reset, closed, dns, tls, tls_verify, http_status, body, redirect, bad_response,
/// interrupted, invalid_url, network.
std::string_view cause_of(const engine::health_report& report);

struct target_view {
    std::string_view url;
    const probe_sample* sample = nullptr;  // null until its first check ended
    engine::target_state state = engine::target_state::unknown;
    unsigned consecutive_failures = 0;
    std::optional<std::int64_t> cert_not_after;  // from the last full handshake
};

struct watch_counters {
    std::map<std::pair<std::string, std::string>, std::uint64_t> checks;  // (result, cause) -> count
    std::uint64_t skipped = 0;  // a check not started: the target's previous one still ran
    std::uint64_t rounds_conclusive = 0;
    std::uint64_t rounds_inconclusive = 0;
    double round_seconds_sum = 0;
    double last_round_seconds = 0;
    std::uint64_t in_flight = 0;
    std::uint64_t tls_full = 0;
    std::uint64_t tls_resumed = 0;
    std::map<std::string, std::uint64_t> events;  // event name -> count
    std::uint64_t hooks_ok = 0;
    std::uint64_t hooks_failed = 0;
    std::uint64_t hooks_dropped = 0;
    std::uint64_t reloads_ok = 0;
    std::uint64_t reloads_failed = 0;
    std::uint64_t scrapes_rejected = 0;  // the listener's busy, bad and timed-out requests
    std::uint64_t probes = 0;            // /probe requests answered
};

/// The whole /metrics page.
std::string render_metrics(std::span<const target_view> targets, const watch_counters& counters, double now_unix);

/// A /probe answer: one check, no target label, as blackbox_exporter's /probe?target=...
std::string render_probe(const probe_sample& sample, double timeout_seconds);

/// process_cpu_seconds_total and friends from /proc/self, appended to `out`.
void append_process_metrics(std::string& out);

/// Prometheus label value escaping: backslash, double quote and newline.
std::string escape_label(std::string_view v);

}  // namespace r1::cli
