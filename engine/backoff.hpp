#pragma once
/// Retry delays: exponential backoff with full jitter (AWS Architecture Blog, "Exponential Backoff
/// And Jitter"): each delay is uniform in [0, min(cap, base * 2^attempt)], so retries from many
/// tasks spread out instead of arriving together.
#include <chrono>
#include <cstdint>
#include <random>

namespace r1::engine {

struct backoff_policy {
    std::chrono::milliseconds base{1000};
    std::chrono::milliseconds cap{60'000};
};

class backoff {
public:
    /// `seed` makes a run reproducible in tests; the CLI seeds from std::random_device.
    explicit backoff(backoff_policy policy, std::uint64_t seed) : policy_(policy), rng_(seed) {}

    /// The ceiling for retry number `attempt` (0-based): min(cap, base * 2^attempt).
    std::chrono::milliseconds ceiling(unsigned attempt) const noexcept;
    /// A jittered delay for retry number `attempt`.
    std::chrono::milliseconds next(unsigned attempt);

private:
    backoff_policy policy_;
    std::mt19937_64 rng_;
};

}  // namespace r1::engine
