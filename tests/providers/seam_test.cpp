// The provider seam, shown with a provider nobody ships: the adapter below, a stand-in CLI written by
// the test and one registry entry are all it takes for r1::deploy() to run it end to end: the real
// runner starts the CLI, the adapter reads the URL it printed, and the real HTTPS check proves it.
#include "net/beast_client.hpp"
#include "proc/browser/checker.hpp"
#include "proc/real_runner.hpp"
#include "providers/cli_step.hpp"
#include "providers/deploy.hpp"
#include "providers/registry.hpp"
#include "tests/support/processes.hpp"
#include "tests/support/run.hpp"
#include "tests/support/tls_server.hpp"
#include "tests/support/trusting_tls.hpp"

#include <catch2/catch.hpp>

#include <array>
#include <filesystem>

namespace {

namespace providers = r1::providers;

/// "pushd": a CLI that deploys with `pushd ship --name APP`, prints `live at <url>` on stdout, and
/// takes its token from PUSHD_TOKEN. Only the test knows it.
class pushd_provider final : public providers::provider {
public:
    std::string_view name() const override { return "pushd"; }
    std::string_view cli_name() const override { return "pushd"; }
    std::span<const providers::provider_option> options() const override { return opts; }
    void apply_defaults(r1::deploy_config&) const override {}
    std::string app_name_problem(std::string_view app) const override {
        return app.find('_') == std::string_view::npos ? "" : "pushd app names have no underscores";
    }
    std::vector<std::string> problems(const r1::deploy_config&) const override { return {}; }
    std::string preview(const r1::deploy_config& cfg) const override { return "pushd ship --name " + cfg.app + "\n"; }
    r1::result<std::string> locate_cli(const r1::deploy_config& cfg, std::string_view) const override {
        auto it = cfg.options.find("pushd");
        if (it == cfg.options.end()) return make_error_code(r1::error::cli_not_found);
        return it->second;
    }
    std::string cli_missing(const r1::deploy_config&) const override { return "pushd not found: pass --pushd PATH"; }
    boost::asio::awaitable<providers::deploy_outcome> deploy(r1::proc::runner& runner,
                                                             providers::deploy_request req) const override {
        providers::cli_step step;
        step.what = "pushd ship (app " + req.cfg.app + ")";
        step.argv = {req.cli, "ship", "--name", req.cfg.app};
        step.cwd = req.cfg.dir;
        step.deadline = req.deadline;
        step.on_output = std::move(req.on_output);
        auto ran = co_await providers::run_cli_step(runner, std::move(step));
        if (!ran.outcome.ec) {
            auto at = ran.output.out_tail.find("live at ");
            if (at == std::string::npos) {
                ran.outcome = {make_error_code(r1::error::bad_provider_output), "pushd printed no URL"};
            } else {
                auto url = ran.output.out_tail.substr(at + 8);
                ran.outcome.url = url.substr(0, url.find('\n'));
            }
        }
        co_return std::move(ran.outcome);
    }
    std::string default_health_url(const r1::deploy_config&, const providers::deploy_outcome* reported) const override {
        return reported ? reported->url : "";
    }
    std::span<const std::string_view> credential_variables() const override { return credentials; }

private:
    static constexpr std::array<providers::provider_option, 1> opts{{{"--pushd", "pushd", "PATH", "pushd binary"}}};
    static constexpr std::array<std::string_view, 1> credentials{"PUSHD_TOKEN"};
};

/// Records what deploy() asks of the browser-check seam and passes every page.
class recording_checker final : public r1::proc::browser::page_checker {
public:
    std::vector<r1::proc::browser::check_request> asked;
    boost::asio::awaitable<r1::proc::browser::page_report> check(r1::proc::browser::check_request req) override {
        asked.push_back(std::move(req));
        r1::proc::browser::page_report ok;
        ok.line = "browser check: OK";
        co_return ok;
    }
    boost::asio::awaitable<void> close() override { co_return; }
};

providers::registry with_pushd() {
    std::vector<std::unique_ptr<providers::provider>> wired;
    wired.push_back(std::make_unique<pushd_provider>());  // the one registry line
    return providers::registry{std::move(wired), {}};
}

}  // namespace

TEST_CASE("provider seam: a new provider is driven end to end through r1::deploy", "[providers][seam]") {
    r1::test::tls_server server;
    r1::test::temp_dir dir;
    auto cli = dir / "pushd";
    r1::test::write_file(cli, "#!/bin/sh\n[ \"$1 $2 $3\" = \"ship --name web\" ] || exit 9\necho building >&2\n"
                              "echo \"live at " + server.https_url("/ok") + "\"\n");
    std::filesystem::permissions(cli, std::filesystem::perms::owner_all);

    auto reg = with_pushd();
    auto tls = r1::test::trusting_tls();
    r1::net::beast_client http{tls};
    r1::proc::real_runner runner;
    r1::deploy_config cfg;
    cfg.provider = "pushd";
    cfg.app = "web";
    cfg.dir = dir.path().string();
    cfg.retries = 0;
    cfg.options["pushd"] = cli.string();
    std::string seen;
    r1::deploy_services services{runner, http, [&](std::string_view chunk) { seen += chunk; }, "/nonexistent"};
    services.providers = &reg;

    SECTION("success: the URL the CLI printed is the health URL") {
        auto r = r1::test::run(r1::deploy(cfg, services));
        INFO(r.message);
        CHECK_FALSE(r.ec);
        CHECK(r.output == "health check: 200 OK (10 bytes)");
        CHECK(r.reported.url == server.https_url("/ok"));
        CHECK(seen.find("building") != std::string::npos);
        REQUIRE(server.requests().size() == 1);
        CHECK(server.requests()[0].target == "/ok");
    }
    SECTION("without the lifecycle steps the seam's defaults apply: no pre-flight, no release proof, no rollback") {
        std::vector<std::string> events;
        services.on_event = [&](const providers::lifecycle_event& e) { events.emplace_back(e.name); };
        auto r = r1::test::run(r1::deploy(cfg, services));
        CHECK_FALSE(r.ec);
        REQUIRE(r.criteria.size() == 3);
        CHECK(r.criteria[1].id == "DEPLOY-RELEASE-LIVE");
        CHECK(r.criteria[1].passed);
        CHECK(r.criteria[1].detail == "not checked: provider pushd reports no releases");
        CHECK_FALSE(r.previous);
        CHECK(events == std::vector<std::string>{"release"});  // a not-checked pre-flight is not announced
        cfg.auto_rollback = true;
        auto refused = r1::test::run(r1::deploy(cfg, services));
        CHECK(refused.ec == r1::error::usage);
        CHECK(refused.message == "--auto-rollback: provider pushd has no rollback in r1 yet");
        cfg.auto_rollback = false;
        auto rollback = r1::test::run(r1::roll_back(cfg, "", services));
        CHECK(rollback.ec == r1::error::usage);
        CHECK(rollback.message == "provider pushd has no rollback in r1 yet");
    }
    SECTION("--browser: the page loaded is the URL the CLI printed, trusting the key r1 verified there") {
        recording_checker browser;
        services.browser = &browser;
        cfg.browser = true;
        cfg.browser_timeout = std::chrono::seconds(7);
        auto r = r1::test::run(r1::deploy(cfg, services));
        INFO(r.message);
        CHECK_FALSE(r.ec);
        REQUIRE(browser.asked.size() == 1);
        CHECK(browser.asked[0].url == server.https_url("/ok"));
        CHECK(browser.asked[0].trusted_spki.size() == 1);  // the loopback server's leaf, as r1 verified it
        CHECK(browser.asked[0].timeout == std::chrono::seconds(7));
        REQUIRE(r.browser.has_value());
        CHECK(r.browser->line == "browser check: OK");
    }
    SECTION("the CLI failing is the provider's failure, in the adapter's words") {
        cfg.app = "api";  // the stand-in exits 9 for any other app
        auto r = r1::test::run(r1::deploy(cfg, services));
        CHECK(r.ec == r1::error::provider_failed);
        CHECK(r.message == "pushd ship (app api) exited 9");
        CHECK(server.requests().empty());
    }
    SECTION("its own name rules, preview and missing-CLI message") {
        cfg.app = "bad_name";
        CHECK(r1::test::run(r1::deploy(cfg, services)).message == "pushd app names have no underscores");
        cfg.app = "web";
        cfg.dry_run = true;
        CHECK(r1::test::run(r1::deploy(cfg, services)).output == "pushd ship --name web\n");
        cfg.dry_run = false;
        cfg.options.clear();
        auto missing = r1::test::run(r1::deploy(cfg, services));
        CHECK(missing.ec == r1::error::cli_not_found);
        CHECK(missing.message == "pushd not found: pass --pushd PATH");
    }
    SECTION("the built-in registry does not know it") {
        services.providers = nullptr;
        CHECK(r1::test::run(r1::deploy(cfg, services)).ec == r1::error::provider_unsupported);
    }
}

TEST_CASE("release_ref: fly's numbered releases read v42, another provider's release names as they are",
          "[providers][seam][release]") {
    CHECK(providers::release_ref{"rel_1", "42", "registry.fly.io/web:deployment-01J"}.label() ==
          "v42 (registry.fly.io/web:deployment-01J)");
    CHECK(providers::release_ref{{}, "42", {}}.label() == "v42");
    CHECK(providers::release_ref{{}, "dpl_8xK2fQ", {}}.label() == "dpl_8xK2fQ");
    CHECK(providers::release_ref{{}, "r1-web-b", "web:latest"}.label() == "r1-web-b (web:latest)");
    CHECK(providers::release_ref{{}, {}, "web:latest"}.label() == "web:latest");
}
