#pragma once
/// One run of a provider CLI as a deploy step: how it ended, in the words an operator needs
/// ("flyctl deploy (app web) exited 1: Error: app not found"). Every adapter's steps go through it.
#include "proc/runner.hpp"
#include "providers/provider.hpp"

#include <boost/asio/awaitable.hpp>

#include <chrono>
#include <functional>
#include <string>
#include <vector>

namespace r1::providers {

/// How much of the CLI's stderr an error message quotes.
inline constexpr std::size_t stderr_excerpt_chars = 500;

struct cli_step {
    std::string what;               // "flyctl deploy (app web)": the head of every message about it
    std::vector<std::string> argv;  // argv[0] is the CLI's resolved path; no shell
    std::string cwd;
    std::vector<std::string> env;   // "NAME=value" set over the inherited environment; never a credential
    std::chrono::steady_clock::time_point deadline;
    std::function<void(std::string_view)> on_output;  // stdout and stderr, live; may be empty
    std::size_t tail_bytes = 64 * 1024;  // how much of each stream the result keeps
};

/// Runs the step. A non-zero exit, a signal or the deadline become provider_failed with the CLI's
/// last stderr (timed_out set at the deadline); r1 being cancelled becomes interrupted; a CLI that
/// cannot start is provider_failed.
/// The outcome's url, release and image stay empty: the adapter reads them from `output`.
struct cli_step_result {
    deploy_outcome outcome;
    proc::run_output output;  // what the runner saw (empty when the CLI did not start)
};
boost::asio::awaitable<cli_step_result> run_cli_step(proc::runner& runner, cli_step step);

/// The last stderr_excerpt_chars of a CLI's output, printable, for a message ("" when it is blank).
std::string output_excerpt(std::string_view text);

/// "exited 1", "was killed by signal 9 (SIGKILL)", "timed out and was stopped".
std::string describe_ending(const proc::run_output& out);

}  // namespace r1::providers
