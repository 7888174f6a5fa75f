// Putting a release back: --auto-rollback's step after a failed verification, and `r1 rollback`.
#include "proc/find_executable.hpp"
#include "providers/criteria.hpp"
#include "providers/deploy.hpp"
#include "providers/lifecycle_steps.hpp"
#include "providers/registry.hpp"

#include <boost/asio/this_coro.hpp>

#include <filesystem>

namespace r1 {
namespace detail {

boost::asio::awaitable<deploy_result> put_back(const providers::provider& provider, const providers::step_context& ctx,
                                               const deploy_config& cfg, const deploy_services& services,
                                               engine::clock& clock, providers::release_ref target,
                                               providers::preflight_result before) {
    ctx.emit({.name = providers::event_names::rollback_start, .ok = true, .detail = "rolling back to " + target.label(),
              .release = target});
    std::string url = !cfg.health_url.empty() ? cfg.health_url : provider.default_health_url(cfg, nullptr);
    providers::release_criterion release{provider, ctx, cfg, cfg.release_timeout, false};
    providers::health_criterion health{clock, services.http, health_settings(cfg, url), cfg.health_timeout, false,
                                       health_rules_of(cfg)};
    providers::deploy_outcome reported;
    std::chrono::milliseconds step_time{0};
    auto step = [&]() -> boost::asio::awaitable<engine::failure> {
        providers::deploy_request req{.cli = ctx.cli,
                                      .cfg = cfg,
                                      .deadline = clock.now() + cfg.deploy_timeout,
                                      .on_output = services.log,
                                      .wait_healthy = [&http = services.http, &clock, &cfg](std::string u, std::chrono::milliseconds within) {
                                          return wait_healthy(http, clock, cfg, std::move(u), within);
                                      },
                                      .target = target};
        auto began = clock.now();
        reported = co_await provider.roll_back(ctx.runner, std::move(req));
        step_time += std::chrono::duration_cast<std::chrono::milliseconds>(clock.now() - began);
        if (!reported.ec) {
            if (cfg.health_url.empty()) health.set_url(provider.default_health_url(cfg, &reported));
            providers::release_ref made{{}, reported.release, reported.image};
            ctx.emit({.name = providers::event_names::release,
                      .ok = true,
                      .detail = made.empty() ? std::string("the rollback reported no release") : "deployed " + made.label(),
                      .release = made});
            release.begin(reported, before);
            co_return engine::failure{};
        }
        co_return step_failure(reported, cfg);
    };
    // A rollback is verified like a deploy, but never redeployed for a failing check: it is the
    // fallback already, and a human is needed if it does not serve.
    auto policy = policy_of(cfg);
    policy.redeploy_on_unhealthy = false;
    std::vector<engine::criterion*> criteria{&release, &health};
    engine::deploy_step run = step;
    auto result = co_await run_loop(services, clock, std::move(policy), std::move(run), std::move(criteria), health);
    result.deploy_time = step_time;
    result.cause = loop_cause(result, reported, health);

    rollback_record rec{.attempted = true, .ok = !result.ec, .to = target, .made = release.release(), .detail = {}};
    if (rec.made.empty()) rec.made = {{}, reported.release, reported.image};
    if (!result.ec)
        rec.detail = "rolled back to " + target.label() + ", healthy";
    else if (result.ec == error::interrupted)
        rec.detail = "rollback to " + target.label() + " interrupted";
    else if (reported.ec)
        rec.detail = "rollback to " + target.label() + " failed: " + reported.message;
    else
        rec.detail = "rolled back to " + target.label() + ", which does not verify either: " +
                     (result.message.empty() ? result.output : result.message);
    ctx.emit({.name = providers::event_names::rollback_end, .ok = rec.ok, .detail = rec.detail, .release = rec.made});
    result.release = rec.made;
    result.reported = std::move(reported);
    result.rollback = std::move(rec);
    co_return result;
}

}  // namespace detail

boost::asio::awaitable<deploy_result> roll_back(deploy_config cfg, std::string to, deploy_services services) {
    using namespace detail;
    engine::steady_clock_source steady;
    engine::clock& clock = services.clock ? *services.clock : steady;
    const auto& registry = registry_of(services.providers);
    const providers::provider* provider = registry.find(cfg.provider);
    if (!provider) co_return fail(error::provider_unsupported, registry.why_not(cfg.provider));
    provider->apply_defaults(cfg);
    if (auto invalid = validate(cfg, *provider)) co_return *invalid;
    if (!provider->can_roll_back())
        co_return fail(error::usage, "provider " + std::string(provider->name()) + " has no rollback in r1 yet");
    if (cfg.app.empty()) co_return fail(error::app_name_missing, "a rollback needs --app NAME");
    std::error_code fs_ec;
    if (!std::filesystem::is_directory(cfg.dir, fs_ec))
        co_return fail(error::usage, "--dir " + cfg.dir + " is not a directory");
    auto cli = provider->locate_cli(cfg, services.path_env);
    if (!cli) co_return fail(error::cli_not_found, provider->cli_missing(cfg));

    providers::step_context ctx{services.runner, clock, *cli, services.log, services.on_event};
    auto checked = co_await run_preflight(*provider, ctx, cfg);
    if (auto* refused = std::get_if<deploy_result>(&checked)) {
        if (refused->ec == error::provider_failed)
            refused->message.replace(refused->message.rfind("nothing was deployed"), 20, "nothing was rolled back");
        co_return std::move(*refused);
    }
    auto before = std::move(std::get<providers::preflight_result>(checked));

    auto lookup = co_await provider->find_release(ctx, cfg, to, before.serving);
    if (lookup.ec) co_return fail(static_cast<error>(lookup.ec.value()), lookup.message + "; nothing was rolled back");
    auto strip = [](const std::string& image) { return image.substr(0, image.find('@')); };
    if (before.serving && lookup.release.version == before.serving->version &&
        strip(lookup.release.image) == strip(before.serving->image)) {
        deploy_result already{};
        already.previous = before.serving;
        already.release = *before.serving;
        already.rollback = rollback_record{.attempted = false, .ok = true, .to = lookup.release, .made = {},
                                           .detail = lookup.release.label() + " serves already: nothing to roll back"};
        already.output = already.rollback->detail;
        co_return already;
    }

    auto result = co_await put_back(*provider, ctx, cfg, services, clock, lookup.release, before);
    result.previous = before.serving;
    if (result.ec && result.ec != error::interrupted) {
        result.message = result.rollback->detail;
        if (is_verification_failure(result.ec)) result.evidence = co_await provider->evidence(ctx, cfg);
    }
    co_return result;
}

}  // namespace r1
