#include "cli/manifest.hpp"
#include "cli/settings.hpp"
#include "cli/url_list.hpp"
#include "tests/support/processes.hpp"

#include <catch2/catch.hpp>

#include <filesystem>
#include <string>

using namespace std::chrono_literals;
using r1::cli::fleet_manifest;
using r1::cli::manifest_base;
using r1::cli::read_fleet_manifest;
using r1::cli::read_url_list;

namespace {

std::string problems_text(const fleet_manifest& m) {
    std::string out;
    for (const auto& p : m.problems) out += std::to_string(p.line) + ": " + p.message + "\n";
    return out;
}

}  // namespace

TEST_CASE("manifest: [defaults] apply to every app, an app's own keys win", "[manifest]") {
    auto m = read_fleet_manifest(R"(# fleet
[defaults]            # any per-app key may be set here
provider = "fly"
region = "iad"
expected_body = "OK"
health_timeout = "5s"
retries = 1

[[app]]
name = "api"
dir = "services/api"

[[app]]
name = "web"
region = "fra"
health_url = "https://web.example.com/healthz"
retries = 0
deploy_timeout = "2m"
)",
                                 manifest_base{.base_dir = "/srv/fleet"});
    INFO(problems_text(m));
    REQUIRE(m.problems.empty());
    REQUIRE(m.tasks.size() == 2);
    const auto& api = m.tasks[0];
    CHECK(api.name == "api");
    CHECK(api.cfg.app == "api");
    CHECK(api.cfg.region == "iad");
    CHECK(api.cfg.expected_body == "OK");
    CHECK(api.cfg.dir == "/srv/fleet/services/api");  // relative to the manifest
    CHECK(api.cfg.health_timeout == 5s);
    CHECK(api.cfg.retries == 1);
    CHECK(api.line == 9);
    const auto& web = m.tasks[1];
    CHECK(web.cfg.region == "fra");
    CHECK(web.cfg.health_url == "https://web.example.com/healthz");
    CHECK(web.cfg.retries == 0);
    CHECK(web.cfg.deploy_timeout == 2min);
    CHECK(web.cfg.dir == "/srv/fleet/.");
}

TEST_CASE("manifest: command-line flags override [defaults] but not an app's keys", "[manifest]") {
    manifest_base base;
    base.cli.region = "ams";
    base.cli.expected_body = "ready";
    base.cli.dry_run = true;
    base.cli_keys = {"region", "expected_body"};
    auto m = read_fleet_manifest("[defaults]\nregion = \"iad\"\nexpected_body = \"OK\"\n"
                                 "[[app]]\nname = \"a\"\n[[app]]\nname = \"b\"\nregion = \"syd\"\n",
                                 base);
    REQUIRE(m.problems.empty());
    CHECK(m.tasks[0].cfg.region == "ams");
    CHECK(m.tasks[0].cfg.expected_body == "ready");
    CHECK(m.tasks[0].cfg.dry_run);
    CHECK(m.tasks[1].cfg.region == "syd");
}

TEST_CASE("manifest: every problem is listed with its line, and no task is returned", "[manifest]") {
    auto m = read_fleet_manifest(R"([defaults]
regoin = "iad"
name = "x"

[[app]]
name = "api"

[[app]]
name = "api"
health_url = "ftp://example.com/"

[[app]]
name = "Bad_Name"
retries = "two"
health_timeout = "soon"

[[app]]
region = "fra"
provider = "heroku"

[[apps]]
dir = 7
)",
                                 {});
    auto text = problems_text(m);
    INFO(text);
    CHECK(m.tasks.empty());
    CHECK(text.find("2: unknown key \"regoin\" (did you mean \"region\"?)") != std::string::npos);
    CHECK(text.find("3: name belongs in an [[app]] table") != std::string::npos);
    CHECK(text.find("9: duplicate app name \"api\" (first at line 6)") != std::string::npos);
    CHECK(text.find("8: invalid health_url") != std::string::npos);
    CHECK(text.find("13: invalid app name \"Bad_Name\"") != std::string::npos);
    CHECK(text.find("14: retries must be a whole number") != std::string::npos);
    CHECK(text.find("15: health_timeout \"soon\" is not a duration") != std::string::npos);
    CHECK(text.find("17: unknown provider \"heroku\" (known: fly, vercel") != std::string::npos);  // the registry's reason
    CHECK(text.find("17: this [[app]] has no name") != std::string::npos);
    CHECK(text.find("21: unknown table [apps] (did you mean [[app]]?)") != std::string::npos);
    CHECK(text.find("22: key \"dir\" is outside any table") == std::string::npos);  // it is inside [[apps]]
    // [app] beside [[app]] is a TOML error (toml++ stops there); alone, it is r1's to explain.
    CHECK(problems_text(read_fleet_manifest("[app]\nname = \"a\"\n", {})).find("1: [app] declares one table: use [[app]]") !=
          std::string::npos);
    // Sorted by line.
    for (std::size_t i = 1; i < m.problems.size(); ++i) CHECK(m.problems[i - 1].line <= m.problems[i].line);
}

TEST_CASE("manifest: the browser keys, true or false for the switches, and --browser over [defaults]",
          "[manifest][browser-keys]") {
    auto m = read_fleet_manifest(R"([defaults]
browser = false
browser_timeout = "10s"

[[app]]
name = "web"
browser_url = "https://web.example.com/"
max_console_errors = 2
fail_on_request_errors = true

[[app]]
name = "api"
browser = false
)",
                                 manifest_base{.cli = {.browser = true}, .cli_keys = {"browser"}});
    INFO(problems_text(m));
    REQUIRE(m.problems.empty());
    const auto& web = m.tasks[0].cfg;
    CHECK(web.browser);  // the command line's --browser over [defaults]
    CHECK(web.browser_url == "https://web.example.com/");
    CHECK(web.browser_timeout == 10s);
    CHECK(web.max_console_errors == 2);
    CHECK(web.fail_on_request_errors);
    CHECK_FALSE(m.tasks[1].cfg.browser);  // the app's own key over the command line
    CHECK_FALSE(m.tasks[1].cfg.fail_on_request_errors);

    auto bad = read_fleet_manifest(R"([[app]]
name = "web"
browser = "yes"
fail_on_request_errors = 1
browser_url = "ftp://web.example.com/"
max_console_errors = -1
browsr = true
)",
                                   {});
    auto text = problems_text(bad);
    INFO(text);
    CHECK(bad.tasks.empty());
    CHECK(text.find("3: browser must be true or false, not a string\n") != std::string::npos);
    CHECK(text.find("4: fail_on_request_errors must be true or false, not a whole number\n") != std::string::npos);
    CHECK(text.find("1: invalid browser_url: ") != std::string::npos);
    CHECK(text.find("6: max_console_errors must be a whole number from 0 to 1000000\n") != std::string::npos);
    CHECK(text.find("7: unknown key \"browsr\" (did you mean \"browser\"?)\n") != std::string::npos);
}

TEST_CASE("manifest: regions and images are checked like their flags", "[manifest]") {
    auto m = read_fleet_manifest("[defaults]\nregion = \"Frankfurt\"\n[[app]]\nname = \"a\"\nimage = \"--remote-only\"\n"
                                 "[[app]]\nname = \"b\"\nregion = \"fra\"\nimage = \"registry.fly.io/b:v1\"\n",
                                 {});
    auto text = problems_text(m);
    INFO(text);
    CHECK(m.tasks.empty());
    CHECK(text.find("3: invalid region \"Frankfurt\": use a region code such as iad or fra") != std::string::npos);
    CHECK(text.find("3: invalid image \"--remote-only\"") != std::string::npos);
    CHECK(text.find("6: ") == std::string::npos);  // app b is fine
}

TEST_CASE("manifest: TOML it does not take is refused by line, not misread", "[manifest][toml]") {
    auto one = [](std::string text, std::size_t line = 3) {
        auto m = read_fleet_manifest("[[app]]\nname = \"a\"\n" + text + "\n", {});
        REQUIRE(m.problems.size() >= 1);
        CHECK(m.problems[0].line == line);
        return m.problems[0].message;
    };
    // Syntax errors are toml++'s, with its words and the line it stopped at.
    CHECK(one("region = [\"iad\"]").find("arrays and inline tables are not supported") != std::string::npos);
    CHECK(one("region = { a = 1 }").find("arrays and inline tables are not supported") != std::string::npos);
    CHECK(one("region = iad").find("strings need quotes") != std::string::npos);
    CHECK(one("region = \"iad").find("not valid TOML") != std::string::npos);
    CHECK(one("region = \"iad\" extra").find("not valid TOML") != std::string::npos);
    CHECK(one("retries = 1.5").find("a manifest takes strings, whole numbers and true/false") != std::string::npos);
    CHECK(one("a.b = \"x\"").find("dotted keys") != std::string::npos);
    CHECK(one("region = \"a\"\nregion = \"b\"", 4).find("cannot redefine") != std::string::npos);
    CHECK(one(std::string("region = \"a\0b\"", 14)).find("NUL byte") != std::string::npos);
    CHECK(one("region = \"a\\u0000b\"").find("NUL byte") != std::string::npos);
    CHECK(one("region = \"\xff\xfe\"").find("utf-8") != std::string::npos);
    CHECK(one("retries = 99999999999999999999").find("too large") != std::string::npos);
    CHECK(one("retries = 18446744073709551620").find("too large") != std::string::npos);  // never wraps to 4
    CHECK(one("region = \"\\q\"").find("escape") != std::string::npos);
    CHECK(one("created = 1979-05-27").find("a manifest takes strings, whole numbers and true/false") != std::string::npos);
}

TEST_CASE("manifest: quoted keys and multi-line strings are TOML like any other", "[manifest][toml]") {
    auto m = read_fleet_manifest("[[app]]\n\"name\" = \"a\"\nexpected_body = \"\"\"\nready\"\"\"\n", {});
    INFO(problems_text(m));
    REQUIRE(m.problems.empty());
    CHECK(m.tasks[0].name == "a");
    CHECK(m.tasks[0].cfg.expected_body == "ready");
}

TEST_CASE("manifest: strings take TOML escapes, literal strings, comments and CRLF", "[manifest][toml]") {
    auto m = read_fleet_manifest("[[app]]\r\nname = 'lit-name' # a comment\r\n"
                                 "expected_body = \"say \\\"hi\\\" \\u00e9\\t#not a comment\"\r\n",
                                 {});
    INFO(problems_text(m));
    REQUIRE(m.problems.empty());
    CHECK(m.tasks[0].name == "lit-name");
    CHECK(m.tasks[0].cfg.expected_body == "say \"hi\" \xc3\xa9\t#not a comment");
}

TEST_CASE("manifest: an empty fleet, or one too large, is an error", "[manifest]") {
    CHECK(problems_text(read_fleet_manifest("# nothing\n[defaults]\n", {})).find("lists no apps") != std::string::npos);
    std::string big(r1::cli::max_manifest_bytes + 1, '#');
    CHECK(problems_text(read_fleet_manifest(big, {})).find("larger than 16 MiB") != std::string::npos);
}

TEST_CASE("manifest: in a verify batch an app needs a name or a health_url", "[manifest]") {
    manifest_base base;
    base.verify = true;
    auto m = read_fleet_manifest("[[app]]\nhealth_url = \"https://a.example/\"\n[[app]]\nname = \"b\"\n[[app]]\nregion = \"x\"\n",
                                 base);
    REQUIRE(m.problems.size() == 1);
    CHECK(m.problems[0].line == 5);
    CHECK(m.problems[0].message.find("neither a name nor a health_url") != std::string::npos);
}

TEST_CASE("url list: one URL per line, comments and blanks skipped, every bad line reported", "[manifest][urls]") {
    manifest_base base;
    base.verify = true;
    base.cli.expected_body = "OK";
    base.cli_keys = {"expected_body"};
    auto good = read_url_list("# prod\nhttps://a.example/healthz\n\n  http://127.0.0.1:8080/x?y=1  \r\n", base);
    REQUIRE(good.problems.empty());
    REQUIRE(good.tasks.size() == 2);
    CHECK(good.tasks[0].name == "https://a.example/healthz");
    CHECK(good.tasks[0].cfg.health_url == "https://a.example/healthz");
    CHECK(good.tasks[0].cfg.verify_only);
    CHECK(good.tasks[0].cfg.expected_body == "OK");
    CHECK(good.tasks[1].line == 4);
    CHECK(good.tasks[1].cfg.health_url == "http://127.0.0.1:8080/x?y=1");

    auto bad = read_url_list("https://a.example/\nftp://b/\nhttps://user:pw@c.example/\nhttps://a.example/\n", base);
    auto text = problems_text(bad);
    INFO(text);
    CHECK(bad.tasks.empty());
    REQUIRE(bad.problems.size() == 3);
    CHECK(bad.problems[0].line == 2);
    CHECK(bad.problems[1].line == 3);
    CHECK(text.find("4: duplicate URL (first at line 1)") != std::string::npos);
    CHECK(problems_text(read_url_list("# only comments\n", base)).find("no URLs") != std::string::npos);
}

TEST_CASE("url list or manifest: the first meaningful line decides", "[manifest][urls]") {
    using r1::cli::looks_like_url_list;
    CHECK(looks_like_url_list("# c\n\nhttps://x.example/\n"));
    CHECK(looks_like_url_list("example.com/health\n"));  // then reported as a bad URL, not as TOML
    CHECK_FALSE(looks_like_url_list("# c\n[[app]]\nname = \"a\"\n"));
    CHECK_FALSE(looks_like_url_list("[defaults]\n"));
    CHECK_FALSE(looks_like_url_list("region = \"iad\"\n"));
}

TEST_CASE("did you mean: close keys are suggested, far ones are not", "[manifest]") {
    using r1::cli::did_you_mean;
    auto keys = r1::cli::manifest_keys();
    CHECK(did_you_mean("regoin", keys) == "region");
    CHECK(did_you_mean("health-url", keys) == "health_url");
    CHECK(did_you_mean("Expected_Body", keys) == "expected_body");
    CHECK(did_you_mean("timeout", keys) == "health_timeout");
    CHECK(did_you_mean("zzzzzzzz", keys).empty());
}

TEST_CASE("manifest: non-ASCII outside strings is refused before toml++ sees it", "[manifest][toml]") {
    // Found by fuzz_manifest: toml++ 3.3.0 reaches __builtin_unreachable() asking whether U+03C2
    // after a '[' is white space, or a character of a quoted key, or one after a malformed number
    // (tests/data/fuzz/manifest/).
    for (const auto& entry : std::filesystem::directory_iterator(std::string(R1_SOURCE_DIR) + "/tests/data/fuzz/manifest")) {
        auto m = read_fleet_manifest(r1::test::read_file(entry.path()), {});
        INFO(entry.path());
        REQUIRE(m.problems.size() == 1);
        CHECK(m.problems[0].message.find("non-ASCII character outside a string") != std::string::npos);
    }
    for (std::string bad : {"[\xc3\xa9]\n", "[[app]]\nname = \"a\" \xe3\x80\x81\n", "[[app]]\n\xd0\x96 = 1\n",
                            "[[app]]\n\"\xc3\xa9\" = 1\n", "[\"\xc3\xa9\"]\n", "[[app]]\nregion = [\"\xc3\xa9\"]\n",
                            "[[app]]\nregion = { \"\xc3\xa9\" = 1 }\n", "[[app]]\nregion = \"\"\"a\\\n  \xc3\xa9\"\"\"\n",
                            "[[app]]\nregion = \"\"\"a\\\xc3\xa9\"\"\"\n"}) {
        auto r = read_fleet_manifest(bad, {});
        REQUIRE_FALSE(r.problems.empty());
        CHECK(r.problems[0].message.find("non-ASCII") != std::string::npos);
    }
    // Inside strings, literal strings, multi-line strings and comments it is ordinary text.
    auto ok = read_fleet_manifest("# caf\xc3\xa9\n[[app]]\nname = \"a\"\nexpected_body = \"caf\xc3\xa9 \\\"\xd0\x96\\\"\"\n"
                                  "[[app]]\nname = 'b'\nexpected_body = '''\n\xe3\x80\x80\"\"\"'''\n"
                                  "[[app]]\nname = \"c\" # \xc3\xa9\nexpected_body = \"\"\"\n\xc3\xa9\\\n \"\"\"\n",
                                  {});
    INFO(problems_text(ok));
    REQUIRE(ok.problems.empty());
    CHECK(ok.tasks[0].cfg.expected_body == "caf\xc3\xa9 \"\xd0\x96\"");
    CHECK(ok.tasks[1].cfg.expected_body == "\xe3\x80\x80\"\"\"");
    CHECK(ok.tasks[2].cfg.expected_body == "\xc3\xa9");
}

TEST_CASE("manifest: the lifecycle keys, switches as true or false", "[cli][manifest][lifecycle]") {
    r1::cli::manifest_base base;
    auto m = r1::cli::read_fleet_manifest("[defaults]\nauto_rollback = true\nwarmup = \"5s\"\nrelease_timeout = \"2m\"\n"
                                          "ttfb_sla = \"0\"\n\n[[app]]\nname = \"api\"\nredeploy_on_unhealthy = true\n"
                                          "retries_on_timeout = false\n\n[[app]]\nname = \"web\"\nauto_rollback = false\n",
                                          base);
    REQUIRE(m.problems.empty());
    REQUIRE(m.tasks.size() == 2);
    CHECK(m.tasks[0].cfg.auto_rollback);
    CHECK(m.tasks[0].cfg.redeploy_on_unhealthy);
    CHECK(m.tasks[0].cfg.warmup == std::chrono::seconds(5));
    CHECK(m.tasks[0].cfg.release_timeout == std::chrono::minutes(2));
    CHECK(m.tasks[0].cfg.ttfb_sla == std::chrono::milliseconds(0));
    CHECK_FALSE(m.tasks[1].cfg.auto_rollback);
    auto bad = r1::cli::read_fleet_manifest("[[app]]\nname = \"api\"\nauto_rollback = \"yes\"\n", base);
    REQUIRE(bad.problems.size() == 1);
    CHECK(bad.problems[0].message == "auto_rollback must be true or false, not a string");
}
