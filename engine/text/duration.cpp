#include "engine/text/duration.hpp"

#include <cstdint>

namespace r1::engine {

std::optional<std::chrono::milliseconds> parse_duration(std::string_view text) {
    if (text.empty() || text.size() > 32) return std::nullopt;
    std::int64_t total_ms = 0;
    std::size_t i = 0;
    while (i < text.size()) {
        std::int64_t value = 0;
        std::size_t digits = 0;
        while (i < text.size() && text[i] >= '0' && text[i] <= '9') {
            value = value * 10 + (text[i] - '0');
            if (value > max_duration.count()) return std::nullopt;
            ++i;
            ++digits;
        }
        if (digits == 0) return std::nullopt;
        std::int64_t unit_ms = 0;
        if (text.substr(i, 2) == "ms") {
            unit_ms = 1;
            i += 2;
        } else if (i < text.size() && text[i] == 's') {
            unit_ms = 1000;
            ++i;
        } else if (i < text.size() && text[i] == 'm') {
            unit_ms = 60'000;
            ++i;
        } else if (i < text.size() && text[i] == 'h') {
            unit_ms = 3'600'000;
            ++i;
        } else {
            return std::nullopt;  // a bare number is ambiguous: seconds? milliseconds?
        }
        total_ms += value * unit_ms;
        if (total_ms > max_duration.count()) return std::nullopt;
    }
    if (total_ms == 0) return std::nullopt;
    return std::chrono::milliseconds(total_ms);
}

std::string format_duration(std::chrono::milliseconds d) {
    auto ms = d.count();
    if (ms <= 0) return "0s";
    std::string out;
    auto part = [&](std::int64_t unit, const char* suffix) {
        if (ms >= unit) {
            out += std::to_string(ms / unit) + suffix;
            ms %= unit;
        }
    };
    part(3'600'000, "h");
    part(60'000, "m");
    part(1000, "s");
    part(1, "ms");
    return out;
}

}  // namespace r1::engine
