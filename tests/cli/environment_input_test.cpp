// The environment is input too: $PATH and secret variables are whatever the CI image or the
// operator's shell holds, and r1 must neither crash on them nor change what it passes on.
#include "tests/support/fake_flyctl.hpp"
#include "tests/support/processes.hpp"
#include "tests/support/r1_process.hpp"

#include <catch2/catch.hpp>

#include <algorithm>
#include <filesystem>

using r1::test::fake_flyctl;
using r1::test::run_r1;
using r1::test::refused_http_url;

namespace {

/// A $PATH of entries that must be skipped: invalid UTF-8, control bytes, one far past PATH_MAX, a
/// file where a directory should be, a directory holding a flyctl that is not executable.
std::string hostile_path(const r1::test::temp_dir& dir) {
    r1::test::write_file(dir / "flyctl", "#!/bin/sh\nexit 0\n");  // mode 0644: not a candidate
    r1::test::write_file(dir / "plain-file", "x");
    return "/nonexistent\xff\xfe:/tmp/\x01\x1b[31m:/" + std::string(5000, 'a') + ":" + (dir / "plain-file").string() +
           ":" + dir.path().string();
}

}  // namespace

TEST_CASE("r1 deploy: a hostile $PATH without flyctl is one line and exit 2", "[cli][input][env]") {
    r1::test::temp_dir dir;
    auto r = run_r1({.args = {"deploy", "--app", "demo-app", "--health-url", refused_http_url()},
                     .env = {{"PATH", hostile_path(dir)}},
                     .cwd = dir.path().string()});
    CHECK(r.exit_code == 2);
    CHECK(r.err.find("flyctl not found on $PATH") != std::string::npos);
    CHECK(std::count(r.err.begin(), r.err.end(), '\n') == 1);
}

TEST_CASE("r1 deploy: flyctl is found past a hostile $PATH's bad entries", "[cli][input][env]") {
    r1::test::temp_dir dir;
    fake_flyctl fly;
    auto r = run_r1({.args = {"deploy", "--app", "demo-app", "--retries", "0", "--health-url", refused_http_url()},
                     .env = {{"PATH", hostile_path(dir) + ":" + fly.bin_dir() + ":/usr/bin:/bin"},
                             {"FAKE_FLY_RECORD", fly.record_dir()}},
                     .cwd = dir.path().string()});
    CHECK(r.exit_code == 1);  // deployed; the health URL is refused
    REQUIRE(!fly.recorded_argv().empty());
    CHECK(fly.recorded_argv().front() == fly.path());
}

TEST_CASE("r1 deploy: secret variables of any size reach flyctl unchanged", "[cli][input][env][secrets]") {
    // 100 KiB is past what r1 masks by value (16 KiB) and 5 bytes below it (8): neither may be
    // truncated, dropped or altered on the way to the child, and r1 must not stumble over them.
    const std::string huge = "fm2_" + std::string(100 * 1024, 'Q') + "end";
    const std::string tiny = "abc12";
    fake_flyctl fly;
    auto r = run_r1({.args = {"deploy", "--app", "demo-app", "--flyctl", fly.path(), "--retries", "0",
                              "--health-url", refused_http_url()},
                     .env = {{"FAKE_FLY_RECORD", fly.record_dir()}, {"FLY_API_TOKEN", huge}, {"DB_PASSWORD", tiny}}});
    CHECK(r.exit_code == 1);
    auto env = fly.recorded("env");
    CHECK(env.find("FLY_API_TOKEN=" + huge + "\n") != std::string::npos);
    CHECK(env.find("DB_PASSWORD=" + tiny + "\n") != std::string::npos);
    CHECK(r.err.find(huge) == std::string::npos);
    CHECK(r.out.find(huge) == std::string::npos);
}
