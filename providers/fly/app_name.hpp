#pragma once
/// fly.io app names: they become <name>.fly.dev, so they follow DNS label rules.
#include <string>
#include <string_view>

namespace r1::providers::fly {

inline constexpr std::size_t max_app_name = 63;

/// Why `name` is not a valid fly.io app name, in one line; "" when it is valid.
std::string app_name_problem(std::string_view name);

}  // namespace r1::providers::fly
