#include "providers/deploy.hpp"

#include "engine/health_check.hpp"
#include "net/url.hpp"
#include "engine/classify.hpp"
#include "engine/repair_loop.hpp"
#include "engine/text.hpp"
#include "proc/find_executable.hpp"
#include "providers/criteria.hpp"
#include "providers/deploy_values.hpp"
#include "providers/fly_app_name.hpp"
#include "providers/fly_toml.hpp"
#include "providers/flyctl.hpp"
#include "providers/registry.hpp"
#include "r1/version.hpp"

#include <boost/asio/this_coro.hpp>

#include <filesystem>

namespace r1 {
namespace {

using sclock = std::chrono::steady_clock;

deploy_result fail(error e, std::string message) { return {make_error_code(e), {}, std::move(message)}; }

/// Everything that can be known wrong before anything runs.
std::optional<deploy_result> validate(const deploy_config& cfg) {
    if (auto problem = providers::provider_problem(cfg.provider); !problem.empty())
        return fail(error::provider_unsupported, problem);
    if (cfg.dry_run && cfg.verify_only) return fail(error::usage, "--dry-run and --verify-only cannot be combined");
    if (!cfg.app.empty())
        if (auto problem = providers::fly_app_name_problem(cfg.app); !problem.empty())
            return fail(error::usage, problem);
    if (auto problem = providers::region_problem(cfg.region); !problem.empty()) return fail(error::usage, "--" + problem);
    if (!cfg.image.empty())
        if (auto problem = providers::image_problem(cfg.image); !problem.empty()) return fail(error::usage, problem);
    if (!cfg.health_url.empty())
        if (auto problem = net::describe_url_error(cfg.health_url); !problem.empty())
            return fail(error::usage, "invalid --health-url: " + problem);
    return std::nullopt;
}

engine::health_config health_settings(const deploy_config& cfg, std::string url) {
    return {.url = std::move(url),
            .expected_body = cfg.expected_body,
            .user_agent = health_user_agent(),
            .allow_insecure_redirects = cfg.allow_insecure_redirects};
}

/// Runs the task through the descent loop and turns its outcome into the caller's result.
boost::asio::awaitable<deploy_result> run_loop(const deploy_config& cfg, const deploy_services& services,
                                               engine::deploy_step step, std::vector<engine::criterion*> criteria,
                                               const providers::health_criterion& health) {
    engine::steady_clock_source steady;
    engine::clock& clock = services.clock ? *services.clock : steady;
    engine::loop_policy policy;
    policy.retries = cfg.retries;
    policy.retry_budget = cfg.retry_budget;
    policy.dry_run = cfg.dry_run;
    engine::backoff jitter{policy.redeploy_backoff, services.seed};
    auto outcome = co_await engine::run_task(clock, std::move(policy), std::move(jitter), std::move(step),
                                             std::move(criteria), services.on_attempt);
    deploy_result result{outcome.last.ec, health.last_line(), {}, std::move(outcome.attempts),
                         std::move(outcome.criteria)};
    if (result.ec && outcome.last.detail != result.output) result.message = std::move(outcome.last.detail);
    co_return result;
}

}  // namespace

std::string fly_app_url(std::string_view app) { return "https://" + std::string(app) + ".fly.dev"; }

std::string health_user_agent() { return std::string("r1-deploy/") + version + " (+health)"; }

engine::health_config health_check_of(const deploy_config& cfg, std::string url) {
    auto hc = health_settings(cfg, std::move(url));
    hc.deadline = sclock::now() + cfg.health_timeout;
    return hc;
}

boost::asio::awaitable<deploy_result> deploy(deploy_config cfg, deploy_services services) {
    if (auto invalid = validate(cfg)) co_return *invalid;

    if (cfg.dry_run) {
        // The criteria still run, and soft-pass: a preview stays free of processes and network.
        providers::commit_criterion commit{services.runner, "", cfg.dir, true};
        providers::health_criterion health{services.http, health_settings(cfg, ""), cfg.health_timeout, true};
        std::vector<engine::criterion*> criteria{&commit, &health};
        engine::deploy_step no_deploy;
        auto result = co_await run_loop(cfg, services, std::move(no_deploy), std::move(criteria), health);
        result.output = providers::render_fly_toml_preview({.app = cfg.app, .region = cfg.region, .image = cfg.image});
        co_return result;
    }

    std::string url = !cfg.health_url.empty() ? cfg.health_url : cfg.app.empty() ? "" : fly_app_url(cfg.app);
    if (cfg.verify_only) {
        if (url.empty()) co_return fail(error::usage, "--verify-only needs --health-url URL or --app NAME");
        auto hc = health_check_of(cfg, std::move(url));  // named: GCC 12 and coroutine arguments
        auto report = co_await engine::check_health(services.http, std::move(hc));
        co_return deploy_result{report.ec, report.line, {}};
    }

    if (cfg.app.empty()) co_return fail(error::app_name_missing, "a deploy needs --app NAME");
    std::error_code fs_ec;
    if (!std::filesystem::is_directory(cfg.dir, fs_ec))
        co_return fail(error::usage, "--dir " + engine::printable(cfg.dir, true) + " is not a directory");
    auto flyctl = providers::resolve_flyctl(cfg.flyctl, services.path_env);
    if (!flyctl) {
        co_return fail(error::flyctl_not_found,
                       cfg.flyctl.empty()
                           ? "flyctl not found on $PATH (looked for flyctl and fly): install it from "
                             "https://fly.io/docs/flyctl/install/ or pass --flyctl PATH"
                           : "flyctl not found: " + engine::printable(cfg.flyctl, true) + " is not an executable file");
    }

    providers::commit_criterion commit{services.runner, proc::find_executable("git", services.path_env).value_or(""),
                                       cfg.dir, false};
    providers::health_criterion health{services.http, health_settings(cfg, url), cfg.health_timeout, false};
    auto flyctl_deploy = [&]() -> boost::asio::awaitable<engine::failure> {
        co_await commit.capture();  // each deploy, redeploys too, is judged against its own start
        // Ctrl-C while git read HEAD: start no flyctl only to interrupt it at once.
        auto cs = co_await boost::asio::this_coro::cancellation_state;
        if (cs.cancelled() != boost::asio::cancellation_type::none)
            co_return engine::failure{make_error_code(error::interrupted), "interrupted",
                                      {engine::failure_class::permanent, "interrupted"}};
        // A named spec, moved in: GCC 12 copies a braced temporary into a coroutine frame bytewise,
        // so a short string's inline buffer pointer dangles and its destructor frees a bad pointer.
        providers::fly_deploy_spec spec{.flyctl = *flyctl,
                                        .app = cfg.app,
                                        .region = cfg.region,
                                        .image = cfg.image,
                                        .dir = cfg.dir,
                                        .deadline = sclock::now() + cfg.deploy_timeout,
                                        .on_output = services.log};
        auto step = co_await providers::run_flyctl_deploy(services.runner, std::move(spec));
        if (!step.ec) co_return engine::failure{};
        auto why = step.ec == error::interrupted ? engine::verdict{engine::failure_class::permanent, "interrupted"}
                                                 : engine::classify(step.message);
        co_return engine::failure{step.ec, step.message, why};
    };
    std::vector<engine::criterion*> criteria{&commit, &health};
    engine::deploy_step step = flyctl_deploy;
    co_return co_await run_loop(cfg, services, std::move(step), std::move(criteria), health);
}

}  // namespace r1
