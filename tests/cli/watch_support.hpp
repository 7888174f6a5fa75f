#pragma once
/// Shared by the r1 verify --every tests: the argv, reading its NDJSON events while it runs, and
/// stopping it.
#include "tests/support/flap_server.hpp"
#include "tests/support/output_checks.hpp"
#include "tests/support/r1_process.hpp"
#include "tests/support/test_pki.hpp"

#include <boost/json/object.hpp>
#include <boost/json/parse.hpp>

#include <chrono>
#include <initializer_list>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

namespace r1::test::watching {

/// Six targets a..f on one server: enough for a round to be inconclusive when most fail.
inline std::vector<std::string> six_targets(const flap_server& server) {
    std::vector<std::string> urls;
    for (auto name : {"a", "b", "c", "d", "e", "f"}) urls.push_back(server.url(name));
    return urls;
}

/// r1 verify --every 250ms --output json, trusting the test CA; `extra` may override --every.
inline std::vector<std::string> watch_args(const std::vector<std::string>& urls, std::vector<std::string> extra) {
    std::vector<std::string> a{"verify", "--ca-file", ca_path(), "--output", "json", "--timeout", "5s"};
    bool every = false;
    for (const auto& e : extra) every = every || e == "--every";
    if (!every) a.insert(a.end(), {"--every", "250ms"});
    a.insert(a.end(), extra.begin(), extra.end());
    a.insert(a.end(), urls.begin(), urls.end());
    return a;
}

/// The complete NDJSON lines of `out` (a line still being written is left out).
inline std::vector<std::string> complete_lines(const std::string& out) {
    std::vector<std::string> lines;
    std::size_t at = 0;
    for (auto nl = out.find('\n'); nl != std::string::npos; nl = out.find('\n', at)) {
        lines.push_back(out.substr(at, nl - at + 1));
        at = nl + 1;
    }
    return lines;
}

inline bool is_event(const boost::json::object& o, std::initializer_list<std::string_view> names) {
    if (names.size() == 0) return true;
    for (auto n : names)
        if (o.at("event").as_string() == n) return true;
    return false;
}

/// The events of the given names (all when none), in order.
inline std::vector<boost::json::object> events_of(const std::string& out,
                                                  std::initializer_list<std::string_view> names = {}) {
    std::vector<boost::json::object> events;
    for (const auto& line : complete_lines(out)) {
        auto o = boost::json::parse(line).as_object();
        if (is_event(o, names)) events.push_back(std::move(o));
    }
    return events;
}

/// The raw lines of those events, newline included: what an --on-change command gets on stdin.
inline std::vector<std::string> lines_of(const std::string& out, std::initializer_list<std::string_view> names) {
    std::vector<std::string> lines;
    for (const auto& line : complete_lines(out))
        if (is_event(boost::json::parse(line).as_object(), names)) lines.push_back(line);
    return lines;
}

inline std::string joined(const std::vector<std::string>& lines) {
    std::string s;
    for (const auto& l : lines) s += l;
    return s;
}

inline std::size_t count_rounds(const r1_process& r1p) { return count_of(r1p.out_so_far(), "\"event\":\"round.end\""); }

/// Waits until r1 has ended `n` rounds in all.
inline bool wait_rounds(const r1_process& r1p, std::size_t n, int ms = 30'000) {
    return r1p.wait_for_out("\"event\":\"round.end\"", ms, n);
}

inline r1_result stop(r1_process& r1p, int sig) {
    r1p.signal(sig);
    return r1p.wait();
}

/// The port r1 printed for --metrics-listen (0 when it did not say).
inline unsigned short metrics_port(const r1_process& r1p) {
    if (!r1p.wait_for_err("/metrics\n")) return 0;
    auto err = r1p.err_so_far();
    auto at = err.find("r1: metrics on http://127.0.0.1:");
    if (at == std::string::npos) return 0;
    return static_cast<unsigned short>(std::stoul(err.substr(at + 32)));
}

}  // namespace r1::test::watching
