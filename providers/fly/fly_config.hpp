#pragma once
/// The app configuration flyctl will read for a deploy, found the way flyctl finds it, and the
/// primary_region it names: `--config PATH` (or `-c`) among the arguments passed through to
/// `flyctl deploy` (PATH, else PATH/fly.toml when PATH does not exist), else fly.toml, fly.json,
/// fly.yaml in the directory flyctl runs in (flyctl: internal/command/command.go, appConfigFilePaths
/// and LoadAppConfigIfPresent; internal/appconfig/serde.go, LoadConfig). No Asio.
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace r1::providers::fly {

/// The value of the last `--config X`, `--config=X`, `-c X`, `-cX` or `-c=X` in `args`, as pflag reads
/// them; nullopt when there is none.
std::optional<std::string> config_flag(const std::vector<std::string>& args);

struct app_config {
    std::string path;           // the file flyctl opens (relative paths joined to `dir`); "" when it reads none
    bool exists = false;        // a regular file (or a link to one) is there
    bool from_flag = false;     // named by --config among the provider arguments
    std::string problem;        // why flyctl would fail to read it (a --config naming nothing, a directory)
    std::string primary_region;  // as the file writes it; "" when it names none or r1 cannot read it
    std::string text;           // the file's first max_config_bytes, when it exists
    bool cut = false;           // the file is longer than text
};

inline constexpr std::size_t max_config_bytes = 64 * 1024;

/// What flyctl will read when run in `dir` with `provider_args` after `flyctl deploy --app ...`.
app_config find_app_config(const std::string& dir, const std::vector<std::string>& provider_args);

/// `primary_region` at the top level of a fly.toml (before any [table]), as a basic or literal string;
/// "" when absent or written some other way. A line reader, not a TOML parser: enough for the key
/// flyctl writes as `primary_region = 'iad'`.
std::string toml_primary_region(std::string_view text);
/// The same, for fly.json: the top-level "primary_region" string.
std::string json_primary_region(std::string_view text);
/// The same, for fly.yaml: a `primary_region: iad` line at the top level (not indented).
std::string yaml_primary_region(std::string_view text);

}  // namespace r1::providers::fly
