#pragma once
/// Command-line parsing for r1: subcommands, the flags of the settings table, and the help texts.
#include "cli/command.hpp"

#include <string>
#include <string_view>
#include <variant>
#include <vector>

namespace r1::cli {

struct usage_problem {
    std::string message;  // one line, without the "r1: " prefix
};

/// No argument may be longer than this; real values are far shorter, and it bounds every message.
inline constexpr std::size_t max_argument_length = 8192;

std::variant<command, usage_problem> parse_args(const std::vector<std::string_view>& args);

std::string_view main_help();
std::string_view deploy_help();
std::string_view verify_help();
std::string_view report_help();
std::string_view rollback_help();

}  // namespace r1::cli
