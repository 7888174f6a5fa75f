#include "providers/fly/flyctl.hpp"

#include "tests/support/fake_runner.hpp"
#include "tests/support/processes.hpp"
#include "tests/support/run.hpp"

#include <catch2/catch.hpp>

#include <csignal>
#include <filesystem>

using r1::providers::fly::fly_deploy_spec;
using r1::test::fake_runner;

namespace {

fly_deploy_spec spec() {
    return {.flyctl = "/opt/fly/flyctl", .app = "demo", .region = "iad", .dir = "/srv/demo",
            .deadline = std::chrono::steady_clock::now() + std::chrono::minutes(1)};
}

}  // namespace

TEST_CASE("flyctl_provider: reports a failed deploy with the CLI's last stderr line", "[providers][flyctl]") {
    fake_runner runner;
    runner.reply({"deploy"}, {.exit_code = 1, .err_tail = "Error: app not found\n"});
    auto r = r1::test::run(r1::providers::fly::run_flyctl_deploy(runner, spec()));
    CHECK(r.ec == r1::error::provider_failed);
    CHECK(r.message == "flyctl deploy (app demo) exited 1: Error: app not found");
    REQUIRE(runner.calls().size() == 1);
    CHECK(runner.calls()[0].cwd == "/srv/demo");
    CHECK(runner.calls()[0].argv ==
          std::vector<std::string>{"/opt/fly/flyctl", "deploy", "--app", "demo", "--region", "iad"});
}

TEST_CASE("flyctl_provider: says how flyctl ended when it did not exit", "[providers][flyctl]") {
    fake_runner runner;
    SECTION("killed") {
        runner.reply({"deploy"}, {.signal = SIGKILL});
        auto r = r1::test::run(r1::providers::fly::run_flyctl_deploy(runner, spec()));
        CHECK(r.message == "flyctl deploy (app demo) was killed by signal 9 (SIGKILL)");
    }
    SECTION("timed out") {
        runner.reply({"deploy"}, {.signal = SIGTERM, .timed_out = true});
        auto r = r1::test::run(r1::providers::fly::run_flyctl_deploy(runner, spec()));
        CHECK(r.ec == r1::error::provider_failed);
        CHECK(r.message == "flyctl deploy (app demo) timed out and was stopped");
    }
    SECTION("cancelled") {
        runner.reply({"deploy"}, {.signal = SIGINT, .cancelled = true});
        auto r = r1::test::run(r1::providers::fly::run_flyctl_deploy(runner, spec()));
        CHECK(r.ec == r1::error::interrupted);
    }
    SECTION("success") {
        runner.reply({"deploy"}, {.exit_code = 0});
        auto r = r1::test::run(r1::providers::fly::run_flyctl_deploy(runner, spec()));
        CHECK_FALSE(r.ec);
    }
}

TEST_CASE("flyctl_provider: strips colour codes and control bytes from the quoted stderr", "[providers][flyctl]") {
    fake_runner runner;
    runner.reply({"deploy"}, {.exit_code = 1, .err_tail = "\x1b[31mError:\x1b[0m bad\x07 config\r\n"});
    auto r = r1::test::run(r1::providers::fly::run_flyctl_deploy(runner, spec()));
    CHECK(r.message == "flyctl deploy (app demo) exited 1: Error: bad\xEF\xBF\xBD config");
}

TEST_CASE("flyctl_provider: adds --image after the region", "[providers][flyctl][argv]") {
    auto s = spec();
    s.image = "registry.fly.io/demo:v1";
    CHECK(r1::providers::fly::flyctl_deploy_argv(s) == std::vector<std::string>{"/opt/fly/flyctl", "deploy", "--app", "demo",
                                                                         "--region", "iad", "--image",
                                                                         "registry.fly.io/demo:v1"});
}

TEST_CASE("flyctl_provider: resolve_flyctl prefers --flyctl, then flyctl, then fly", "[providers][flyctl][path]") {
    r1::test::temp_dir a, b;
    auto make = [](const std::filesystem::path& p) {
        r1::test::write_file(p, "#!/bin/sh\n");
        std::filesystem::permissions(p, std::filesystem::perms::owner_all);
    };
    make(a / "fly");
    make(b / "flyctl");
    auto path = a.path().string() + ":" + b.path().string();
    CHECK(r1::providers::fly::resolve_flyctl("", path).value() == (b / "flyctl").string());
    CHECK(r1::providers::fly::resolve_flyctl("", a.path().string()).value() == (a / "fly").string());
    CHECK(r1::providers::fly::resolve_flyctl((a / "fly").string(), b.path().string()).value() == (a / "fly").string());
    auto missing = r1::providers::fly::resolve_flyctl("", "/nonexistent");
    REQUIRE(missing.has_error());
    CHECK(missing.error() == r1::error::flyctl_not_found);
    CHECK(r1::providers::fly::resolve_flyctl((a / "nope").string(), path).error() == r1::error::flyctl_not_found);
}
