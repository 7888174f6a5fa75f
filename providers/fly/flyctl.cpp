#include "providers/fly/flyctl.hpp"

#include "proc/find_executable.hpp"
#include "providers/cli_step.hpp"
#include "providers/fly/fly_json.hpp"
#include "providers/fly/fly_lifecycle.hpp"

namespace r1::providers::fly {

result<std::string> resolve_flyctl(std::string_view explicit_path, std::string_view path_env) {
    if (!explicit_path.empty()) {
        if (proc::is_executable_file(std::string(explicit_path)))
            return proc::find_executable(explicit_path, path_env).value_or(std::string(explicit_path));
        return make_error_code(error::cli_not_found);
    }
    for (std::string_view name : {"flyctl", "fly"})
        if (auto found = proc::find_executable(name, path_env)) return *found;
    return make_error_code(error::cli_not_found);
}

std::vector<std::string> flyctl_deploy_argv(const fly_deploy_spec& spec) {
    if (spec.rollback) return flyctl_rollback_argv(spec.flyctl, spec.app, spec.image);
    std::vector<std::string> argv{spec.flyctl, "deploy", "--app", spec.app, "--region", spec.region};
    if (!spec.image.empty()) {
        argv.emplace_back("--image");
        argv.push_back(spec.image);
    }
    return argv;
}

boost::asio::awaitable<deploy_outcome> run_flyctl_deploy(proc::runner& runner, fly_deploy_spec spec) {
    cli_step step;
    step.what = "flyctl deploy (app " + spec.app + ")";
    step.argv = flyctl_deploy_argv(spec);
    step.cwd = spec.dir;
    step.deadline = spec.deadline;
    step.on_output = std::move(spec.on_output);
    // flyctl (v0.4.56 on) then prints {"id","version","image_ref"} on stdout after a good deploy
    // (internal/command/deploy/machines_deploymachinesapp.go): the release to prove.
    step.env = {"FLY_EMIT_RELEASE_JSON=1"};
    auto ran = co_await run_cli_step(runner, std::move(step));
    if (!ran.outcome.ec)
        if (auto r = find_release_line(ran.output.out_tail)) {
            ran.outcome.release = std::to_string(r->version);
            ran.outcome.image = r->image_ref;
        }
    co_return std::move(ran.outcome);
}

}  // namespace r1::providers::fly
