#include "engine/watch_state.hpp"

#include <algorithm>
#include <numeric>

namespace r1::engine {

const char* to_string(target_state s) noexcept {
    switch (s) {
    case target_state::up: return "up";
    case target_state::down: return "down";
    case target_state::unknown: break;
    }
    return "unknown";
}

alert_tracker::change alert_tracker::record(bool ok, const alert_policy& policy) noexcept {
    if (ok) {
        failures_ = 0;
        ++successes_;
        if (state_ == target_state::unknown) {
            state_ = target_state::up;
            return change::none;
        }
        if (state_ == target_state::down && successes_ >= std::max(1u, policy.recover_after)) {
            state_ = target_state::up;
            return change::came_up;
        }
        return change::none;
    }
    successes_ = 0;
    ++failures_;
    if (state_ != target_state::down && failures_ >= std::max(1u, policy.fail_after)) {
        state_ = target_state::down;
        return change::went_down;
    }
    return change::none;
}

round_tally::verdict round_tally::current() const noexcept {
    if (targets_ < inconclusive_min_targets) return verdict::conclusive;
    // Inconclusive iff failed * 2 > targets; failures only grow as results arrive.
    if (failed_ * 2 > targets_) return verdict::inconclusive;
    std::size_t may_still_fail = targets_ - done_;
    if ((failed_ + may_still_fail) * 2 <= targets_) return verdict::conclusive;
    return verdict::pending;
}

round_plan::round_plan(std::size_t n, std::mt19937_64& rng) : order_(n) {
    std::iota(order_.begin(), order_.end(), 0u);
    std::shuffle(order_.begin(), order_.end(), rng);
}

std::vector<std::chrono::nanoseconds> round_plan::offsets(std::chrono::nanoseconds interval,
                                                          std::mt19937_64& rng) const {
    std::vector<std::chrono::nanoseconds> out(order_.size());
    if (order_.empty()) return out;
    const double slice = static_cast<double>(interval.count()) / static_cast<double>(order_.size());
    std::uniform_real_distribution<double> within(0.0, 1.0);
    for (std::size_t i = 0; i < order_.size(); ++i) {
        auto at = static_cast<std::int64_t>((static_cast<double>(order_[i]) + within(rng)) * slice);
        out[i] = std::chrono::nanoseconds(std::clamp<std::int64_t>(at, 0, interval.count() - 1));
    }
    return out;
}

}  // namespace r1::engine
