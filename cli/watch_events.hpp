#pragma once
/// The events of `r1 verify --every`: NDJSON lines on stdout with --output json (names and
/// fields are part of r1's contract, see README), one text line each otherwise, and the JSON
/// document --on-change commands get on stdin.
#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace r1::cli {

struct watch_event {
    std::string name;  // target.down, target.up, round.inconclusive, target.cert_expiring
    std::string json;  // one line, newline included
    std::string text;  // one line, newline included
};

/// "1 target", "3 targets": the operator's lines count targets this way.
std::string targets_text(std::size_t n);

/// "2026-12-07T04:21:00.123Z"
std::string rfc3339_ms(std::chrono::system_clock::time_point t);

struct target_change {
    bool down = false;  // target.down, else target.up
    std::string_view target;  // the URL
    std::string_view name;    // a manifest's app name; empty for a URL list
    std::uint64_t round = 0;
    unsigned consecutive = 0;  // failures (down) or successes (up) in a row that decided it
    std::string_view detail;   // the deciding check's line
    std::string_view cause;    // the deciding check's stable cause code (engine::health_report::cause_code)
    unsigned status = 0;
    std::optional<std::chrono::milliseconds> was_down_for;  // target.up after a target.down
};
watch_event change_event(const target_change& c, std::chrono::system_clock::time_point at);

watch_event inconclusive_event(std::uint64_t round, std::size_t targets, std::size_t failed,
                               std::chrono::system_clock::time_point at);

watch_event cert_event(std::string_view target, std::string_view name, std::int64_t not_after, double days_left,
                       std::chrono::milliseconds warn, std::chrono::system_clock::time_point at);

/// One check's result (--output json only): the per-target record, days to expiry included.
struct check_record {
    std::string_view target;
    std::string_view name;
    std::uint64_t round = 0;
    bool ok = false;
    unsigned status = 0;
    double duration_ms = 0;
    std::string_view detail;
    std::string_view cause;  // engine::health_report::cause_code; "" when ok (null in JSON)
    std::string_view state;  // the target's alerting state after this check
    bool tls = false;
    bool resumed = false;
    std::optional<std::int64_t> cert_not_after;
    std::optional<double> cert_days_left;
};
std::string check_json(const check_record& c, std::chrono::system_clock::time_point at);

std::string round_end_json(std::uint64_t round, std::size_t targets, std::size_t ok, std::size_t failed,
                           std::size_t skipped, bool inconclusive, std::chrono::milliseconds took);
std::string round_end_text(std::uint64_t round, std::size_t targets, std::size_t ok, std::size_t failed,
                           std::size_t skipped, bool inconclusive, std::chrono::milliseconds took);

std::string watch_start_json(std::size_t targets, std::chrono::milliseconds every, std::string_view metrics,
                             std::size_t concurrency, std::size_t loops);
std::string reload_json(bool ok, std::size_t targets, std::size_t added, std::size_t removed, std::size_t problems);
std::string watch_end_json(int signal, std::uint64_t rounds, int exit_code);

}  // namespace r1::cli
