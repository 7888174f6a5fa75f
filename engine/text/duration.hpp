#pragma once
/// Durations on the command line, written as Go and flyctl write them: 500ms, 15s, 30m, 1h30m.
#include <chrono>
#include <optional>
#include <string>
#include <string_view>

namespace r1::engine {

/// The longest duration r1 accepts anywhere (a week): a typo like 30000h should be an error.
inline constexpr std::chrono::milliseconds max_duration = std::chrono::hours(24 * 7);

/// Parses one or more <digits><unit> groups, units ms, s, m, h. Zero, overflow, a bare number or
/// anything past max_duration is rejected (nullopt).
std::optional<std::chrono::milliseconds> parse_duration(std::string_view text);

/// "1h30m", "15s", "250ms": the shortest exact spelling.
std::string format_duration(std::chrono::milliseconds d);

}  // namespace r1::engine
