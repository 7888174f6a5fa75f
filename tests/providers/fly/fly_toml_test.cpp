#include "providers/fly/app_name.hpp"
#include "providers/fly/fly_toml.hpp"
#include "providers/registry.hpp"
#include "providers/toml.hpp"

#include <catch2/catch.hpp>

using namespace r1::providers;
using namespace r1::providers::fly;

TEST_CASE("toml_string: escapes quotes, backslashes and control characters", "[providers][toml]") {
    CHECK(toml_string("plain") == "\"plain\"");
    CHECK(toml_string("a\"b\\c") == "\"a\\\"b\\\\c\"");
    CHECK(toml_string("l1\nl2\tx\r") == "\"l1\\nl2\\tx\\r\"");
    CHECK(toml_string(std::string("\x00\x1f\x7f", 3)) == "\"\\u0000\\u001F\\u007F\"");
    CHECK(toml_string("caf\xC3\xA9") == "\"caf\xC3\xA9\"");
    CHECK(toml_string("bad\xFF\xC3") == "\"bad\xEF\xBF\xBD\xEF\xBF\xBD\"");
    CHECK(toml_string("\xED\xA0\x80") == "\"\xEF\xBF\xBD\xEF\xBF\xBD\xEF\xBF\xBD\"");  // a UTF-16 surrogate
}

TEST_CASE("fly_toml: the preview names the app, region and build source", "[providers][toml][preview]") {
    auto dockerfile = render_fly_toml_preview({.app = "web", .region = "ams"});
    CHECK(dockerfile.starts_with("# fly.toml preview (provider=fly, dry-run)\napp = \"web\"\nprimary_region = \"ams\"\n"));
    CHECK(dockerfile.find("[build]\n  dockerfile = \"Dockerfile\"\n") != std::string::npos);
    auto image = render_fly_toml_preview({.app = "web", .region = "ams", .image = "nginx:1.27"});
    CHECK(image.find("[build]\n  image = \"nginx:1.27\"\n") != std::string::npos);
    CHECK(image.find("dockerfile") == std::string::npos);
    CHECK(render_fly_toml_preview({.region = "iad"}).find("app = \"<app-name-required>\"") != std::string::npos);
}

TEST_CASE("fly_app_name: accepts DNS-label names and explains the rest", "[providers][app-name]") {
    CHECK(app_name_problem("my-app-2").empty());
    CHECK(app_name_problem("a").empty());
    CHECK(app_name_problem(std::string(63, 'a')).empty());
    CHECK_FALSE(app_name_problem(std::string(64, 'a')).empty());
    CHECK_FALSE(app_name_problem("").empty());
    CHECK_FALSE(app_name_problem("My-App").empty());
    CHECK_FALSE(app_name_problem("my_app").empty());
    CHECK_FALSE(app_name_problem("-app").empty());
    CHECK_FALSE(app_name_problem("app-").empty());
    auto msg = app_name_problem("a\nb\x1b[31m");
    CHECK(msg.find('\n') == std::string::npos);
    CHECK(msg.find('\x1b') == std::string::npos);
}

TEST_CASE("provider_registry: fly and the four others are wired, others unknown", "[providers][registry]") {
    const auto& reg = registry::builtin();
    REQUIRE(reg.find("fly") != nullptr);
    CHECK(reg.find("fly")->cli_name() == "flyctl");
    CHECK(reg.why_not("fly").empty());
    for (auto name : {"vercel", "cloudflare", "docker", "kamal"}) {
        CHECK(reg.find(name) != nullptr);
        CHECK(reg.why_not(name).empty());
    }
    CHECK(reg.find("heroku") == nullptr);
    CHECK(reg.why_not("heroku") == "unknown provider \"heroku\" (known: fly, vercel, cloudflare, docker, kamal)");
}
