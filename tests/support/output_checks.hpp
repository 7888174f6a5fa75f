#pragma once
/// Reading what a run of r1 printed: counting lines of a kind, parsing NDJSON, spotting control bytes.
#include <boost/json/parse.hpp>
#include <boost/json/value.hpp>

#include <algorithm>
#include <cstddef>
#include <sstream>
#include <string>
#include <string_view>
#include <vector>

namespace r1::test {

/// Non-overlapping occurrences of `what` in `text`.
inline std::size_t count_of(const std::string& text, std::string_view what) {
    std::size_t n = 0;
    for (auto at = text.find(what); at != std::string::npos; at = text.find(what, at + what.size())) ++n;
    return n;
}

/// NDJSON lines parsed; a line that is not JSON (or not UTF-8) throws and fails the test.
inline std::vector<boost::json::value> ndjson(const std::string& out) {
    std::vector<boost::json::value> events;
    std::istringstream in(out);
    for (std::string line; std::getline(in, line);) events.push_back(boost::json::parse(line));
    return events;
}

/// True when every byte is printable ASCII, a tab or a newline, or part of valid UTF-8 (which
/// boost::json::parse checks separately): no control bytes reach a terminal or a log.
inline bool no_control_bytes(std::string_view text) {
    return std::all_of(text.begin(), text.end(), [](unsigned char c) {
        return (c >= 0x20 && c != 0x7F) || c == '\n' || c == '\t';
    });
}

/// "2026-12-07T08:21:03.123Z": an RFC 3339 UTC time with milliseconds, as `ts` and log lines carry.
inline bool is_timestamp_ms(std::string_view t) {
    static constexpr std::string_view shape = "dddd-dd-ddTdd:dd:dd.dddZ";
    if (t.size() != shape.size()) return false;
    for (std::size_t i = 0; i < t.size(); ++i)
        if (shape[i] == 'd' ? (t[i] < '0' || t[i] > '9') : t[i] != shape[i]) return false;
    return true;
}

/// A --log-dir file without each line's time prefix ("<time> " before every line). A line without
/// one comes back as "<no time> <line>", so a comparison shows it.
inline std::string without_log_times(const std::string& log) {
    std::string out;
    std::istringstream in(log);
    for (std::string line; std::getline(in, line);) {
        if (line.size() > 25 && is_timestamp_ms(std::string_view(line).substr(0, 24)) && line[24] == ' ')
            out += line.substr(25) + "\n";
        else
            out += "<no time> " + line + "\n";
    }
    return out;
}

}  // namespace r1::test
