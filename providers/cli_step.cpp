#include "providers/cli_step.hpp"

#include "engine/text/text.hpp"

#include <cstring>

namespace r1::providers {

std::string output_excerpt(std::string_view text) {
    return engine::tail_chars(engine::printable(text), stderr_excerpt_chars);
}

std::string describe_ending(const proc::run_output& out) {
    if (out.timed_out) return "timed out and was stopped";
    if (out.signal != 0) {
        const char* name = ::sigabbrev_np(out.signal);
        return "was killed by signal " + std::to_string(out.signal) + (name ? std::string(" (SIG") + name + ")" : "");
    }
    return "exited " + std::to_string(out.exit_code);
}

boost::asio::awaitable<cli_step_result> run_cli_step(proc::runner& runner, cli_step step) {
    std::string program = step.argv.empty() ? std::string() : step.argv.front();
    proc::run_request req;
    req.argv = std::move(step.argv);
    req.cwd = std::move(step.cwd);
    req.env = std::move(step.env);
    req.deadline = step.deadline;
    req.tail_bytes = step.tail_bytes;
    if (step.on_output) req.on_output = [sink = std::move(step.on_output)](proc::stream, std::string_view chunk) { sink(chunk); };
    auto ran = co_await runner.run(std::move(req));
    cli_step_result result;
    if (!ran) {
        result.outcome = {make_error_code(error::provider_failed), "could not start " + engine::printable(program, true) + ": " +
                                                     ran.error().message()};
        co_return result;
    }
    result.output = std::move(*ran);
    const auto& out = result.output;
    if (out.cancelled) {
        result.outcome = {make_error_code(error::interrupted), step.what + " was interrupted"};
    } else if (!out.succeeded()) {
        std::string message = step.what + " " + describe_ending(out);
        auto excerpt = output_excerpt(out.err_tail);
        if (!excerpt.empty()) message += ": " + excerpt;
        result.outcome = {make_error_code(error::provider_failed), std::move(message)};
        result.outcome.timed_out = out.timed_out;
    }
    co_return result;
}

}  // namespace r1::providers
