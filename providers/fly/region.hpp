#pragma once
/// fly.io region codes (iad, fra, syd): what `--region` and a manifest's `region` may hold.
#include <string>
#include <string_view>

namespace r1::providers::fly {

inline constexpr std::size_t max_region_length = 16;
/// The region when neither the user nor anything else names one.
inline constexpr std::string_view default_region = "iad";

/// Why `region` is not a region code, in one line; "" when it is one.
std::string region_problem(std::string_view region);

}  // namespace r1::providers::fly
