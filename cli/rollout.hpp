#pragma once
/// A batch's rollout: which tasks go first (canaries), in which waves the rest follow, and the words
/// a skipped task is reported with. Pure: no event loop, no I/O.
#include <cstddef>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

namespace r1::cli {

/// One step of --waves: a number of apps, or a percentage of them; cumulative ("1,10%,100%": one
/// app, then up to 10% of them, then all).
struct wave_step {
    unsigned value = 0;
    bool percent = false;
};

inline constexpr std::size_t max_wave_steps = 100;

/// Reads --waves: steps separated by commas, each N (1 to 100,000) or P% (1 to 100).
std::variant<std::vector<wave_step>, std::string> parse_waves(std::string_view text);

struct rollout_plan {
    /// Launch position -> task index. Canaries first (in file order), then the rest in file order.
    std::vector<std::size_t> order;
    /// One past each wave's last launch position; the last is the number of tasks. One entry: one wave.
    std::vector<std::size_t> wave_ends;
    std::size_t canaries = 0;  // > 0: the first wave is the canaries
};

/// The canaries are the tasks marked `canary = true`, and with --canary N (`canary_count`) the first
/// unmarked tasks in file order until there are N. The other tasks are cut into `waves`: each step
/// is a cumulative count of them (a percentage rounds up), a step that adds nothing is dropped, and
/// a last wave takes whatever the steps leave.
rollout_plan plan_rollout(const std::vector<bool>& marked, std::size_t canary_count, const std::vector<wave_step>& waves);

}  // namespace r1::cli
