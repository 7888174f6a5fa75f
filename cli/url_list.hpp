#pragma once
/// The URL list of `r1 verify --batch FILE` (and of `r1 verify URL...`): one health URL per line.
#include "cli/fleet_tasks.hpp"

#include <string_view>

namespace r1::cli {

/// Reads a list of health URLs, one per line; blank lines and lines starting with # are skipped.
fleet_manifest read_url_list(std::string_view text, const manifest_base& base);

}  // namespace r1::cli
