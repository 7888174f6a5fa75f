#pragma once
/// Writing TOML values safely: every string r1 puts in a TOML file goes through here.
#include <string>
#include <string_view>

namespace r1::providers {

/// A TOML basic string, quotes included, with ", \ and control characters escaped (TOML 1.0 §String).
/// Invalid UTF-8 bytes become U+FFFD, since TOML documents must be valid UTF-8.
std::string toml_string(std::string_view value);

}  // namespace r1::providers
