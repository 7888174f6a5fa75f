#include "providers/fly/stack.hpp"
#include "providers/rollback_rule.hpp"

#include "tests/support/processes.hpp"

#include <catch2/catch.hpp>

#include <filesystem>

using namespace r1::providers;
using namespace r1::providers::fly;
using r1::test::temp_dir;
using r1::test::write_file;
using namespace std::chrono_literals;

TEST_CASE("stack: a directory's stack is told by its files, in flyctl's scanner order", "[providers][fly][stack]") {
    temp_dir d;
    SECTION("a Dockerfile, its EXPOSE port") {
        write_file(d / "Dockerfile", "FROM node:22\nRUN npm ci\n# EXPOSE 9999 in a comment is not it\nEXPOSE 3000/tcp\nEXPOSE 4000\n");
        write_file(d / "package.json", "{\"dependencies\":{\"next\":\"15\"}}");
        auto s = detect_stack(d.path().string());
        CHECK(s.kind == stack_kind::dockerfile);
        CHECK(s.port == 3000);
        CHECK(s.evidence == "Dockerfile, EXPOSE 3000");
    }
    SECTION("a Dockerfile without EXPOSE listens on 8080") {
        write_file(d / "Dockerfile", "FROM scratch\n");
        CHECK(detect_stack(d.path().string()).port == 8080);
    }
    SECTION("Go") {
        write_file(d / "go.mod", "module example.com/web\n");
        CHECK(detect_stack(d.path().string()).builtin == "go");
    }
    SECTION("Next.js by its config, or by package.json") {
        write_file(d / "package.json", "{\"dependencies\":{\"next\":\"15.1.0\",\"react\":\"19\"}}");
        auto s = detect_stack(d.path().string());
        CHECK(s.kind == stack_kind::nextjs);
        CHECK(s.evidence == "package.json names next");
        write_file(d / "next.config.js", "module.exports = {}\n");
        CHECK(detect_stack(d.path().string()).evidence == "next.config.js");
    }
    SECTION("Node") {
        write_file(d / "package.json", "{\"scripts\":{\"start\":\"node server.js\"}}");
        auto s = detect_stack(d.path().string());
        CHECK(s.kind == stack_kind::node);
        CHECK(s.builtin == "node");
    }
    SECTION("a static site") {
        write_file(d / "index.html", "<h1>hi</h1>\n");
        CHECK(detect_stack(d.path().string()).kind == stack_kind::static_site);
    }
    SECTION("empty, or nothing r1 knows") {
        CHECK(detect_stack(d.path().string()).kind == stack_kind::none);
        write_file(d / "README.md", "# nothing to build\n");
        write_file(d / "main.rs", "fn main() {}\n");
        CHECK(detect_stack(d.path().string()).kind == stack_kind::none);
    }
}

TEST_CASE("stack: the fly.toml for a stack says what it is built from and listens on", "[providers][fly][stack]") {
    detected_stack node{stack_kind::node, "Node.js", "package.json", 8080, "node"};
    auto toml = render_stack_fly_toml(node, {.app = "web", .region = "fra", .image = {}});
    CHECK(toml.starts_with("# fly.toml written by r1 for a Node.js app (package.json)\n"
                           "# See https://fly.io/docs/reference/configuration/\n"
                           "app = \"web\"\nprimary_region = \"fra\"\n\n[build]\n  builtin = \"node\"\n\n"
                           "[http_service]\n  internal_port = 8080\n"));
    detected_stack docker{stack_kind::dockerfile, "Dockerfile", "Containerfile, EXPOSE 5000", 5000, ""};
    auto d = render_stack_fly_toml(docker, {.app = "web", .region = "iad", .image = {}});
    CHECK(d.find("[build]\n  dockerfile = \"Containerfile\"\n") != std::string::npos);
    CHECK(d.find("internal_port = 5000\n") != std::string::npos);
}

TEST_CASE("stack: write_new_file never replaces a file, nor follows a link at the name", "[providers][fly][stack]") {
    temp_dir d;
    auto path = (d / "fly.toml").string();
    CHECK(write_new_file(path, "app = \"web\"\n").empty());
    CHECK(r1::test::read_file(d / "fly.toml") == "app = \"web\"\n");
    CHECK(write_new_file(path, "app = \"other\"\n").find("File exists") != std::string::npos);
    CHECK(r1::test::read_file(d / "fly.toml") == "app = \"web\"\n");
    std::filesystem::create_symlink(d / "elsewhere", d / "link.toml");
    CHECK_FALSE(write_new_file((d / "link.toml").string(), "x").empty());
    CHECK_FALSE(std::filesystem::exists(d / "elsewhere"));
}

TEST_CASE("rollback_rule: only a health check still failing 30 s after the deploy started rolls back",
          "[providers][rollback]") {
    rollback_inputs in{.health_passed = false, .since_deploy_start = 31s, .browser = browser_evidence::off,
                       .console_errors = 0, .have_target = true};
    CHECK(decide_rollback(in).roll_back);
    CHECK(decide_rollback(in).why == "the health check still fails 31s after the deploy started");
    auto no = [&](auto change, std::string why) {
        auto x = in;
        change(x);
        auto d = decide_rollback(x);
        CHECK_FALSE(d.roll_back);
        CHECK(d.why == why);
    };
    no([](auto& x) { x.health_passed = true; }, "the health check passes");
    no([](auto& x) { x.since_deploy_start = 12s; },
       "the release failed 12s after the deploy started, before the 30s a rollback waits for");
    no([](auto& x) { x.have_target = false; }, "first deploy: there is no earlier release to go back to");
    no([](auto& x) { x.browser = browser_evidence::ran; }, "the browser saw no console errors");
    auto browser = in;
    browser.browser = browser_evidence::ran;
    browser.console_errors = 2;
    CHECK(decide_rollback(browser).why == "the health check still fails 31s after the deploy started and the page "
                                          "logged 2 console errors");
    browser.browser = browser_evidence::not_run;
    CHECK(decide_rollback(browser).roll_back);  // no 200, so no page: worse than console errors
    auto at_30 = in;
    at_30.since_deploy_start = 30s;
    CHECK(decide_rollback(at_30).roll_back);
}
