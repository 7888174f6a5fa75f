#include "providers/deploy.hpp"

#include "engine/classify/classify.hpp"
#include "engine/health_check.hpp"
#include "engine/repair_loop.hpp"
#include "engine/text/text.hpp"
#include "net/url.hpp"
#include "proc/find_executable.hpp"
#include "providers/browser_step.hpp"
#include "providers/criteria.hpp"
#include "providers/registry.hpp"
#include "r1/version.hpp"

#include <boost/asio/this_coro.hpp>

#include <filesystem>

namespace r1 {
namespace {

/// The stable code of a failure found before anything ran.
std::string setup_cause(error e) {
    switch (e) {
    case error::cli_not_found: return "cli-not-found";
    case error::app_name_missing: return "app-name-missing";
    case error::provider_unsupported: return "provider-unsupported";
    case error::interrupted: return "interrupted";
    default: return "usage";
    }
}

deploy_result fail(error e, std::string message) {
    deploy_result r{make_error_code(e), {}, std::move(message)};
    r.cause = setup_cause(e);
    return r;
}

/// The health criterion's facts into the result.
void add_health_facts(deploy_result& result, const providers::health_criterion& health) {
    result.http_status = health.last_status();
    result.final_url = health.last_final_url();
    result.health_time = health.checked_for();
}

const providers::registry& registry_of(const providers::registry* given) {
    return given ? *given : providers::registry::builtin();
}

/// Everything that can be known wrong before anything runs. `cfg` has the provider's defaults.
std::optional<deploy_result> validate(const deploy_config& cfg, const providers::provider& provider) {
    if (cfg.dry_run && cfg.verify_only) return fail(error::usage, "--dry-run and --verify-only cannot be combined");
    if (!cfg.app.empty())
        if (auto problem = provider.app_name_problem(cfg.app); !problem.empty()) return fail(error::usage, problem);
    if (auto problems = provider.problems(cfg); !problems.empty()) return fail(error::usage, problems.front());
    if (!cfg.health_url.empty())
        if (auto problem = net::describe_url_error(cfg.health_url); !problem.empty())
            return fail(error::usage, "invalid --health-url: " + problem);
    if (!cfg.browser_url.empty())
        if (auto problem = net::describe_url_error(cfg.browser_url); !problem.empty())
            return fail(error::usage, "invalid --browser-url: " + problem);
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
                                               engine::clock& clock, engine::deploy_step step,
                                               std::vector<engine::criterion*> criteria,
                                               const providers::health_criterion& health) {
    engine::loop_policy policy;
    policy.retries = cfg.retries;
    policy.retry_budget = cfg.retry_budget;
    policy.dry_run = cfg.dry_run;
    engine::backoff jitter{policy.redeploy_backoff, services.seed};
    auto outcome = co_await engine::run_task(clock, std::move(policy), std::move(jitter), std::move(step),
                                             std::move(criteria), services.on_attempt);
    deploy_result result{outcome.last.ec, health.last_line(), {}, std::move(outcome.attempts),
                         std::move(outcome.criteria)};
    add_health_facts(result, health);
    if (result.ec && outcome.last.detail != result.output) result.message = std::move(outcome.last.detail);
    co_return result;
}

/// Polls `url` once a second until it is healthy or `within` has passed: the provider's own proof of
/// a new instance (Docker's new container, before the old one goes). Each check stays inside both
/// the health timeout and what is left of `within`.
boost::asio::awaitable<std::string> wait_healthy(net::http_client& http, engine::clock& clock, deploy_config cfg,
                                                 std::string url, std::chrono::milliseconds within) {
    auto until = clock.now() + within;
    std::string last = "health check: not run";
    for (;;) {
        auto now = clock.now();
        auto hc = health_settings(cfg, url);
        hc.deadline = std::min(now + cfg.health_timeout, std::max(until, now + std::chrono::milliseconds(100)));
        auto report = co_await engine::check_health(http, std::move(hc));
        if (report.healthy()) co_return std::string();
        last = report.line;
        if (report.ec == error::interrupted || report.ec == error::usage) co_return last;
        auto cs = co_await boost::asio::this_coro::cancellation_state;
        if (cs.cancelled() != boost::asio::cancellation_type::none) co_return last;
        auto next = clock.now() + std::chrono::seconds(1);
        if (next >= until) co_return last;
        co_await clock.sleep_until(next);
    }
}

/// After a passed health check: the browser check, once (no retry: a console error is rarely
/// transient), its failure the task's failure.
boost::asio::awaitable<void> add_browser_check(deploy_result& result, const deploy_config& cfg,
                                               const deploy_services& services, engine::clock& clock,
                                               std::string url, std::vector<std::string> verified) {
    if (!services.browser) {
        result.ec = make_error_code(error::usage);
        result.message = "--browser needs a browser checker (proc::browser::chromium_checker)";
        co_return;
    }
    auto report = co_await browser_step(cfg, services.http, *services.browser, clock.now(), std::move(url),
                                        std::move(verified), services.screenshot_path);
    if (report.ec) {
        result.ec = report.ec;
        result.message = report.line;
        result.cause = report.ec == error::interrupted ? "interrupted" : "browser-check";
    }
    result.browser = std::move(report);
}

}  // namespace

std::string health_user_agent() { return std::string("r1-deploy/") + version + " (+health)"; }

std::string planned_health_url(const deploy_config& cfg, const providers::registry* providers) {
    if (!cfg.health_url.empty()) return cfg.health_url;
    const auto* provider = registry_of(providers).find(cfg.provider);
    return provider ? provider->default_health_url(cfg, nullptr) : std::string();
}

engine::health_config health_check_of(const deploy_config& cfg, std::string url, engine::clock::time_point now) {
    auto hc = health_settings(cfg, std::move(url));
    hc.deadline = now + cfg.health_timeout;
    return hc;
}

boost::asio::awaitable<deploy_result> deploy(deploy_config cfg, deploy_services services) {
    engine::steady_clock_source steady;
    engine::clock& clock = services.clock ? *services.clock : steady;
    const auto& registry = registry_of(services.providers);
    const providers::provider* provider = registry.find(cfg.provider);
    if (!provider) co_return fail(error::provider_unsupported, registry.why_not(cfg.provider));
    provider->apply_defaults(cfg);
    if (auto invalid = validate(cfg, *provider)) co_return *invalid;

    if (cfg.dry_run) {
        // The criteria still run, and soft-pass: a preview stays free of processes and network.
        providers::commit_criterion commit{clock, services.runner, "", cfg.dir, true};
        providers::health_criterion health{clock, services.http, health_settings(cfg, ""), cfg.health_timeout, true};
        std::vector<engine::criterion*> criteria{&commit, &health};
        engine::deploy_step no_deploy;
        auto result = co_await run_loop(cfg, services, clock, std::move(no_deploy), std::move(criteria), health);
        result.output = provider->preview(cfg);
        co_return result;
    }

    std::string url = !cfg.health_url.empty() ? cfg.health_url : provider->default_health_url(cfg, nullptr);
    if (cfg.verify_only) {
        if (url.empty()) co_return fail(error::usage, "--verify-only needs --health-url URL or --app NAME");
        auto began = clock.now();
        auto hc = health_check_of(cfg, url, began);  // named: GCC 12 and coroutine arguments
        auto report = co_await engine::check_health(services.http, std::move(hc));
        deploy_result result{report.ec, report.line, {}};
        result.health_time = std::chrono::duration_cast<std::chrono::milliseconds>(clock.now() - began);
        result.http_status = report.status;
        result.final_url = report.final_url;
        result.cause = report.cause_code;
        if (!report.ec && cfg.browser)
            co_await add_browser_check(result, cfg, services, clock, std::move(url), std::move(report.verified_spki));
        co_return result;
    }

    if (cfg.app.empty()) co_return fail(error::app_name_missing, "a deploy needs --app NAME");
    std::error_code fs_ec;
    if (!std::filesystem::is_directory(cfg.dir, fs_ec))
        co_return fail(error::usage, "--dir " + engine::printable(cfg.dir, true) + " is not a directory");
    auto cli = provider->locate_cli(cfg, services.path_env);
    if (!cli) co_return fail(error::cli_not_found, provider->cli_missing(cfg));

    providers::commit_criterion commit{clock, services.runner,
                                       proc::find_executable("git", services.path_env).value_or(""), cfg.dir, false};
    providers::health_criterion health{clock, services.http, health_settings(cfg, url), cfg.health_timeout, false};
    providers::deploy_outcome reported;
    bool step_failed = false, step_timed_out = false;  // the last deploy step's
    std::chrono::milliseconds deploy_time{0};
    auto provider_deploy = [&]() -> boost::asio::awaitable<engine::failure> {
        co_await commit.capture();  // each deploy, redeploys too, is judged against its own start
        // Ctrl-C while git read HEAD: start no provider CLI only to interrupt it at once.
        auto cs = co_await boost::asio::this_coro::cancellation_state;
        if (cs.cancelled() != boost::asio::cancellation_type::none)
            co_return engine::failure{make_error_code(error::interrupted), "interrupted",
                                      {engine::failure_class::permanent, "interrupted"}};
        providers::deploy_request req{.cli = *cli,
                                      .cfg = cfg,
                                      .deadline = clock.now() + cfg.deploy_timeout,
                                      .on_output = services.log,
                                      .wait_healthy = [&http = services.http, &clock, &cfg](std::string u, std::chrono::milliseconds within) {
                                          return wait_healthy(http, clock, cfg, std::move(u), within);
                                      }};
        auto began = clock.now();
        auto deadline = req.deadline;
        reported = co_await provider->deploy(services.runner, std::move(req));
        deploy_time += std::chrono::duration_cast<std::chrono::milliseconds>(clock.now() - began);
        step_failed = static_cast<bool>(reported.ec);
        step_timed_out = reported.ec == error::provider_failed && clock.now() >= deadline;
        if (!reported.ec) {
            // A provider that prints its URL (a deployment URL) supplies the health URL only now.
            if (cfg.health_url.empty()) {
                auto found = provider->default_health_url(cfg, &reported);
                if (found.empty()) {
                    reported.ec = make_error_code(error::bad_provider_output);
                    reported.message = std::string(provider->cli_name()) +
                                       " reported no https:// URL to check the deploy at: pass --health-url URL";
                    co_return engine::failure{reported.ec, reported.message,
                                              {engine::failure_class::permanent, "no-health-url"}};
                }
                health.set_url(std::move(found));
            }
            co_return engine::failure{};
        }
        // A retry window in the provider's output ("try again in 2 hours") is judged against
        // this deploy's own retry budget. An adapter that knows the cause better (kamal's held
        // lock, wrangler's error code) has said so in `cause`.
        auto why = reported.ec == error::interrupted
                       ? engine::verdict{engine::failure_class::permanent, "interrupted"}
                   : !reported.cause.signal.empty()
                       ? reported.cause
                       : engine::classify(reported.message, engine::classify_options{.retry_budget = cfg.retry_budget});
        co_return engine::failure{reported.ec, reported.message, why};
    };
    std::vector<engine::criterion*> criteria{&commit, &health};
    engine::deploy_step step = provider_deploy;
    auto result = co_await run_loop(cfg, services, clock, std::move(step), std::move(criteria), health);
    result.deploy_time = deploy_time;
    if (result.ec == error::interrupted) result.cause = "interrupted";
    else if (result.ec && step_failed)
        result.cause = step_timed_out                             ? "deploy-timeout"
                       : reported.ec == error::bad_provider_output ? "bad-provider-output"
                                                                   : "deploy-failed";
    else if (result.ec) {
        for (const auto& c : result.criteria)
            if (!c.passed && result.cause.empty())
                result.cause = c.id == health.id() ? (health.last_cause().empty() ? "unhealthy" : health.last_cause())
                                                   : "commit-moved";
        if (result.cause.empty())
            result.cause = result.ec.category() == error_category() ? setup_cause(static_cast<error>(result.ec.value()))
                                                                    : "unknown";
    }
    result.reported = std::move(reported);
    // The page at the URL the health check last passed (a provider may have set it after its deploy).
    if (!result.ec && cfg.browser) {
        std::string page = health.url();  // named, moved in: GCC 12 and coroutine arguments
        auto verified = health.verified_spki();
        co_await add_browser_check(result, cfg, services, clock, std::move(page), std::move(verified));
    }
    co_return result;
}

}  // namespace r1
