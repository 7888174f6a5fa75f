#include "providers/docker/docker_provider.hpp"

#include "providers/adapter_kit.hpp"
#include "providers/cli_step.hpp"
#include "providers/image_ref.hpp"

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>

#include <array>
#include <ctime>

namespace r1::providers::docker {
namespace {

constexpr std::string_view cli_key = "docker";
constexpr std::string_view port_key = "docker_port";
constexpr std::string_view container_port_key = "docker_container_port";
constexpr std::string_view path_key = "docker_health_path";
constexpr std::string_view push_key = "docker_push";
constexpr std::string_view repository_key = "docker_repository";
constexpr std::string_view wait_key = "docker_wait";

constexpr unsigned default_port = 8080;
constexpr auto default_wait = std::chrono::seconds(60);
constexpr auto cleanup_timeout = std::chrono::seconds(30);

constexpr std::array<provider_option, 7> docker_options{{
    {"--docker", cli_key, "PATH", "docker binary (default: docker on $PATH)"},
    {"--docker-port", port_key, "PORT",
     "host port of slot a (default 8080); slot b is PORT+1. Each deploy starts\n"
     "the new container in the free slot, beside the old one", option_kind::count, 1, 65534},
    {"--docker-container-port", container_port_key, "PORT", "port the app listens on in the container (default: --docker-port)",
     option_kind::count, 1, 65535},
    {"--docker-health-path", path_key, "PATH", "path of the default health URL http://127.0.0.1:<port><path> (default /)"},
    {"--docker-push", push_key, "", "docker push the image before it runs (a registry login is the CLI's own)", option_kind::on},
    {"--docker-repository", repository_key, "NAME", "repository of the image r1 builds (default: the app name)"},
    {"--docker-wait", wait_key, "DURATION", "how long the new container has to become healthy (default 60s)",
     option_kind::duration},
}};

// The credentials docker itself reads live in its own store (~/.docker/config.json, credential
// helpers), which r1 neither reads nor writes. A registry password in r1's environment is masked
// by the name rule (…PASSWORD, …TOKEN).
constexpr std::array<std::string_view, 0> credentials{};

// Builds run on this machine: two at a time in a batch.
constexpr unsigned default_batch_cap = 2;

std::string utc_stamp() {
    std::time_t now = std::time(nullptr);
    std::tm utc{};
    ::gmtime_r(&now, &utc);
    char buf[32];
    std::strftime(buf, sizeof buf, "r1-%Y%m%dT%H%M%SZ", &utc);
    return buf;
}

/// Runs a clean-up step even while r1 is being interrupted: a coroutine spawned anew starts with no
/// cancellation of its own and lets only terminal cancellation (a second Ctrl-C) through, so the
/// first Ctrl-C does not also stop the `docker rm` that tidies up after it.
boost::asio::awaitable<cli_step_result> run_cleanup(proc::runner& runner, cli_step step) {
    auto ex = co_await boost::asio::this_coro::executor;
    co_return co_await boost::asio::co_spawn(ex, run_cli_step(runner, std::move(step)), boost::asio::use_awaitable);
}

cli_step step_of(const deploy_request& req, std::string what, std::vector<std::string> argv,
                 std::chrono::steady_clock::time_point deadline) {
    cli_step step;
    step.what = std::move(what);
    step.argv = std::move(argv);
    step.cwd = req.cfg.dir;
    step.deadline = deadline;
    step.on_output = req.on_output;
    return step;
}

}  // namespace

docker_settings settings_of(const deploy_config& cfg, std::string cli, std::string tag) {
    docker_settings s;
    s.docker = std::move(cli);
    s.app = cfg.app;
    s.image = cfg.image;
    s.repository = option_of(cfg, repository_key).empty() ? cfg.app : option_of(cfg, repository_key);
    s.tag = std::move(tag);
    s.push = switch_option(cfg, push_key);
    s.port = count_option(cfg, port_key, default_port);
    s.container_port = count_option(cfg, container_port_key, s.port);
    s.health_path = option_of(cfg, path_key).empty() ? "/" : option_of(cfg, path_key);
    return s;
}

std::span<const provider_option> docker_provider::options() const { return docker_options; }

void docker_provider::apply_defaults(deploy_config&) const {}

// Container names take [a-zA-Z0-9][a-zA-Z0-9_.-]; a built image's default repository is the app
// name, and repositories are lowercase: so lowercase letters, digits, '_', '.', '-'.
std::string docker_provider::app_name_problem(std::string_view app) const {
    return label_problem(app, "app names for docker (container and image names)", 63, "_.-");
}

std::vector<std::string> docker_provider::problems(const deploy_config& cfg) const {
    std::vector<std::string> out;
    if (!cfg.image.empty())
        if (auto why = image_problem(cfg.image); !why.empty()) out.push_back(std::move(why));
    if (auto repo = option_of(cfg, repository_key); !repo.empty()) {
        if (!cfg.image.empty()) out.push_back("--docker-repository names an image r1 builds; with --image nothing is built");
        else if (auto why = image_problem(repo); !why.empty()) out.push_back("--docker-repository: " + why);
        else if (repo.find_first_of(":@") != std::string::npos && repo.find('/') == std::string::npos)
            out.push_back("--docker-repository " + repo + " takes no tag: r1 tags each build itself");
    }
    if (auto path = option_of(cfg, path_key); !path.empty())
        if (auto why = health_path_problem(path); !why.empty()) out.push_back(std::move(why));
    return out;
}

std::string docker_provider::preview(const deploy_config& cfg) const {
    auto cli = option_of(cfg, cli_key);
    auto s = settings_of(cfg, cli.empty() ? "docker" : cli, "r1-<UTC time>");
    std::vector<preview_step> steps{{list_argv(s), "to find the serving container: APP-a or APP-b"}};
    if (cfg.image.empty()) steps.push_back({build_argv(s), {}});
    if (s.push) steps.push_back({push_argv(s), {}});
    steps.push_back({run_argv(s, 'a'), "in the free slot (b: --name " + container_name(s.app, 'b') + ", --publish " +
                                           std::to_string(slot_port(s, 'b')) + ":" + std::to_string(s.container_port) + ")"});
    steps.push_back({remove_argv(s, container_name(s.app, 'b')),
                     "the old container, once the new one is healthy; else the new one, and the old keeps serving"});
    preview_text p{.provider = "docker",
                   .app = cfg.app,
                   .steps = std::move(steps),
                   .dir = cfg.dir,
                   .env_names = {"DOCKER_HOST", "DOCKER_CONFIG"},
                   .env_set = {},
                   .expects = {cfg.image.empty() ? "a Dockerfile in the directory" : "the image " + cfg.image,
                               "a Docker daemon (DOCKER_HOST or the default socket); registry logins are docker's own"},
                   .success = "every step exits 0 and the new container answers healthy at " + slot_url(s, 'a') +
                              " (or slot b's port) within " + (option_of(cfg, wait_key).empty() ? "60s" : option_of(cfg, wait_key)),
                   .health = cfg.health_url.empty() ? "the new container's URL, http://127.0.0.1:<its slot's port>" + s.health_path
                                                    : cfg.health_url};
    return render_preview(p);
}

result<std::string> docker_provider::locate_cli(const deploy_config& cfg, std::string_view path_env) const {
    static constexpr std::array<std::string_view, 1> names{"docker"};
    return locate_program(option_of(cfg, cli_key), names, path_env);
}

std::string docker_provider::cli_missing(const deploy_config& cfg) const {
    return missing_program(option_of(cfg, cli_key), "docker", "install Docker (https://docs.docker.com/engine/install/)", "--docker");
}

boost::asio::awaitable<deploy_outcome> docker_provider::deploy(proc::runner& runner, deploy_request req) const {
    auto s = settings_of(req.cfg, req.cli, utc_stamp());
    std::string app = " (app " + req.cfg.app + ")";
    auto fail = [](boost::system::error_code ec, std::string message) { return deploy_outcome{ec, std::move(message)}; };

    // 1. Which slot is free, and which container is serving now.
    auto listed = co_await run_cli_step(runner, step_of(req, "docker ps" + app, list_argv(s), req.deadline));
    if (listed.outcome.ec) co_return std::move(listed.outcome);
    auto slot = choose_slot(s.app, listed.output.out_tail);
    if (!slot.problem.empty()) co_return fail(make_error_code(error::provider_failed), "docker deploy" + app + ": " + slot.problem);

    // 2. The image: built (unless --image), then pushed when asked.
    if (s.image.empty()) {
        auto built = co_await run_cli_step(runner, step_of(req, "docker build" + app, build_argv(s), req.deadline));
        if (built.outcome.ec) co_return std::move(built.outcome);
    }
    if (s.push) {
        auto pushed = co_await run_cli_step(runner, step_of(req, "docker push" + app, push_argv(s), req.deadline));
        if (pushed.outcome.ec) co_return std::move(pushed.outcome);
    }

    // 3. The new container beside the old one.
    auto fresh = container_name(s.app, slot.fresh);
    auto remove_fresh = [&]() -> boost::asio::awaitable<std::string> {
        auto removed = co_await run_cleanup(
            runner, step_of(req, "docker rm" + app, remove_argv(s, fresh), std::chrono::steady_clock::now() + cleanup_timeout));
        co_return removed.outcome.ec ? "; removing it failed too: " + removed.outcome.message : std::string();
    };
    auto started = co_await run_cli_step(runner, step_of(req, "docker run" + app, run_argv(s, slot.fresh), req.deadline));
    if (started.outcome.ec) {
        // A run that failed may still have created the container (a port already taken): tidy up.
        auto tidy = co_await remove_fresh();
        (void)tidy;
        if (slot.old && started.outcome.ec != error::interrupted) started.outcome.message += "; " + *slot.old + " keeps serving";
        co_return std::move(started.outcome);
    }
    deploy_outcome outcome;
    outcome.image = image_ref(s);
    outcome.release = fresh;
    outcome.url = slot_url(s, slot.fresh);

    // 4. Proven healthy, or removed.
    std::string unhealthy;
    if (req.wait_healthy) unhealthy = co_await req.wait_healthy(outcome.url, duration_option(req.cfg, wait_key, default_wait));
    auto cs = co_await boost::asio::this_coro::cancellation_state;
    if (cs.cancelled() != boost::asio::cancellation_type::none) {
        auto tidy = co_await remove_fresh();
        co_return fail(make_error_code(error::interrupted), "docker deploy" + app + " was interrupted; removed " + fresh + tidy);
    }
    if (!unhealthy.empty()) {
        auto tidy = co_await remove_fresh();
        co_return fail(make_error_code(error::provider_failed),
                       "docker deploy" + app + ": the new container " + fresh + " did not become healthy at " + outcome.url +
                           " (" + unhealthy + "); removed it" + tidy +
                           (slot.old ? "; " + *slot.old + " keeps serving" : std::string()));
    }

    // 5. The old one goes.
    if (slot.old) {
        auto removed = co_await run_cli_step(runner, step_of(req, "docker rm" + app, remove_argv(s, *slot.old), req.deadline));
        if (removed.outcome.ec) {
            removed.outcome.message = "the new container " + fresh + " is healthy and serving, but " + removed.outcome.message;
            co_return std::move(removed.outcome);
        }
    }
    co_return outcome;
}

std::string docker_provider::default_health_url(const deploy_config&, const deploy_outcome* reported) const {
    return reported ? reported->url : std::string();
}

unsigned docker_provider::batch_concurrency() const { return default_batch_cap; }

std::span<const std::string_view> docker_provider::credential_variables() const { return credentials; }

}  // namespace r1::providers::docker
