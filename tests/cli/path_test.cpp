// Where r1 finds the programs it runs, and what they get: never a flyctl or git from the current
// or a relative directory (an unset $PATH is the system's default path, as execvp takes it), and
// git, which needs no credentials, never gets the secret variables.
#include "tests/support/fake_flyctl.hpp"
#include "tests/support/processes.hpp"
#include "tests/support/r1_process.hpp"
#include "tests/support/stall_server.hpp"

#include <catch2/catch.hpp>

#include <filesystem>
#include <string>

#include <sys/stat.h>

using r1::test::fake_flyctl;
using r1::test::read_file;
using r1::test::refused_http_url;
using r1::test::run_r1;
using r1::test::temp_dir;
using r1::test::write_file;

namespace {

/// A program that records its environment in <dir>/<name>.ran and, as git, prints a commit.
void plant(const std::filesystem::path& dir, const std::string& name) {
    std::filesystem::create_directories(dir);
    auto path = dir / name;
    write_file(path, "#!/bin/sh\nenv > \"$0.ran\"\necho 0123456789abcdef0123456789abcdef01234567\n");
    ::chmod(path.c_str(), 0755);
}

const std::string token = "FlyV1 fm2_lJPECAAAAAAAAMfakeTOKENvalue0123456789+/abcdEFGH==";

}  // namespace

TEST_CASE("r1 deploy: without $PATH, or with empty or relative entries, no flyctl or git is run from the "
          "current directory",
          "[cli][security][path]") {
    temp_dir dir;
    plant(dir.path(), "flyctl");
    plant(dir.path(), "git");
    plant(dir / "bin", "flyctl");
    plant(dir / "bin", "git");
    std::filesystem::create_directories(dir / ".git");
    r1::test::r1_options o{.args = {"deploy", "--app", "demo-app", "--retries", "0", "--health-url", refused_http_url()},
                           .env = {{"FLY_API_TOKEN", token}},
                           .cwd = dir.path().string()};
    // "" stands for no PATH at all: the system's default path.
    auto path = GENERATE(as<std::string>{}, "", ":/nonexistent", "/nonexistent:", ".:bin:./bin");
    INFO("PATH=" << (path.empty() ? "(unset)" : path));
    if (path.empty()) o.unset_env = {"PATH"};
    else o.env.emplace_back("PATH", path);
    auto r = run_r1(o);
    INFO(r.err);
    CHECK(r.exit_code == 2);
    CHECK(r.err.find("flyctl not found on $PATH") != std::string::npos);
    for (const auto* f : {"flyctl.ran", "git.ran", "bin/flyctl.ran", "bin/git.ran"}) {
        INFO(f);
        CHECK_FALSE(std::filesystem::exists(dir / f));
    }
}

TEST_CASE("r1 deploy: git gets r1's environment without the secret variables; flyctl gets them all",
          "[cli][security][path][secrets]") {
    temp_dir dir;
    fake_flyctl fly;
    r1::test::stall_server server;
    plant(dir / "tools", "git");
    std::filesystem::create_directories(dir / "app" / ".git");  // git is asked for HEAD only in a work tree
    auto r = run_r1({.args = {"deploy", "--app", "demo-app", "--flyctl", fly.path(), "--retries", "0", "--dir",
                              (dir / "app").string(), "--health-url", server.url("/")},
                     .env = {{"PATH", (dir / "tools").string() + ":/usr/bin:/bin"},
                             {"FAKE_FLY_RECORD", fly.record_dir()},
                             {"FLY_API_TOKEN", token},
                             {"R1_TEST_DB_PASSWORD", "correct-horse-battery-staple"},
                             {"R1_TEST_HARMLESS", "kept"}}});
    INFO(r.err);
    CHECK(r.exit_code == 0);
    auto git_env = read_file(dir / "tools" / "git.ran");
    REQUIRE_FALSE(git_env.empty());
    CHECK(git_env.find("FLY_API_TOKEN") == std::string::npos);
    CHECK(git_env.find("R1_TEST_DB_PASSWORD") == std::string::npos);
    CHECK(git_env.find("fm2_") == std::string::npos);
    CHECK(git_env.find("R1_TEST_HARMLESS=kept\n") != std::string::npos);
    CHECK(git_env.find("PATH=" + (dir / "tools").string()) != std::string::npos);
    auto fly_env = fly.recorded("env");
    CHECK(fly_env.find("FLY_API_TOKEN=" + token + "\n") != std::string::npos);
    CHECK(fly_env.find("R1_TEST_DB_PASSWORD=correct-horse-battery-staple\n") != std::string::npos);
}
