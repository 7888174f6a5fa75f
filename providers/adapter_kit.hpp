#pragma once
/// Pieces every adapter after fly shares, free of any event loop: reading its options, its app-name
/// rule, finding its CLI, argv as a shell shows it (the plan's layout is providers::render_plan).
#include "engine/error.hpp"
#include "providers/deploy_config.hpp"

#include <chrono>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace r1::providers {

/// The option's value as the settings table kept it, or "" when not set.
std::string option_of(const deploy_config& cfg, std::string_view key);
/// A duration option, or `fallback` when not set (the table checked it already).
std::chrono::milliseconds duration_option(const deploy_config& cfg, std::string_view key, std::chrono::milliseconds fallback);
/// A count option, or `fallback` when not set.
unsigned count_option(const deploy_config& cfg, std::string_view key, unsigned fallback);
bool switch_option(const deploy_config& cfg, std::string_view key);

/// Why `app` cannot name an app: 1 to `max` characters of lowercase letters, digits and
/// `punctuation`, starting and ending with a letter or digit. `whose` names the rule in the message
/// ("Vercel project names"). "" when it can.
std::string label_problem(std::string_view app, std::string_view whose, std::size_t max, std::string_view punctuation);

/// Why a value passed to a CLI as one argument would be misread: empty, a leading dash (taken for a
/// flag), a control byte, over 256 bytes. `what` is the setting's flag. "" when fine.
std::string argument_problem(std::string_view value, std::string_view what);

/// `explicit_path` when given (an executable file), else the first of `names` on `path_env`.
/// Fails with error::cli_not_found.
result<std::string> locate_program(std::string_view explicit_path, std::span<const std::string_view> names,
                                   std::string_view path_env);

/// "NAME not found on $PATH: install it ... or pass --FLAG PATH", or, for a given path, that it is not
/// an executable file.
std::string missing_program(std::string_view given, std::string_view name, std::string_view install, std::string_view flag);

/// argv as a shell would show it: words with spaces, quotes or other special bytes in single quotes.
std::string shell_words(const std::vector<std::string>& argv);

}  // namespace r1::providers
