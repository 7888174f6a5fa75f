#pragma once
/// Pieces every adapter after fly shares, free of any event loop: reading its options, its app-name
/// rule, finding its CLI and the dry run's common layout (argv, directory, variable names, what it
/// expects, how success is proven).
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

/// One command of a dry run.
struct preview_step {
    std::vector<std::string> argv;
    std::string when;  // "" for always, else the condition ("unless --image is given")
};

/// What a dry run prints, in one layout for every provider:
///   # r1 deploy --provider P --app A: dry run, nothing is started
///   run:      argv            (one line per step, with its condition)
///   in:       directory
///   env:      NAMES (their values come from r1's environment, unchanged)
///   sets:     NAME=value r1 adds for the CLI (never a credential)
///   expects:  what the CLI needs to find
///   success:  how r1 proves the deploy
///   health:   the URL checked afterwards
struct preview_text {
    std::string provider;
    std::string app;
    std::vector<preview_step> steps;
    std::string dir;
    std::vector<std::string> env_names;
    std::vector<std::string> env_set;
    std::vector<std::string> expects;
    std::string success;
    std::string health;
};
std::string render_preview(const preview_text& p);

}  // namespace r1::providers
