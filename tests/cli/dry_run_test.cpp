#include "tests/support/processes.hpp"
#include "tests/support/r1_process.hpp"

#include <catch2/catch.hpp>

#include <algorithm>
#include <filesystem>

using r1::test::run_r1;

namespace {

const std::string golden_default = R"(# fly.toml preview (provider=fly, dry-run)
app = "my-app"
primary_region = "iad"

[build]
  dockerfile = "Dockerfile"

[http_service]
  internal_port = 8080
  force_https = true
  auto_stop_machines = "stop"
  auto_start_machines = true
  min_machines_running = 0

[[http_service.checks]]
  grace_period = "10s"
  interval = "30s"
  method = "GET"
  path = "/"
  timeout = "5s"
)";

std::string replace(std::string s, const std::string& from, const std::string& to) {
    s.replace(s.find(from), from.size(), to);
    return s;
}

}  // namespace

TEST_CASE("r1 deploy --dry-run: prints the fly.toml preview exactly and exits 0", "[cli][dry-run]") {
    auto r = run_r1({.args = {"deploy", "--provider", "fly", "--app", "my-app", "--dry-run"}});
    CHECK(r.exit_code == 0);
    CHECK(r.out == golden_default);
    // The acceptance criteria are evaluated and soft-pass, on stderr so the preview stays clean.
    CHECK(r.err ==
          "r1: DEPLOY-COMMIT-MATCH pass: skipped in dry-run\nr1: DEPLOY-RELEASE-LIVE pass: skipped in dry-run\n"
          "r1: DEPLOY-HEALTH-200 pass: skipped in dry-run\n");
}

TEST_CASE("r1 deploy --dry-run: --region and --image fill the preview", "[cli][dry-run]") {
    SECTION("region") {
        auto r = run_r1({.args = {"deploy", "--app", "my-app", "--region", "fra", "--dry-run"}});
        CHECK(r.exit_code == 0);
        CHECK(r.out == replace(golden_default, "\"iad\"", "\"fra\""));
    }
    SECTION("image replaces the dockerfile line") {
        auto r = run_r1({.args = {"deploy", "--app", "my-app", "--image=registry.fly.io/my-app:v42", "--dry-run"}});
        CHECK(r.exit_code == 0);
        CHECK(r.out == replace(golden_default, "  dockerfile = \"Dockerfile\"", "  image = \"registry.fly.io/my-app:v42\""));
    }
    SECTION("no app shows the placeholder") {
        auto r = run_r1({.args = {"deploy", "--dry-run"}});
        CHECK(r.exit_code == 0);
        CHECK(r.out == replace(golden_default, "\"my-app\"", "\"<app-name-required>\""));
    }
}

TEST_CASE("r1 deploy --dry-run: starts no process and writes no file", "[cli][dry-run]") {
    r1::test::temp_dir cwd;
    r1::test::temp_dir bin;
    // A flyctl on $PATH that would leave a mark if anything ran it.
    r1::test::write_file(bin / "flyctl", "#!/bin/sh\ntouch \"" + (bin / "ran").string() + "\"\n");
    std::filesystem::permissions(bin / "flyctl", std::filesystem::perms::owner_all);
    auto r = run_r1({.args = {"deploy", "--app", "my-app", "--dry-run"},
                     .env = {{"PATH", bin.path().string() + ":/usr/bin:/bin"}},
                     .cwd = cwd.path().string()});
    CHECK(r.exit_code == 0);
    CHECK_FALSE(std::filesystem::exists(bin / "ran"));
    CHECK(std::filesystem::is_empty(cwd.path()));
}

TEST_CASE("r1 deploy --dry-run: hostile app names are usage errors, never injected", "[cli][dry-run][toml]") {
    auto name = GENERATE(as<std::string>{}, "evil\"\napp = \"pwned", "My-App", "app name", "a\\b", "-leading",
                         "trailing-", "x]\n[build]", std::string(64, 'a'), "caf\xC3\xA9", "bad\xFF");
    CAPTURE(name);
    auto r = run_r1({.args = {"deploy", "--app", name, "--dry-run"}});
    CHECK(r.exit_code == 2);
    CHECK(r.out.empty());
    CHECK(r.err.find("app name") != std::string::npos);
    CHECK(std::count(r.err.begin(), r.err.end(), '\n') == 1);  // one line, however hostile the input
}

TEST_CASE("r1 deploy --dry-run: hostile regions and images are usage errors, never rendered",
          "[cli][dry-run][toml][usage]") {
    // They reach flyctl's argv and the preview: anything but a region code or an image reference is
    // refused before either is built (the preview's escaping is proven in fly_toml_test and fuzz_preview).
    auto [flag, value, what] = GENERATE(table<std::string, std::string, std::string>({
        {"--region", "fra\"\n[evil]\nx = 1\t\\", "invalid region"},
        {"--region", "FRA", "invalid region"},
        {"--region", "--build-only", "invalid region"},
        {"--region", std::string(17, 'a'), "invalid region"},
        {"--region", "fr\xC3\xA9", "invalid region"},
        {"--image", "img\x01\x7f\"]]\n'''", "invalid image"},
        {"--image", "--remote-only", "invalid image"},
        {"--image", "nginx:latest latest", "invalid image"},
        {"--image", "a@sha256:1@sha256:2", "invalid image"},
        {"--image", "reg.io/" + std::string(600, 'x'), "longer than 512 bytes"},
    }));
    CAPTURE(flag, value);
    auto r = run_r1({.args = {"deploy", "--app", "ok-app", flag, value, "--dry-run"}});
    CHECK(r.exit_code == 2);
    CHECK(r.out.empty());
    CHECK(r.err.find(what) != std::string::npos);
    CHECK(std::count(r.err.begin(), r.err.end(), '\n') == 1);
}

TEST_CASE("r1 deploy --dry-run: real image references and region codes are accepted", "[cli][dry-run]") {
    auto image = GENERATE(as<std::string>{}, "nginx", "registry.fly.io/my-app:deployment-01HZ",
                          "ghcr.io/org/app@sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef",
                          "localhost:5000/team/app_v2.1-rc");
    CAPTURE(image);
    auto r = run_r1({.args = {"deploy", "--app", "ok-app", "--region", "syd", "--image", image, "--dry-run"}});
    CHECK(r.exit_code == 0);
    CHECK(r.out.find("image = \"" + image + "\"") != std::string::npos);
}

TEST_CASE("r1 deploy --dry-run: a directory without fly.toml previews the fly.toml r1 would write for its stack",
          "[cli][dry-run][stack]") {
    r1::test::temp_dir dir;
    auto preview = [&] {
        return run_r1({.args = {"deploy", "--app", "my-app", "--dir", dir.path().string(), "--dry-run"}});
    };
    SECTION("empty or unrecognised: today's preview, exactly") {
        CHECK(preview().out == golden_default);
        r1::test::write_file(dir / "README.md", "# notes\n");
        CHECK(preview().out == golden_default);
    }
    SECTION("a Dockerfile with EXPOSE 3000") {
        r1::test::write_file(dir / "Dockerfile", "FROM node:22-slim\nEXPOSE 3000\nCMD [\"node\", \"server.js\"]\n");
        auto r = preview();
        CHECK(r.exit_code == 0);
        CHECK(r.out == "# fly.toml preview (provider=fly, dry-run): r1 writes this to " + (dir / "fly.toml").string() +
                           " before deploying\n"
                           "# fly.toml written by r1 for a Dockerfile app (Dockerfile, EXPOSE 3000)\n"
                           "# See https://fly.io/docs/reference/configuration/\n" +
                           replace(replace(golden_default, "# fly.toml preview (provider=fly, dry-run)\n", ""),
                                   "internal_port = 8080", "internal_port = 3000"));
    }
    SECTION("a Node.js app") {
        r1::test::write_file(dir / "package.json", "{\"scripts\":{\"start\":\"node server.js\"}}\n");
        auto r = preview();
        CHECK(r.out.find("for a Node.js app (package.json)\n") != std::string::npos);
        CHECK(r.out.find("[build]\n  builtin = \"node\"\n") != std::string::npos);
    }
    SECTION("an existing fly.toml is what flyctl reads: today's preview, nothing detected") {
        r1::test::write_file(dir / "Dockerfile", "EXPOSE 3000\n");
        r1::test::write_file(dir / "fly.toml", "app = \"mine\"\n");
        CHECK(preview().out == golden_default);
    }
    // Nothing written, whatever the stack.
    bool untouched = !std::filesystem::exists(dir / "fly.toml") || r1::test::read_file(dir / "fly.toml") == "app = \"mine\"\n";
    CHECK(untouched);
}
