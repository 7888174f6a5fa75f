#pragma once
/// The decisions of `r1 verify --every` that need no clock or network, so tests drive them
/// directly: when a target changes state (flap suppression), when a round is inconclusive, and
/// where in the interval each target's check goes.
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <random>
#include <vector>

namespace r1::engine {

enum class target_state { unknown, up, down };

const char* to_string(target_state s) noexcept;

struct alert_policy {
    unsigned fail_after = 2;     // consecutive failures that take a target down
    unsigned recover_after = 2;  // consecutive successes that bring a down target back up
};

/// One target's consecutive results and the state they add up to. A target starts unknown: its
/// first success makes it up without an event (starting r1 pages nobody), fail_after failures in a
/// row make it down from unknown or up, and only recover_after successes in a row bring it back.
class alert_tracker {
public:
    enum class change { none, went_down, came_up };

    change record(bool ok, const alert_policy& policy) noexcept;

    target_state state() const noexcept { return state_; }
    unsigned consecutive_failures() const noexcept { return failures_; }
    unsigned consecutive_successes() const noexcept { return successes_; }

private:
    target_state state_ = target_state::unknown;
    unsigned failures_ = 0;
    unsigned successes_ = 0;
};

/// A round is inconclusive when more than half of its targets failed and it has at least this
/// many: with a handful of targets, "most of them" says nothing about r1's own network.
inline constexpr std::size_t inconclusive_min_targets = 5;

/// The results of one round as they arrive. The verdict is known before the round ends: as soon
/// as more than half have failed (inconclusive) or so many succeeded that the rest cannot make it
/// inconclusive (conclusive). A target skipped because its previous check was still running
/// counts as done and not failed.
class round_tally {
public:
    enum class verdict { pending, conclusive, inconclusive };

    explicit round_tally(std::size_t targets) noexcept : targets_(targets) {}

    void add(bool ok) noexcept {
        ++done_;
        if (!ok) ++failed_;
    }
    void add_skipped() noexcept {
        ++done_;
        ++skipped_;
    }

    verdict current() const noexcept;
    bool complete() const noexcept { return done_ >= targets_; }
    std::size_t targets() const noexcept { return targets_; }
    std::size_t done() const noexcept { return done_; }
    std::size_t failed() const noexcept { return failed_; }
    std::size_t skipped() const noexcept { return skipped_; }

private:
    std::size_t targets_;
    std::size_t done_ = 0;
    std::size_t failed_ = 0;
    std::size_t skipped_ = 0;
};

/// Where each of `n` targets is checked within an interval: the interval cut into n equal slices,
/// target i in slice order[i] at a uniformly random point of it. The checks are spread evenly (no
/// thundering herd), two checks of one target are an interval apart give or take one slice, and
/// a fresh draw each round keeps any one target from always being first.
class round_plan {
public:
    /// `order` is a random permutation of 0..n-1, drawn once per target set: neighbours in a file
    /// (often one host's URLs) do not land in neighbouring slices.
    round_plan(std::size_t n, std::mt19937_64& rng);

    /// Offsets for one round, indexed by target, each in [0, interval).
    std::vector<std::chrono::nanoseconds> offsets(std::chrono::nanoseconds interval, std::mt19937_64& rng) const;
    std::size_t slice_of(std::size_t target) const noexcept { return order_[target]; }

private:
    std::vector<std::uint32_t> order_;
};

}  // namespace r1::engine
