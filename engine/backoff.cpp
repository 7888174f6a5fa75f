#include "engine/backoff.hpp"

#include <algorithm>

namespace r1::engine {

std::chrono::milliseconds backoff::ceiling(unsigned attempt) const noexcept {
    auto ceiling = policy_.base;
    for (unsigned i = 0; i < attempt && ceiling < policy_.cap; ++i) ceiling *= 2;
    return std::min(ceiling, policy_.cap);
}

std::chrono::milliseconds backoff::next(unsigned attempt) {
    auto top = ceiling(attempt).count();
    std::uniform_int_distribution<std::int64_t> pick(0, top);
    return std::chrono::milliseconds(pick(rng_));
}

}  // namespace r1::engine
