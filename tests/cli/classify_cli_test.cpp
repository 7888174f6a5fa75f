#include "tests/support/r1_process.hpp"

#include <boost/json/parse.hpp>
#include <catch2/catch.hpp>

using r1::test::run_r1;

TEST_CASE("r1 classify: prints class and signal and exits by class", "[cli][classify]") {
    SECTION("transient from arguments") {
        auto r = run_r1({.args = {"classify", "Error:", "HTTP", "503", "Service", "Unavailable"}});
        CHECK(r.exit_code == 0);
        CHECK(r.out == "transient http-503\n");
    }
    SECTION("permanent from stdin") {
        auto r = run_r1({.args = {"classify"}, .stdin_data = "Error: release_command_timeout is invalid\n"});
        CHECK(r.exit_code == 1);
        CHECK(r.out.starts_with("permanent "));
    }
    SECTION("unknown") {
        auto r = run_r1({.args = {"classify", "all good here"}});
        CHECK(r.exit_code == 2);
        CHECK(r.out == "unknown -\n");
    }
}

TEST_CASE("r1 classify --lines: one verdict per line, the most decisive exit code", "[cli][classify]") {
    std::string log = "==> Building image\ncontext deadline exceeded\nError: unauthorized\n";
    auto r = run_r1({.args = {"classify", "--lines"}, .stdin_data = log});
    CHECK(r.exit_code == 1);  // one permanent line: retrying cannot fix it
    CHECK(r.out.starts_with("1 unknown -\n2 transient "));
    CHECK(r.out.find("\n3 permanent ") != std::string::npos);
    auto transient_only = run_r1({.args = {"classify", "--lines"}, .stdin_data = "ok\nread: connection reset by peer\n"});
    CHECK(transient_only.exit_code == 0);
}

TEST_CASE("r1 classify --output json: one parseable object per verdict", "[cli][classify][json]") {
    auto r = run_r1({.args = {"classify", "--output", "json", "--lines"},
                     .stdin_data = "429 Too Many Requests\nport 5021 open\n"});
    auto nl = r.out.find('\n');
    REQUIRE(nl != std::string::npos);
    auto first = boost::json::parse(r.out.substr(0, nl)).as_object();
    CHECK(first.at("line").as_int64() == 1);
    CHECK(first.at("class").as_string() == "transient");
    CHECK(first.at("signal").as_string() == "http-429");
    CHECK(first.at("where").as_int64() == 0);
    auto second = boost::json::parse(r.out.substr(nl + 1)).as_object();
    CHECK(second.at("class").as_string() == "unknown");
    CHECK(second.at("where").is_null());
}

TEST_CASE("r1 classify: bad flags are usage errors", "[cli][classify][usage]") {
    auto r = run_r1({.args = {"classify", "--output", "yaml", "x"}});
    CHECK(r.exit_code == 2);
    CHECK(r.err == "r1: error: --output takes text or json\n");
    auto h = run_r1({.args = {"classify", "--help"}});
    CHECK(h.exit_code == 0);
    CHECK(h.out.find("Exit: 0 transient") != std::string::npos);
}

TEST_CASE("r1 classify --retry-budget: a window is judged against the budget given", "[cli][classify][window]") {
    auto def = run_r1({.args = {"classify", "Too many requests, try again in 2 hours"}});
    CHECK(def.exit_code == 1);
    CHECK(def.out == "permanent retry-window-long\n");
    auto longer = run_r1({.args = {"classify", "--retry-budget", "3h", "Too many requests, try again in 2 hours"}});
    CHECK(longer.exit_code == 0);
    CHECK(longer.out == "transient retry-window-short\n");
    auto eq = run_r1({.args = {"classify", "--retry-budget=90s", "try again in 2 minutes"}});
    CHECK(eq.out == "permanent retry-window-long\n");
    auto bad = run_r1({.args = {"classify", "--retry-budget", "soon", "x"}});
    CHECK(bad.exit_code == 2);
    CHECK(bad.err == "r1: error: --retry-budget takes a duration such as 10m or 1h30m, got \"soon\"\n");
}

TEST_CASE("r1 classify --explain: the rules and model features that decided", "[cli][classify][explain]") {
    auto r = run_r1({.args = {"classify", "--explain", "Authentication error [code: 10000]"}});
    CHECK(r.exit_code == 1);
    CHECK(r.out.starts_with("permanent auth\n  decided by: rule\n"));
    CHECK(r.out.find("  rule: auth (decisive permanent) at byte ") != std::string::npos);
    CHECK(r.out.find("  model: not asked (a decisive rule decided)\n") != std::string::npos);

    auto m = run_r1({.args = {"classify", "--explain"},
                     .stdin_data = "WARN the app is not listening\nError: failed to fetch an image: \x1b[31mboom\x1b[0m\n"});
    CHECK(m.out.find("  model: p(transient) = ") != std::string::npos);
    CHECK(m.out.find("\x1b") == std::string::npos);  // features are shown escaped

    auto j = run_r1({.args = {"classify", "--explain", "--output", "json", "Error: curl: (28) Operation timed out"}});
    auto o = boost::json::parse(j.out).as_object();
    CHECK(o.at("class").as_string() == "transient");
    CHECK(o.at("rules").as_array().size() >= 1);
    CHECK(o.at("rules").as_array()[0].as_object().at("signal").as_string() == "timeout");
    CHECK(o.at("model").as_object().contains("consulted"));
}
