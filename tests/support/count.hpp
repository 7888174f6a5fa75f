#pragma once
/// Counting in test output: how many events, test cases or lines of a kind a run printed.
#include <cstddef>
#include <string>
#include <string_view>

namespace r1::test {

/// Non-overlapping occurrences of `what` in `text`.
inline std::size_t count_of(const std::string& text, std::string_view what) {
    std::size_t n = 0;
    for (auto at = text.find(what); at != std::string::npos; at = text.find(what, at + what.size())) ++n;
    return n;
}

}  // namespace r1::test
