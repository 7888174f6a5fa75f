#include "providers/flyctl.hpp"

#include "engine/text.hpp"
#include "proc/find_executable.hpp"

#include <csignal>
#include <cstring>

namespace r1::providers {

result<std::string> resolve_flyctl(std::string_view explicit_path, std::string_view path_env) {
    if (!explicit_path.empty()) {
        if (proc::is_executable_file(std::string(explicit_path)))
            return proc::find_executable(explicit_path, path_env).value_or(std::string(explicit_path));
        return make_error_code(error::flyctl_not_found);
    }
    for (std::string_view name : {"flyctl", "fly"})
        if (auto found = proc::find_executable(name, path_env)) return *found;
    return make_error_code(error::flyctl_not_found);
}

std::vector<std::string> flyctl_deploy_argv(const fly_deploy_spec& spec) {
    std::vector<std::string> argv{spec.flyctl, "deploy", "--app", spec.app, "--region", spec.region};
    if (!spec.image.empty()) {
        argv.emplace_back("--image");
        argv.push_back(spec.image);
    }
    return argv;
}

namespace {

std::string ending(const proc::run_output& out) {
    if (out.timed_out) return "timed out and was stopped";
    if (out.signal != 0) {
        const char* name = ::sigabbrev_np(out.signal);
        return "was killed by signal " + std::to_string(out.signal) + (name ? std::string(" (SIG") + name + ")" : "");
    }
    return "exited " + std::to_string(out.exit_code);
}

}  // namespace

boost::asio::awaitable<step_outcome> run_flyctl_deploy(proc::runner& runner, fly_deploy_spec spec) {
    const std::string what = "flyctl deploy (app " + spec.app + ")";
    proc::run_request req;
    req.argv = flyctl_deploy_argv(spec);
    req.cwd = spec.dir;
    req.deadline = spec.deadline;
    if (spec.on_output) req.on_output = [sink = spec.on_output](proc::stream, std::string_view chunk) { sink(chunk); };

    auto ran = co_await runner.run(std::move(req));
    if (!ran) co_return step_outcome{make_error_code(error::provider_failed),
                                     "could not start " + engine::printable(spec.flyctl, true) + ": " +
                                         ran.error().message()};
    const auto& out = *ran;
    if (out.cancelled) co_return step_outcome{make_error_code(error::interrupted), what + " was interrupted"};
    if (out.succeeded()) co_return step_outcome{};

    std::string message = what + " " + ending(out);
    auto excerpt = engine::tail_chars(engine::printable(out.err_tail), stderr_excerpt_chars);
    if (!excerpt.empty()) message += ": " + excerpt;
    co_return step_outcome{make_error_code(error::provider_failed), std::move(message)};
}

}  // namespace r1::providers
