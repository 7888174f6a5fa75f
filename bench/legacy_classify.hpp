#pragma once
/// The classifier r1 replaces, reproduced for comparison: lowercase the whole text, then look for
/// eight substrings; any hit is transient, everything else permanent (it had no "unknown").
#include "engine/classify/classify.hpp"

#include <algorithm>
#include <array>
#include <string>
#include <string_view>

namespace r1::bench {

inline engine::failure_class legacy_classify(std::string_view text) {
    static constexpr std::array<std::string_view, 8> transient_markers = {
        "timeout", "502", "503", "504", "temporary failure", "i/o timeout", "connection reset", "no such host"};
    std::string lower(text);
    std::transform(lower.begin(), lower.end(), lower.begin(),
                   [](unsigned char c) { return static_cast<char>(c >= 'A' && c <= 'Z' ? c + ('a' - 'A') : c); });
    for (auto marker : transient_markers)
        if (lower.find(marker) != std::string::npos) return engine::failure_class::transient;
    return engine::failure_class::permanent;
}

}  // namespace r1::bench
