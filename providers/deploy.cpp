#include "providers/deploy.hpp"

#include "engine/classify/classify.hpp"
#include "engine/health_check.hpp"
#include "engine/repair_loop.hpp"
#include "engine/text/text.hpp"
#include "net/url.hpp"
#include "proc/find_executable.hpp"
#include "providers/browser_step.hpp"
#include "providers/criteria.hpp"
#include "providers/lifecycle_steps.hpp"
#include "providers/registry.hpp"
#include "providers/rollback_rule.hpp"
#include "r1/version.hpp"

#include <boost/asio/this_coro.hpp>

#include <algorithm>
#include <filesystem>
#include <utility>

namespace r1 {
namespace detail {

/// The stable code of a failure found before anything ran.
std::string setup_cause(error e) {
    switch (e) {
    case error::cli_not_found: return "cli-not-found";
    case error::app_name_missing: return "app-name-missing";
    case error::provider_unsupported: return "provider-unsupported";
    case error::interrupted: return "interrupted";
    case error::provider_failed: return "preflight-failed";  // the one failure before a deploy step
    default: return "usage";
    }
}

deploy_result fail(error e, std::string message) {
    deploy_result r{make_error_code(e), {}, std::move(message)};
    r.cause = setup_cause(e);
    return r;
}

std::string loop_cause(const deploy_result& result, const providers::deploy_outcome& last_step,
                       const providers::health_criterion& health) {
    if (!result.ec) return {};
    if (result.ec == error::interrupted) return "interrupted";
    // The loop stops at a failed step without evaluating the criteria: the step's failure is why.
    if (last_step.ec)
        return last_step.timed_out                             ? "deploy-timeout"
               : last_step.ec == error::bad_provider_output ? "bad-provider-output"
                                                            : "deploy-failed";
    for (const auto& c : result.criteria) {
        if (c.passed) continue;
        if (c.id == health.id()) return health.last_cause().empty() ? "unhealthy" : health.last_cause();
        if (c.id == "DEPLOY-RELEASE-LIVE") return "release-not-serving";
        if (c.id == "DEPLOY-COMMIT-MATCH") return "commit-moved";
    }
    return result.ec.category() == error_category() ? setup_cause(static_cast<error>(result.ec.value())) : "unknown";
}

/// The health criterion's facts into the result.
void add_health_facts(deploy_result& result, const providers::health_criterion& health) {
    result.http_status = health.last_status();
    result.final_url = health.last_final_url();
    result.health_time = health.checked_for();
    result.http_phases = health.last_phases();
}

const providers::registry& registry_of(const providers::registry* given) {
    return given ? *given : providers::registry::builtin();
}

std::optional<deploy_result> validate(const deploy_config& cfg, const providers::provider& provider) {
    if (cfg.dry_run && cfg.verify_only) return fail(error::usage, "--dry-run and --verify-only cannot be combined");
    if (!cfg.app.empty())
        if (auto problem = provider.app_name_problem(cfg.app); !problem.empty()) return fail(error::usage, problem);
    if (auto problems = provider.problems(cfg); !problems.empty()) return fail(error::usage, problems.front().message);
    if (!cfg.health_url.empty())
        if (auto problem = net::describe_url_error(cfg.health_url); !problem.empty())
            return fail(error::usage, "invalid --health-url: " + problem);
    if (cfg.auto_rollback && !provider.can_roll_back())
        return fail(error::usage, "--auto-rollback: provider " + std::string(provider.name()) + " has no rollback in r1 yet");
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

providers::health_rules health_rules_of(const deploy_config& cfg) {
    return {.ttfb_sla = cfg.ttfb_sla, .cascade = cfg.health_url.empty()};
}

engine::loop_policy policy_of(const deploy_config& cfg) {
    engine::loop_policy policy;
    policy.retries = cfg.retries;
    policy.retry_budget = cfg.retry_budget;
    policy.dry_run = cfg.dry_run;
    policy.warmup = cfg.warmup;
    policy.redeploy_on_unhealthy = cfg.redeploy_on_unhealthy;
    policy.retry_on_timeout = cfg.retries_on_timeout;
    return policy;
}

boost::asio::awaitable<deploy_result> run_loop(const deploy_services& services, engine::clock& clock,
                                               engine::loop_policy policy, engine::deploy_step step,
                                               std::vector<engine::criterion*> criteria,
                                               const providers::health_criterion& health) {
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

engine::failure step_failure(const providers::deploy_outcome& reported, const deploy_config& cfg) {
    // A retry window in the provider's output ("try again in 2 hours") is judged against this
    // deploy's own retry budget. An adapter that knows the cause better (kamal's held lock,
    // wrangler's error code) has said so in `cause`.
    auto why = reported.ec == error::interrupted ? engine::verdict{engine::failure_class::permanent, "interrupted"}
               : !reported.cause.signal.empty()
                   ? reported.cause
                   : engine::classify(reported.message, engine::classify_options{.retry_budget = cfg.retry_budget});
    engine::failure f{reported.ec, reported.message, why};
    f.timed_out = reported.timed_out;
    return f;
}

bool is_verification_failure(const boost::system::error_code& ec) {
    return ec == error::unhealthy || ec == error::unavailable || ec == error::timed_out;
}

boost::asio::awaitable<std::variant<providers::preflight_result, deploy_result>> run_preflight(
    const providers::provider& provider, const providers::step_context& ctx, const deploy_config& cfg) {
    auto before = co_await provider.preflight(ctx, cfg);
    auto cs = co_await boost::asio::this_coro::cancellation_state;
    if (cs.cancelled() != boost::asio::cancellation_type::none) co_return fail(error::interrupted, "interrupted");
    bool go_on = before.status == providers::preflight_status::ok || before.status == providers::preflight_status::not_checked;
    if (before.status != providers::preflight_status::not_checked)
        ctx.emit({.name = providers::event_names::preflight,
                  .ok = go_on,
                  .detail = before.message,
                  .release = before.serving.value_or(providers::release_ref{})});
    if (!go_on) co_return fail(error::provider_failed, "pre-flight: " + before.message + "; nothing was deployed");
    co_return before;
}

}  // namespace detail

namespace {

using namespace detail;

/// After a failed verification: the app's recent logs, then (with --auto-rollback, when the strict
/// predicate holds) the release that served before, put back and verified.
boost::asio::awaitable<void> after_failed_verification(deploy_result& result, const providers::provider& provider,
                                                       const providers::step_context& ctx, const deploy_config& cfg,
                                                       const deploy_services& services, engine::clock& clock,
                                                       const providers::preflight_result& before,
                                                       engine::clock::time_point deploy_started) {
    result.evidence = co_await provider.evidence(ctx, cfg);
    if (!result.evidence.empty()) {
        auto lines = std::count(result.evidence.begin(), result.evidence.end(), '\n');
        ctx.emit({.name = providers::event_names::evidence,
                  .ok = true,
                  .detail = lines == 1 ? std::string("1 line of the app's recent logs")
                                       : std::to_string(lines) + " lines of the app's recent logs"});
    }
    if (!cfg.auto_rollback) co_return;
    auto cs = co_await boost::asio::this_coro::cancellation_state;
    if (cs.cancelled() != boost::asio::cancellation_type::none) co_return;

    bool health_passed = std::any_of(result.criteria.begin(), result.criteria.end(), [](const engine::criterion_result& c) {
        return c.id == "DEPLOY-HEALTH-200" && c.passed;
    });
    providers::rollback_inputs in{.health_passed = health_passed,
                                  .since_deploy_start = std::chrono::duration_cast<std::chrono::milliseconds>(
                                      clock.now() - deploy_started),
                                  .browser = !cfg.browser      ? providers::browser_evidence::off
                                             : result.browser ? providers::browser_evidence::ran
                                                              : providers::browser_evidence::not_run,
                                  .console_errors = result.browser ? static_cast<unsigned>(result.browser->findings.console_errors) : 0u,
                                  .have_target = before.serving.has_value()};
    auto decision = providers::decide_rollback(in);
    std::string failure = result.message.empty() ? result.output : result.message;
    if (!decision.roll_back) {
        result.rollback = rollback_record{.attempted = false, .ok = false, .to = before.serving.value_or(providers::release_ref{}),
                                          .made = {}, .detail = "not rolled back: " + decision.why};
        result.message = failure + "; " + result.rollback->detail;
        co_return;
    }
    auto back = co_await put_back(provider, ctx, cfg, services, clock, *before.serving, before);
    result.rollback = std::move(back.rollback);
    if (back.ec == error::interrupted) {
        result.ec = back.ec;
        result.message = failure + "; rollback to " + before.serving->label() + " interrupted";
        co_return;
    }
    result.message = failure + "; " + result.rollback->detail;
    // Exit 1 when the app is back on its last good release; 3 when that failed too: a human is needed.
    if (!result.rollback->ok) result.ec = make_error_code(error::provider_failed);
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
    const deploy_config given = cfg;  // the plan says which defaults applied
    provider->apply_defaults(cfg);
    if (auto invalid = validate(cfg, *provider)) co_return *invalid;

    if (cfg.dry_run) {
        // A plan of a deploy names its app, as the deploy itself must (the seed's placeholder
        // preview was exit 0, which hid the missing --app).
        if (cfg.app.empty()) co_return fail(error::app_name_missing, "a deploy needs --app NAME (a dry run too)");
        // The criteria still run, and soft-pass: a preview stays free of processes and network.
        providers::step_context ctx{services.runner, clock, {}, {}, {}};
        providers::commit_criterion commit{clock, services.runner, "", cfg.dir, true};
        providers::release_criterion release{*provider, ctx, cfg, cfg.release_timeout, true};
        providers::health_criterion health{clock, services.http, health_settings(cfg, ""), cfg.health_timeout, true};
        std::vector<engine::criterion*> criteria{&commit, &release, &health};
        engine::deploy_step no_deploy;
        auto result = co_await run_loop(services, clock, policy_of(cfg), std::move(no_deploy), std::move(criteria), health);
        result.plan = provider->plan(given);
        result.output = result.plan->output.empty() ? provider->preview(cfg) : std::exchange(result.plan->output, {});
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
        if (report.status != 0) result.http_phases = report.probe.times;
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

    providers::step_context ctx{services.runner, clock, *cli, services.log, services.on_event};
    auto checked = co_await run_preflight(*provider, ctx, cfg);
    if (auto* refused = std::get_if<deploy_result>(&checked)) co_return std::move(*refused);
    auto before = std::move(std::get<providers::preflight_result>(checked));

    auto prepared = provider->prepare(cfg);
    if (prepared.ec) co_return fail(error::usage, prepared.note);
    if (!prepared.note.empty()) ctx.emit({.name = providers::event_names::config_written, .ok = true, .detail = prepared.note});

    providers::commit_criterion commit{clock, services.runner,
                                       proc::find_executable("git", services.path_env).value_or(""), cfg.dir, false};
    providers::release_criterion release{*provider, ctx, cfg, cfg.release_timeout, false};
    providers::health_criterion health{clock, services.http, health_settings(cfg, url), cfg.health_timeout, false,
                                       health_rules_of(cfg)};
    providers::deploy_outcome reported;
    engine::clock::time_point deploy_started = clock.now();
    std::chrono::milliseconds deploy_time{0};
    auto provider_deploy = [&]() -> boost::asio::awaitable<engine::failure> {
        deploy_started = clock.now();  // the loop's own deploy_started: no co_await between the two
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
                                      },
                                      .target = {}};
        auto began = clock.now();
        reported = co_await provider->deploy(services.runner, std::move(req));
        deploy_time += std::chrono::duration_cast<std::chrono::milliseconds>(clock.now() - began);
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
            providers::release_ref made{{}, reported.release, reported.image};
            ctx.emit({.name = providers::event_names::release,
                      .ok = true,
                      .detail = made.empty() ? std::string("the deploy reported no release") : "deployed " + made.label(),
                      .release = made});
            release.begin(reported, before);
            co_return engine::failure{};
        }
        co_return step_failure(reported, cfg);
    };
    auto policy = policy_of(cfg);
    // --auto-rollback judges a release that has failed for 30 s: a faster failure is re-checked until then.
    if (cfg.auto_rollback && before.serving) policy.verify_at_least = providers::rollback_min_age;
    std::vector<engine::criterion*> criteria{&commit, &release, &health};
    engine::deploy_step step = provider_deploy;
    auto result = co_await run_loop(services, clock, std::move(policy), std::move(step), std::move(criteria), health);
    result.previous = before.serving;
    result.release = release.release().empty() ? providers::release_ref{{}, reported.release, reported.image} : release.release();
    result.deploy_time = deploy_time;
    result.cause = loop_cause(result, reported, health);
    result.reported = std::move(reported);
    // The page at the URL the health check last passed (a provider may have set it after its deploy).
    if (!result.ec && cfg.browser) {
        std::string page = health.url();  // named, moved in: GCC 12 and coroutine arguments
        auto verified = health.verified_spki();
        co_await add_browser_check(result, cfg, services, clock, std::move(page), std::move(verified));
    }
    // A verification failure after a deploy step that succeeded: evidence, then maybe a rollback.
    if (is_verification_failure(result.ec) && !result.reported.ec)
        co_await after_failed_verification(result, *provider, ctx, cfg, services, clock, before, deploy_started);
    co_return result;
}

}  // namespace r1
