#include "cli/watch_events.hpp"

#include "cli/ndjson.hpp"
#include "engine/text/duration.hpp"

#include <boost/json/object.hpp>
#include <boost/json/serialize.hpp>

#include <cmath>
#include <cstdio>
#include <ctime>

namespace r1::cli {
namespace {

namespace json = boost::json;

std::string line(const json::object& o) { return event_line(o); }

/// An event with the envelope every NDJSON event has (cli/ndjson.hpp); its `ts` is `at`, the moment
/// the event is about.
json::object base(std::string_view event, std::chrono::system_clock::time_point at) {
    auto o = event_object(event);
    o["ts"] = timestamp_ms(at);
    return o;
}

void add_target(json::object& o, std::string_view target, std::string_view name) {
    o["target"] = target;
    if (!name.empty()) o["name"] = name;
}

std::string who(std::string_view target, std::string_view name) {
    return name.empty() ? std::string(target) : std::string(name) + " (" + std::string(target) + ")";
}

}  // namespace

std::string targets_text(std::size_t n) { return std::to_string(n) + (n == 1 ? " target" : " targets"); }

std::string rfc3339_ms(std::chrono::system_clock::time_point t) { return timestamp_ms(t); }

watch_event change_event(const target_change& c, std::chrono::system_clock::time_point at) {
    watch_event e;
    e.name = c.down ? "target.down" : "target.up";
    auto o = base(e.name, at);
    add_target(o, c.target, c.name);
    o["round"] = c.round;
    o[c.down ? "consecutive_failures" : "consecutive_successes"] = c.consecutive;
    o["detail"] = c.detail;
    if (c.down) o["cause"] = c.cause.empty() ? std::string_view("unknown") : c.cause;
    o["status"] = c.status;
    if (c.was_down_for) o["down_for_ms"] = c.was_down_for->count();
    e.json = line(o);
    e.text = rfc3339_ms(at) + (c.down ? " DOWN " : " UP   ") + who(c.target, c.name) + " after " +
             std::to_string(c.consecutive) + (c.down ? " failed" : " good") + (c.consecutive == 1 ? " check" : " checks");
    if (c.was_down_for)
        e.text += ", down for " + engine::format_duration(std::chrono::duration_cast<std::chrono::seconds>(*c.was_down_for));
    e.text += ": " + std::string(c.detail) + "\n";
    return e;
}

watch_event inconclusive_event(std::uint64_t round, std::size_t targets, std::size_t failed,
                               std::chrono::system_clock::time_point at) {
    watch_event e;
    e.name = "round.inconclusive";
    auto o = base(e.name, at);
    o["round"] = round;
    o["targets"] = targets;
    o["failed"] = failed;
    o["detail"] = "more than half of the round's targets failed: r1's own network is the likely cause; no target "
                  "changes state on this round";
    e.json = line(o);
    e.text = rfc3339_ms(at) + " INCONCLUSIVE round " + std::to_string(round) + ": " + std::to_string(failed) + " of " +
             std::to_string(targets) + " targets failed; no target changes state on this round\n";
    return e;
}

watch_event cert_event(std::string_view target, std::string_view name, std::int64_t not_after, double days_left,
                       std::chrono::milliseconds warn, std::chrono::system_clock::time_point at) {
    watch_event e;
    e.name = "target.cert_expiring";
    auto o = base(e.name, at);
    add_target(o, target, name);
    o["not_after"] = rfc3339_ms(std::chrono::system_clock::time_point(std::chrono::seconds(not_after)));
    o["days_left"] = static_cast<std::int64_t>(std::floor(days_left));
    o["warn_days"] = static_cast<std::int64_t>(std::ceil(std::chrono::duration<double>(warn).count() / 86400.0));
    e.json = line(o);
    char days[32];
    std::snprintf(days, sizeof days, "%.1f", days_left);
    e.text = rfc3339_ms(at) + " CERT " + who(target, name) + ": the certificate expires in " + days + " days (" +
             rfc3339_ms(std::chrono::system_clock::time_point(std::chrono::seconds(not_after))) + ")\n";
    return e;
}

std::string check_json(const check_record& c, std::chrono::system_clock::time_point at) {
    auto o = base("check", at);
    add_target(o, c.target, c.name);
    o["round"] = c.round;
    o["ok"] = c.ok;
    o["status"] = c.status;
    o["duration_ms"] = static_cast<std::int64_t>(std::llround(c.duration_ms));
    o["detail"] = c.detail;
    if (c.cause.empty()) o["cause"] = nullptr;  // ok
    else o["cause"] = c.cause;
    o["state"] = c.state;
    if (c.tls) o["tls_resumed"] = c.resumed;
    if (c.cert_not_after)
        o["cert_not_after"] = rfc3339_ms(std::chrono::system_clock::time_point(std::chrono::seconds(*c.cert_not_after)));
    if (c.cert_days_left) o["cert_days_left"] = static_cast<std::int64_t>(std::floor(*c.cert_days_left));
    return line(o);
}

std::string round_end_json(std::uint64_t round, std::size_t targets, std::size_t ok, std::size_t failed,
                           std::size_t skipped, bool inconclusive, std::chrono::milliseconds took) {
    auto o = base("round.end", std::chrono::system_clock::now());
    o["round"] = round;
    o["targets"] = targets;
    o["ok"] = ok;
    o["failed"] = failed;
    o["skipped"] = skipped;
    o["inconclusive"] = inconclusive;
    o["duration_ms"] = took.count();
    return line(o);
}

std::string round_end_text(std::uint64_t round, std::size_t targets, std::size_t ok, std::size_t failed,
                           std::size_t skipped, bool inconclusive, std::chrono::milliseconds took) {
    char secs[32];
    std::snprintf(secs, sizeof secs, "%.1fs", static_cast<double>(took.count()) / 1000.0);
    std::string s = "r1: round " + std::to_string(round) + ": " + targets_text(targets) + ", " +
                    std::to_string(ok) + " ok, " + std::to_string(failed) + " failed";
    if (skipped) s += ", " + std::to_string(skipped) + " skipped (previous check still running)";
    if (inconclusive) s += ", inconclusive";
    return s + " in " + secs + "\n";
}

std::string watch_start_json(std::size_t targets, std::chrono::milliseconds every, std::string_view metrics,
                             std::size_t concurrency, std::size_t loops) {
    auto o = base("watch.start", std::chrono::system_clock::now());
    o["targets"] = targets;
    o["every_ms"] = every.count();
    o["concurrency"] = concurrency;
    o["loops"] = loops;
    if (!metrics.empty()) o["metrics"] = metrics;
    return line(o);
}

std::string reload_json(bool ok, std::size_t targets, std::size_t added, std::size_t removed, std::size_t problems) {
    auto o = base("watch.reload", std::chrono::system_clock::now());
    o["ok"] = ok;
    o["targets"] = targets;
    if (ok) {
        o["added"] = added;
        o["removed"] = removed;
    } else {
        o["problems"] = problems;
    }
    return line(o);
}

std::string watch_end_json(int signal, std::uint64_t rounds, int exit_code) {
    auto o = base("watch.end", std::chrono::system_clock::now());
    o["signal"] = signal == 2 ? "SIGINT" : signal == 15 ? "SIGTERM" : "";
    o["rounds"] = rounds;
    o["exit_code"] = exit_code;
    return line(o);
}

}  // namespace r1::cli
