#pragma once
/// Fleet manifests: the TOML file of `r1 deploy --batch` and the URL list of `r1 verify --batch`,
/// read and validated as a whole before anything runs. Free of Asio, so it can be fuzzed alone.
#include "providers/deploy_config.hpp"

#include <cstddef>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace r1::providers {

inline constexpr std::size_t max_manifest_bytes = 16 * 1024 * 1024;
inline constexpr std::size_t max_fleet_tasks = 100'000;

struct fleet_task {
    std::string name;  // the app name; for a URL list, the URL
    deploy_config cfg;
    std::size_t line = 0;  // where the task was declared (1-based)
};

struct manifest_problem {
    std::size_t line = 0;  // 0 when it concerns the whole file
    std::string message;   // one printable line
};

struct fleet_manifest {
    std::vector<fleet_task> tasks;         // valid only when problems is empty
    std::vector<manifest_problem> problems;  // every problem found, in line order
};

/// The command line's part. Its flags override [defaults]; a key set on an app overrides both.
struct manifest_base {
    deploy_config cli;                   // built-in defaults, with the flags the command line gave
    std::vector<std::string> cli_keys;   // manifest names of those flags ("region", "health_timeout")
    std::string base_dir;                // a relative `dir` is taken relative to it; "" keeps it as is
    bool verify = false;                 // every task is a verification: a name is optional
};

/// The keys an [[app]] or [defaults] table may set, in the order the README lists them.
std::span<const std::string_view> manifest_keys();

/// Reads a TOML fleet manifest:
///   [defaults]  any per-app key
///   [[app]]     name = "api", and any other key
fleet_manifest read_fleet_manifest(std::string_view text, const manifest_base& base);

/// Reads a list of health URLs, one per line; blank lines and lines starting with # are skipped.
fleet_manifest read_url_list(std::string_view text, const manifest_base& base);

/// A verify batch file may be either: it is a URL list unless its first line that is not blank or a
/// comment opens a table or sets a key.
bool looks_like_url_list(std::string_view text);

/// The closest of `choices` to a mistyped `word`, or "" when none is close.
std::string_view did_you_mean(std::string_view word, std::span<const std::string_view> choices);

}  // namespace r1::providers
