#include "cli/args.hpp"
#include "cli/exit_code.hpp"
#include "engine/error.hpp"

#include <catch2/catch.hpp>

#include <algorithm>
#include <csignal>

using namespace r1::cli;
using namespace std::chrono_literals;

namespace {

std::variant<command, usage_problem> parse(std::vector<std::string_view> a) { return parse_args(a); }

std::string problem(std::vector<std::string_view> a) {
    auto r = parse(a);
    REQUIRE(std::holds_alternative<usage_problem>(r));
    return std::get<usage_problem>(r).message;
}

}  // namespace

TEST_CASE("args: deploy flags fill the config, with defaults for the rest", "[cli][args]") {
    auto r = parse({"deploy", "--app", "web", "--region=fra", "--image", "nginx", "--dir", "/srv", "--flyctl", "/bin/fly",
                    "--health-url", "https://x.test/h", "--expected-body", "OK", "--timeout", "2s",
                    "--deploy-timeout", "5m", "--ca-file", "/ca.pem", "--verify-only"});
    REQUIRE(std::holds_alternative<command>(r));
    auto c = std::get<command>(r);
    CHECK(c.what == action::deploy);
    CHECK(c.deploy.provider == "fly");
    CHECK(c.deploy.app == "web");
    CHECK(c.deploy.region == "fra");
    CHECK(c.deploy.image == "nginx");
    CHECK(c.deploy.dir == "/srv");
    CHECK(c.deploy.options.at("flyctl") == "/bin/fly");
    CHECK(c.deploy.health_url == "https://x.test/h");
    CHECK(c.deploy.expected_body == "OK");
    CHECK(c.deploy.health_timeout == 2s);
    CHECK(c.deploy.deploy_timeout == 5min);
    CHECK(c.ca_file == "/ca.pem");
    CHECK(c.deploy.verify_only);
    CHECK_FALSE(c.deploy.dry_run);

    auto retry = std::get<command>(parse({"deploy", "--retries", "0", "--retry-budget", "90s"}));
    CHECK(retry.deploy.retries == 0);
    CHECK(retry.deploy.retry_budget == 90s);

    auto d = std::get<command>(parse({"deploy"}));
    CHECK(d.deploy.region.empty());  // the provider's default (fly: iad) applies at deploy time
    CHECK(d.deploy.dir == ".");
    CHECK(d.deploy.health_timeout == 15s);
    CHECK(d.deploy.deploy_timeout == 30min);
    CHECK(d.deploy.retries == 2);
    CHECK(d.deploy.retry_budget == 10min);
}

TEST_CASE("args: help and version", "[cli][args]") {
    CHECK(std::get<command>(parse({"--help"})).what == action::show_help);
    CHECK(std::get<command>(parse({"deploy", "--app", "x", "--help"})).what == action::show_deploy_help);
    CHECK(std::get<command>(parse({"--version"})).what == action::show_version);
}

TEST_CASE("args: bad input is a one-line usage problem", "[cli][args][usage]") {
    CHECK(problem({}) == "no command given (try r1 --help)");
    CHECK(problem({"destroy"}) == "unknown command \"destroy\" (try r1 --help)");
    CHECK(problem({"deploy", "--apps", "x"}) == "unknown flag --apps (see r1 deploy --help)");
    CHECK(problem({"deploy", "--app"}) == "--app needs a value");
    CHECK(problem({"deploy", "--app="}) == "--app needs a non-empty value");
    CHECK(problem({"deploy", "--dry-run=yes"}) == "--dry-run takes no value");
    CHECK(problem({"deploy", "stray"}).starts_with("unexpected argument \"stray\""));
    CHECK(problem({"deploy", "--timeout", "15"}).starts_with("invalid --timeout \"15\""));
    CHECK(problem({"deploy", "--retries", "-1"}).starts_with("invalid --retries \"-1\""));
    CHECK(problem({"deploy", "--retries", "100"}).starts_with("invalid --retries"));
    CHECK(problem({"deploy", "--retry-budget", "forever"}).starts_with("invalid --retry-budget"));
    std::string huge(10'000, 'a');
    CHECK(problem({"deploy", "--app", huge}).find("longer than") != std::string::npos);
    CHECK(problem({"deploy", "--\x1b[2Jx"}).find('\x1b') == std::string::npos);
}

TEST_CASE("exit_code: the documented mapping", "[cli][exit-code]") {
    CHECK(exit_code_for({}, 0) == 0);
    CHECK(exit_code_for(r1::error::unhealthy, 0) == 1);
    CHECK(exit_code_for(r1::error::unavailable, 0) == 1);
    CHECK(exit_code_for(r1::error::timed_out, 0) == 1);
    CHECK(exit_code_for(r1::error::usage, 0) == 2);
    CHECK(exit_code_for(r1::error::flyctl_not_found, 0) == 2);
    CHECK(exit_code_for(r1::error::app_name_missing, 0) == 2);
    CHECK(exit_code_for(r1::error::provider_unsupported, 0) == 2);
    CHECK(exit_code_for(r1::error::provider_failed, 0) == 3);
    CHECK(exit_code_for(r1::error::provider_failed, SIGINT) == 130);
    CHECK(exit_code_for({}, SIGTERM) == 143);
}

TEST_CASE("args: the browser flags fill the task and the command; r1 verify takes all but --browser-url",
          "[cli][args][browser-flags]") {
    auto c = std::get<command>(parse({"deploy", "--verify-only", "--health-url", "https://x.test/h", "--browser",
                                      "--browser-url", "https://x.test/", "--browser-timeout", "45s",
                                      "--max-console-errors", "3", "--fail-on-request-errors", "--browser-concurrency", "2",
                                      "--chromium", "/opt/chromium"}));
    CHECK(c.deploy.browser);
    CHECK(c.deploy.browser_url == "https://x.test/");
    CHECK(c.deploy.browser_timeout == 45s);
    CHECK(c.deploy.max_console_errors == 3);
    CHECK(c.deploy.fail_on_request_errors);
    CHECK(c.browser_concurrency == 2);
    CHECK(c.chromium == "/opt/chromium");
    // The task settings override a manifest's [defaults]; the command's own two do not reach a task.
    for (auto key : {"browser", "browser_url", "browser_timeout", "max_console_errors", "fail_on_request_errors"})
        CHECK(std::find(c.given_keys.begin(), c.given_keys.end(), key) != c.given_keys.end());

    auto d = std::get<command>(parse({"deploy"}));
    CHECK_FALSE(d.deploy.browser);
    CHECK(d.deploy.browser_timeout == 30s);
    CHECK(d.deploy.max_console_errors == 0);
    CHECK_FALSE(d.deploy.fail_on_request_errors);
    CHECK(d.browser_concurrency == 4);

    auto v = std::get<command>(parse({"verify", "https://x.test/", "--browser", "--max-console-errors=1",
                                      "--browser-concurrency", "8", "--chromium", "/opt/chromium"}));
    CHECK(v.deploy.browser);
    CHECK(v.deploy.max_console_errors == 1);
    CHECK(v.browser_concurrency == 8);
    CHECK(problem({"verify", "https://x.test/", "--browser-url", "https://x.test/"}) ==
          "--browser-url is not a flag of r1 verify (see r1 verify --help)");

    CHECK(problem({"deploy", "--browser=yes"}) == "--browser takes no value");
    CHECK(problem({"deploy", "--fail-on-request-errors=true"}) == "--fail-on-request-errors takes no value");
    CHECK(problem({"deploy", "--browser-concurrency", "0"}) ==
          "invalid --browser-concurrency \"0\": use a whole number from 1 to 64");
    CHECK(problem({"verify", "https://x.test/", "--browser-concurrency", "65"}) ==
          "invalid --browser-concurrency \"65\": use a whole number from 1 to 64");
    CHECK(problem({"deploy", "--max-console-errors", "1000001"}) ==
          "invalid --max-console-errors \"1000001\": use a whole number from 0 to 1000000");
    CHECK(problem({"deploy", "--browser-timeout", "soon"}).starts_with("invalid --browser-timeout \"soon\": use a duration"));

    CHECK(deploy_help().find("  --browser-url URL      the page to load (default: the health URL)\n") != std::string_view::npos);
    CHECK(verify_help().find("  --browser              also load each page in headless Chromium") != std::string_view::npos);
    CHECK(verify_help().find("--browser-url") == std::string_view::npos);
}

TEST_CASE("args: the lifecycle flags fill the task; r1 rollback takes --to and the verification flags",
          "[cli][args][lifecycle]") {
    auto d = std::get<command>(parse({"deploy"}));
    CHECK(d.deploy.warmup == 15s);
    CHECK(d.deploy.release_timeout == 5min);
    CHECK(d.deploy.ttfb_sla == 3s);
    CHECK_FALSE(d.deploy.auto_rollback);
    CHECK_FALSE(d.deploy.redeploy_on_unhealthy);
    CHECK_FALSE(d.deploy.retries_on_timeout);

    auto c = std::get<command>(parse({"deploy", "--app", "web", "--warmup", "0", "--release-timeout", "90s", "--ttfb-sla",
                                      "500ms", "--auto-rollback", "--redeploy-on-unhealthy", "--retries-on-timeout"}));
    CHECK(c.deploy.warmup == 0ms);
    CHECK(c.deploy.release_timeout == 90s);
    CHECK(c.deploy.ttfb_sla == 500ms);
    CHECK(c.deploy.auto_rollback);
    CHECK(c.deploy.redeploy_on_unhealthy);
    CHECK(c.deploy.retries_on_timeout);
    CHECK(std::get<command>(parse({"deploy", "--ttfb-sla", "0"})).deploy.ttfb_sla == 0ms);
    CHECK(problem({"deploy", "--release-timeout", "0"}).starts_with("invalid --release-timeout \"0\""));
    CHECK(problem({"deploy", "--auto-rollback=yes"}) == "--auto-rollback takes no value");
    CHECK(problem({"deploy", "--to", "41"}) == "--to is not a flag of r1 deploy (see r1 deploy --help)");

    auto r = std::get<command>(parse({"rollback", "--app", "web", "--to", "v41", "--dir", "/srv", "--flyctl", "/bin/fly",
                                      "--health-url", "https://web.example/healthz", "--warmup", "5s", "--output", "json"}));
    CHECK(r.what == action::rollback);
    CHECK(r.rollback_to == "v41");
    CHECK(r.deploy.app == "web");
    CHECK(r.deploy.options.at("flyctl") == "/bin/fly");
    CHECK(r.deploy.warmup == 5s);
    CHECK(r.json_output);
    CHECK(std::get<command>(parse({"rollback", "--help"})).what == action::show_rollback_help);
    CHECK(problem({"rollback", "--image", "x"}) == "--image is not a flag of r1 rollback (see r1 rollback --help)");
    CHECK(problem({"rollback", "--auto-rollback"}) == "--auto-rollback is not a flag of r1 rollback (see r1 rollback --help)");
    CHECK(rollback_help().find("  --to VERSION") != std::string_view::npos);
    CHECK(deploy_help().find("  --auto-rollback") != std::string_view::npos);
}
