#pragma once
/// Command-line parsing for r1: subcommands, flags, and the help texts.
#include "providers/deploy.hpp"

#include <string>
#include <string_view>
#include <variant>
#include <vector>

namespace r1::cli {

enum class action { show_help, show_deploy_help, show_version, deploy, classify };

struct command {
    action what = action::show_help;
    deploy_config deploy;
    std::string ca_file;       // extra trust anchor for the health GET
    bool json_output = false;  // --output json: NDJSON events on stdout
};

struct usage_problem {
    std::string message;  // one line, without the "r1: " prefix
};

/// No argument may be longer than this; real values are far shorter, and it bounds every message.
inline constexpr std::size_t max_argument_length = 8192;

std::variant<command, usage_problem> parse_args(const std::vector<std::string_view>& args);

std::string_view main_help();
std::string_view deploy_help();

}  // namespace r1::cli
