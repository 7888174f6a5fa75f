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

}  // namespace r1::test
