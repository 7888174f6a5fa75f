#pragma once
/// The rule layer of engine/classify: one linear pass over the text that matches phrases, HTTP
/// statuses and the codes tools print, and reports the most decisive match. Internal to
/// engine/classify; classify.cpp decides with it and the model.
#include "engine/classify/rules.hpp"

#include <array>
#include <cstddef>
#include <cstdint>
#include <span>
#include <string_view>

namespace r1::engine::classify_scan {

using classify_rules::tier;

/// One rule that matched, for --explain.
struct rule_hit {
    tier level = tier::none;
    std::string_view signal;
    std::size_t where = std::string_view::npos;
    bool aside = false;  // on a warn/info/debug/note line
};

struct outcome {
    /// The most decisive match: the lowest tier on the main lines, or on the asides when the main
    /// lines match nothing; within a tier the leftmost.
    tier level = tier::none;
    std::string_view signal;
    std::size_t where = std::string_view::npos;
    /// Every signal that matched, first match first (at most max_fired distinct ones): the
    /// model's rule features.
    static constexpr std::size_t max_fired = 16;
    std::array<std::string_view, max_fired> fired{};
    std::size_t fired_count = 0;
    /// A failure cue word was seen, or a rule matched.
    bool cue = false;

    std::span<const std::string_view> fired_signals() const noexcept { return {fired.data(), fired_count}; }
};

/// Receives every rule match of a traced scan.
class hit_sink {
public:
    virtual void hit(const rule_hit& h) = 0;

protected:
    ~hit_sink() = default;
};

/// Scans `text`; windows ("try again in 2 hours") longer than `budget_ms` are permanent.
outcome scan(std::string_view text, std::uint64_t budget_ms) noexcept;
/// The same, counting the work done (bytes read and comparisons made) into `steps`.
outcome scan_counted(std::string_view text, std::uint64_t budget_ms, std::size_t& steps) noexcept;
/// The same, reporting every match to `sink`, and never stopping early.
outcome scan_traced(std::string_view text, std::uint64_t budget_ms, hit_sink& sink);

}  // namespace r1::engine::classify_scan
