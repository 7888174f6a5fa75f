#include "providers/deploy.hpp"

#include "tests/support/fake_http.hpp"
#include "tests/support/fake_runner.hpp"
#include "tests/support/manual_clock.hpp"
#include "tests/support/processes.hpp"
#include "tests/support/run.hpp"

#include <catch2/catch.hpp>

#include <filesystem>

using r1::test::fake_http;
using r1::test::fake_runner;

namespace {

r1::deploy_result deploy(r1::deploy_config cfg, fake_runner& runner, fake_http& http) {
    r1::deploy_services services{runner, http, {}, "/nonexistent"};
    return r1::test::run(r1::deploy(std::move(cfg), std::move(services)));
}

}  // namespace

TEST_CASE("deploy: --verify-only with --app alone checks https://<app>.fly.dev", "[providers][deploy][verify]") {
    fake_runner runner;
    fake_http http;
    r1::deploy_config cfg;
    cfg.app = "my-app";
    cfg.verify_only = true;
    cfg.expected_body = "OK";
    auto r = deploy(cfg, runner, http);
    CHECK_FALSE(r.ec);
    CHECK(r.output == "health check: 200 OK (2 bytes)");
    REQUIRE(http.requests().size() == 1);
    CHECK(http.requests()[0].target.text() == "https://my-app.fly.dev/");
    CHECK(http.requests()[0].expected_substring == "OK");
    CHECK(http.requests()[0].user_agent == r1::health_user_agent());
    CHECK(runner.calls().empty());
}

TEST_CASE("deploy: the library reports sentinel errors before running anything", "[providers][deploy][errors]") {
    fake_runner runner;
    fake_http http;
    SECTION("app name missing on a real deploy") {
        auto r = deploy({}, runner, http);
        CHECK(r.ec == r1::error::app_name_missing);
        CHECK(std::error_code(r.ec) == r1::error::app_name_missing);
    }
    SECTION("flyctl not found") {
        r1::deploy_config cfg;
        cfg.app = "demo";
        auto r = deploy(cfg, runner, http);
        CHECK(r.ec == r1::error::flyctl_not_found);
    }
    SECTION("a --browser-url that is no http(s) URL") {
        r1::deploy_config cfg;
        cfg.verify_only = true;
        cfg.health_url = "https://example.com/healthz";
        cfg.browser = true;
        cfg.browser_url = "ftp://example.com/";
        auto r = deploy(cfg, runner, http);
        CHECK(r.ec == r1::error::usage);
        CHECK(r.message.starts_with("invalid --browser-url: "));
    }
    SECTION("provider not supported") {
        r1::deploy_config cfg;
        cfg.provider = "heroku";
        cfg.dry_run = true;
        auto r = deploy(cfg, runner, http);
        CHECK(r.ec == r1::error::provider_unsupported);
        CHECK(r.output.empty());
    }
    CHECK(runner.calls().empty());
    CHECK(http.requests().empty());
}

TEST_CASE("deploy: dry-run renders the preview and touches neither runner nor network", "[providers][deploy][dry-run]") {
    fake_runner runner;
    fake_http http;
    r1::deploy_config cfg;
    cfg.app = "web";
    cfg.region = "fra";
    cfg.dry_run = true;
    auto r = deploy(cfg, runner, http);
    CHECK_FALSE(r.ec);
    CHECK(r.output.find("app = \"web\"\nprimary_region = \"fra\"\n") != std::string::npos);
    CHECK(runner.calls().empty());
    CHECK(http.requests().empty());
}

TEST_CASE("deploy: every deadline is taken from the injected clock", "[providers][deploy][clock]") {
    using namespace std::chrono_literals;
    r1::test::temp_dir dir;
    auto flyctl = dir / "flyctl";
    r1::test::write_file(flyctl, "#!/bin/sh\n");
    std::filesystem::permissions(flyctl, std::filesystem::perms::owner_all);
    fake_runner runner;
    // flyctl status --json: one machine running v2, which the deploy below reports making.
    const std::string status =
        R"({"Name":"demo","Version":2,"Deployed":true,"Machines":[{"id":"m1","state":"started",)"
        R"("image_ref":{"registry":"registry.fly.io","repository":"demo","tag":"deployment-2"},)"
        R"("config":{"metadata":{"fly_release_version":"2","fly_process_group":"app"}}}]})";
    runner.reply({"status"}, {.exit_code = 0, .out_tail = status});
    runner.reply({"deploy"}, {.exit_code = 0,
                              .out_tail = R"({"id":"r2","version":2,"image_ref":"registry.fly.io/demo:deployment-2"})"
                                          "\n"});
    fake_http http;
    r1::test::manual_clock clock;
    const auto start = clock.now();
    r1::deploy_config cfg;
    cfg.app = "demo";
    cfg.dir = dir.path().string();
    cfg.deploy_timeout = 7min;
    cfg.health_timeout = 3s;
    cfg.options["flyctl"] = flyctl.string();
    r1::deploy_services services{runner, http, {}, "/nonexistent"};
    services.clock = &clock;
    auto r = r1::test::run(r1::deploy(cfg, services));
    CHECK_FALSE(r.ec);
    // No git on this PATH: pre-flight status, the deploy, one status poll that finds v2 live.
    REQUIRE(runner.calls().size() == 3);
    CHECK(runner.calls()[0].argv[1] == "status");
    CHECK(runner.calls()[0].deadline == start + 60s);  // one flyctl query's own bound
    CHECK(runner.calls()[1].argv[1] == "deploy");
    CHECK(runner.calls()[1].deadline == start + 7min);
    CHECK(runner.calls()[2].deadline == start + 60s);  // within --release-timeout (5m)
    REQUIRE(http.requests().size() == 1);
    CHECK(http.requests()[0].deadline == start + 3s);
}
