#pragma once
/// Every setting of `r1 deploy` and `r1 verify`, defined once: its flag, its manifest key, where its
/// value is kept, its kind and its help. The flag parser, --help, the manifest reader, its "did you
/// mean" and the command line's override of [defaults] all read this one table. A provider's own
/// settings (its CLI's path...) join it from the provider (providers::provider::options()).
#include "cli/command.hpp"
#include "providers/provider_option.hpp"

#include <chrono>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <variant>

namespace r1::cli {

/// How a value is written; the kind decides the checks and their messages, so that every duration
/// (say) is read and refused in the same words.
enum class value_kind {
    text,      // a non-empty string, checked later by the rule of what it names (URL, app name...)
    duration,  // 500ms, 15s, 2m, 1h30m, at most 168h; a string in a manifest
    count,     // a whole number from `min` to `max`; an integer in a manifest
    on,        // a switch: no value on the command line
    toggle,    // a switch on the command line; true or false in a manifest
    format,    // --output: text or json
};

/// A provider's own setting, kept in deploy_config::options under this key, as text.
struct option_key {
    std::string_view key;
    providers::option_kind kind = providers::option_kind::text;
};

/// A flag with a rule of its own (watch mode's): reads the value into `cmd`, or says what is wrong.
using flag_reader = std::optional<std::string> (*)(command& cmd, std::string_view value);

using setting_target =
    std::variant<std::string deploy_config::*, std::chrono::milliseconds deploy_config::*, unsigned deploy_config::*,
                 bool deploy_config::*, std::string batch_options::*, unsigned batch_options::*, bool batch_options::*,
                 std::string command::*, unsigned command::*, bool command::*, option_key, flag_reader>;

/// Where a flag is taken. Batch flags of `r1 deploy` need --batch FILE; watch flags of `r1 verify`
/// need --every (itself in_watch too, for --help). `shard_agreed` is not a place: it marks a flag
/// without a manifest key that the shards of one fleet must still agree on (every flag with a key
/// is such a flag already).
enum setting_scope : unsigned {
    in_deploy = 1, in_batch = 2, in_verify = 4, in_report_merge = 8, shard_agreed = 16, in_rollback = 32, in_watch = 64
};

struct setting {
    std::string_view flag;        // "--region"
    std::string_view key;         // the manifest key, "" for a flag of the command line only
    std::string_view value_name;  // "CODE" in --help; "" for a switch
    value_kind kind;
    setting_target target;
    unsigned scopes;
    std::string_view help;         // a line break starts an indented continuation line
    std::string_view verify_help;  // what `r1 verify --help` says instead, if it says something else
    unsigned min = 0;              // a count's range
    unsigned max = 0;
    bool zero_allowed = false;     // a duration that may be 0 ("0", "0s": --warmup 0 turns re-checks off)
};

/// The manifest's own keys beyond the table: `name` is the app's (the --app flag's in a manifest).
inline constexpr std::string_view app_name_key = "name";

/// r1's settings in --help order, each wired provider's options after --dir.
std::span<const setting> settings();
const setting* find_flag(std::string_view flag);
const setting* find_key(std::string_view key);
/// Every manifest key, in table order: for "did you mean" and the list in messages.
std::span<const std::string_view> manifest_keys();

/// A value as a TOML manifest gives it.
using manifest_value = std::variant<std::string, std::int64_t, bool>;

/// Reads a flag's value (empty for a switch) into `cmd`; on a problem, the one-line message.
std::optional<std::string> apply_flag(const setting& s, command& cmd, std::string_view text);
/// Reads a manifest key's value into one task; on a problem, the one-line message.
std::optional<std::string> apply_key(const setting& s, deploy_config& cfg, const manifest_value& value);
/// Copies a task setting from `from` to `to`: the command line's flags over a manifest's [defaults].
void copy_setting(const setting& s, const deploy_config& from, deploy_config& to);

/// The closest of `choices` to a mistyped `word`, or "" when none is close.
std::string_view did_you_mean(std::string_view word, std::span<const std::string_view> choices);

}  // namespace r1::cli
