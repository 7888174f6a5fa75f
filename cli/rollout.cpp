#include "cli/rollout.hpp"

#include "engine/text/text.hpp"

#include <algorithm>
#include <charconv>

namespace r1::cli {

std::variant<std::vector<wave_step>, std::string> parse_waves(std::string_view text) {
    const std::string usage = "invalid --waves " + engine::quoted(text) +
                              ": use counts and percentages separated by commas, like 1,10%,100% "
                              "(counts 1 to 100000, percentages 1% to 100%)";
    std::vector<wave_step> steps;
    while (true) {
        auto comma = text.find(',');
        auto item = text.substr(0, comma);
        wave_step step;
        step.percent = item.ends_with('%');
        if (step.percent) item.remove_suffix(1);
        unsigned long n = 0;
        bool digits = !item.empty() && item.size() <= 6 && item.find_first_not_of("0123456789") == std::string_view::npos;
        if (digits) std::from_chars(item.data(), item.data() + item.size(), n);
        if (!digits || n < 1 || n > (step.percent ? 100ul : 100'000ul)) return usage;
        step.value = static_cast<unsigned>(n);
        steps.push_back(step);
        if (steps.size() > max_wave_steps) return "--waves has more than " + std::to_string(max_wave_steps) + " steps";
        if (comma == std::string_view::npos) break;
        text.remove_prefix(comma + 1);
    }
    return steps;
}

rollout_plan plan_rollout(const std::vector<bool>& marked, std::size_t canary_count, const std::vector<wave_step>& waves) {
    const std::size_t n = marked.size();
    std::vector<bool> canary = marked;
    std::size_t canaries = static_cast<std::size_t>(std::count(marked.begin(), marked.end(), true));
    for (std::size_t i = 0; i < n && canaries < canary_count; ++i)
        if (!canary[i]) {
            canary[i] = true;
            ++canaries;
        }
    rollout_plan plan;
    plan.canaries = canaries;
    plan.order.reserve(n);
    for (std::size_t i = 0; i < n; ++i)
        if (canary[i]) plan.order.push_back(i);
    for (std::size_t i = 0; i < n; ++i)
        if (!canary[i]) plan.order.push_back(i);
    if (canaries > 0 && canaries < n) plan.wave_ends.push_back(canaries);
    const std::size_t rest = n - canaries;
    std::size_t done = 0;
    for (const auto& s : waves) {
        std::size_t upto = s.percent ? (rest * s.value + 99) / 100 : std::min<std::size_t>(s.value, rest);
        if (upto <= done) continue;
        done = upto;
        if (done < rest) plan.wave_ends.push_back(canaries + done);
    }
    plan.wave_ends.push_back(n);
    return plan;
}

}  // namespace r1::cli
