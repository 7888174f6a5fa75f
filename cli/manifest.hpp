#pragma once
/// Fleet manifests: the TOML file of `r1 deploy --batch` (and of `r1 verify --batch`), read and
/// validated as a whole before anything runs. Free of Asio, so it can be fuzzed alone.
#include "cli/fleet_tasks.hpp"

#include <string_view>

namespace r1::cli {

/// Reads a TOML fleet manifest:
///   [defaults]  any per-app key of the settings table
///   [[app]]     name = "api", and any other key
fleet_manifest read_fleet_manifest(std::string_view text, const manifest_base& base);

/// A verify batch file may be either: it is a URL list unless its first line that is not blank or a
/// comment opens a table or sets a key.
bool looks_like_url_list(std::string_view text);

}  // namespace r1::cli
