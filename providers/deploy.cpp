#include "providers/deploy.hpp"

#include "engine/health_check.hpp"
#include "net/url.hpp"
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
    if (cfg.region.empty()) return fail(error::usage, "--region cannot be empty");
    if (!cfg.health_url.empty())
        if (auto problem = net::describe_url_error(cfg.health_url); !problem.empty())
            return fail(error::usage, "invalid --health-url: " + problem);
    return std::nullopt;
}

boost::asio::awaitable<deploy_result> check(net::http_client& http, const deploy_config& cfg, std::string url) {
    engine::health_config hc{.url = std::move(url),
                             .expected_body = cfg.expected_body,
                             .deadline = sclock::now() + cfg.health_timeout,
                             .user_agent = health_user_agent()};
    auto report = co_await engine::check_health(http, std::move(hc));
    co_return deploy_result{report.ec, report.line, {}};
}

}  // namespace

std::string fly_app_url(std::string_view app) { return "https://" + std::string(app) + ".fly.dev"; }

std::string health_user_agent() { return std::string("r1-deploy/") + version + " (+health)"; }

boost::asio::awaitable<deploy_result> deploy(deploy_config cfg, deploy_services services) {
    if (auto invalid = validate(cfg)) co_return *invalid;

    if (cfg.dry_run)
        co_return deploy_result{
            {}, providers::render_fly_toml_preview({.app = cfg.app, .region = cfg.region, .image = cfg.image}), {}};

    std::string url = !cfg.health_url.empty() ? cfg.health_url : cfg.app.empty() ? "" : fly_app_url(cfg.app);
    if (cfg.verify_only) {
        if (url.empty()) co_return fail(error::usage, "--verify-only needs --health-url URL or --app NAME");
        co_return co_await check(services.http, cfg, std::move(url));
    }

    if (cfg.app.empty()) co_return fail(error::app_name_missing, "a deploy needs --app NAME");
    std::error_code fs_ec;
    if (!std::filesystem::is_directory(cfg.dir, fs_ec))
        co_return fail(error::usage, "--dir " + cfg.dir + " is not a directory");
    auto flyctl = providers::resolve_flyctl(cfg.flyctl, services.path_env);
    if (!flyctl) {
        co_return fail(error::flyctl_not_found,
                       cfg.flyctl.empty()
                           ? "flyctl not found on $PATH (looked for flyctl and fly): install it from "
                             "https://fly.io/docs/flyctl/install/ or pass --flyctl PATH"
                           : "flyctl not found: " + cfg.flyctl + " is not an executable file");
    }

    // A named spec, moved in: GCC 12 copies a braced temporary into a coroutine frame bytewise, so a
    // short string's inline buffer pointer dangles and its destructor frees a bad pointer.
    providers::fly_deploy_spec spec{.flyctl = *flyctl,
                                    .app = cfg.app,
                                    .region = cfg.region,
                                    .image = cfg.image,
                                    .dir = cfg.dir,
                                    .deadline = sclock::now() + cfg.deploy_timeout,
                                    .on_output = services.log};
    auto step = co_await providers::run_flyctl_deploy(services.runner, std::move(spec));
    if (step.ec) co_return deploy_result{step.ec, {}, step.message};

    // A signal that arrived as flyctl finished still stops us before the health check.
    auto cs = co_await boost::asio::this_coro::cancellation_state;
    if (cs.cancelled() != boost::asio::cancellation_type::none)
        co_return fail(error::interrupted, "interrupted after flyctl deploy finished");
    co_return co_await check(services.http, cfg, std::move(url));
}

}  // namespace r1
