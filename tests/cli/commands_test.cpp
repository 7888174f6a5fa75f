#include "tests/support/fake_flyctl.hpp"
#include "tests/support/r1_process.hpp"

#include <catch2/catch.hpp>

#include <filesystem>

using r1::test::run_r1;

TEST_CASE("r1 --help, deploy --help and --version answer on stdout with exit 0", "[cli][help]") {
    auto help = run_r1({.args = {"--help"}});
    CHECK(help.exit_code == 0);
    CHECK(help.out.find("r1 deploy") != std::string::npos);
    auto deploy_help = run_r1({.args = {"deploy", "--help"}});
    CHECK(deploy_help.exit_code == 0);
    for (auto flag : {"--provider", "--app", "--region", "--image", "--dir", "--flyctl", "--health-url",
                      "--expected-body", "--dry-run", "--verify-only", "--ca-file", "--timeout", "--deploy-timeout"})
        CHECK(deploy_help.out.find(flag) != std::string::npos);
    auto version = run_r1({.args = {"--version"}});
    CHECK(version.exit_code == 0);
    CHECK(version.out.starts_with("r1 0."));
}

TEST_CASE("r1 deploy: every named provider is wired; unknown ones fail fast with exit 2", "[cli][providers]") {
    r1::test::fake_flyctl fly;
    SECTION("wired: a missing CLI is exit 2 with how to install it") {
        auto name = GENERATE(as<std::string>{}, "vercel", "cloudflare", "docker", "kamal");
        auto r = run_r1({.args = {"deploy", "--provider", name, "--app", "x", "--health-url", "https://x.example.com/"},
                         .env = {{"PATH", "/nonexistent"}}});
        CHECK(r.exit_code == 2);
        CHECK(r.err.starts_with("r1: error: "));
        CHECK(r.err.find(" not found on $PATH: install ") != std::string::npos);
    }
    SECTION("unknown, even in a dry run") {
        auto r = run_r1({.args = {"deploy", "--provider", "heroku", "--app", "x", "--dry-run"}});
        CHECK(r.exit_code == 2);
        CHECK(r.err == "r1: error: unknown provider \"heroku\" (known: fly, vercel, cloudflare, docker, kamal)\n");
        CHECK(r.out.empty());
    }
    CHECK_FALSE(std::filesystem::exists(fly.record_dir() + "/argv"));
    CHECK(std::filesystem::exists(std::string(R1_SOURCE_DIR) + "/specs/deploy-phase2.md"));
}

TEST_CASE("r1 deploy --verify-only: usage errors exit 2", "[cli][verify][usage]") {
    SECTION("neither --health-url nor --app") {
        auto r = run_r1({.args = {"deploy", "--verify-only"}});
        CHECK(r.exit_code == 2);
        CHECK(r.err == "r1: error: --verify-only needs --health-url URL or --app NAME\n");
    }
    SECTION("a URL that does not parse") {
        auto url = GENERATE(as<std::string>{}, "not a url", "ftp://example.com/", "https://", "http://user:pw@127.0.0.1/");
        auto r = run_r1({.args = {"deploy", "--verify-only", "--health-url", url}});
        CHECK(r.exit_code == 2);
        CHECK(r.err.starts_with("r1: error: invalid --health-url: "));
        CHECK(r.err.find("pw") == std::string::npos);  // userinfo may be a credential: never echoed
    }
    SECTION("with --dry-run") {
        auto r = run_r1({.args = {"deploy", "--verify-only", "--dry-run", "--app", "x"}});
        CHECK(r.exit_code == 2);
    }
    SECTION("an unreadable --ca-file") {
        auto r = run_r1({.args = {"deploy", "--verify-only", "--health-url", "https://127.0.0.1:1/", "--ca-file",
                                  "/nonexistent/ca.pem"}});
        CHECK(r.exit_code == 2);
        CHECK(r.err.find("ca.pem") != std::string::npos);
    }
}

TEST_CASE("r1 deploy --verify-only: a refused connection is a failed check, exit 1", "[cli][verify]") {
    auto url = "http://127.0.0.1:" + std::to_string(r1::test::refused_port()) + "/healthz";
    auto r = run_r1({.args = {"deploy", "--verify-only", "--health-url", url}});
    CHECK(r.exit_code == 1);
    CHECK(r.out == "health check: GET " + url + ": connection refused\n");
}
