// Secrets never leave r1: a stand-in flyctl prints its token every way a provider CLI can (debug
// lines, HTTP auth headers, env and config dumps, split across writes), and r1 runs it for real, as
// a single deploy and as a batch, in text and JSON, writing reports, JUnit and per-task logs.
#include "tests/support/fake_flyctl.hpp"
#include "tests/support/processes.hpp"
#include "tests/support/r1_process.hpp"
#include "tests/support/test_pki.hpp"
#include "tests/support/tls_server.hpp"

#include <catch2/catch.hpp>

#include <filesystem>
#include <string>
#include <vector>

using r1::test::fake_flyctl;
using r1::test::r1_options;
using r1::test::r1_process;
using r1::test::run_r1;
using r1::test::temp_dir;
using r1::test::tls_server;
using r1::test::ca_path;

namespace {

const std::string macaroon1 = "fm2_lJPECAAAAAAAAMfakeTOKENvalue0123456789+/abcdEFGH==";
const std::string macaroon2 = "fm2_lJPEsecondMacaroonZZZZ0987654321abcdefgh==";
const std::string fly_token = "FlyV1 " + macaroon1 + "," + macaroon2;
const std::string db_password = "correct-horse-battery-staple";  // no token shape: only its exact value gives it away

/// Every form in which a secret of this test could show up whole.
const std::vector<std::string> secrets = {fly_token, macaroon1 + "," + macaroon2, macaroon1, macaroon2, db_password};

void check_clean(const std::string& where, const std::string& text) {
    for (const auto& s : secrets) {
        INFO(where << " must not hold " << s << ":\n" << text);
        CHECK(text.find(s) == std::string::npos);
    }
}

std::string cmdline_of(pid_t pid) {
    auto raw = r1::test::read_file("/proc/" + std::to_string(pid) + "/cmdline");
    for (auto& c : raw)
        if (c == '\0') c = ' ';
    return raw;
}

/// Reads the argv of r1 and of the running stand-in (it waits FAKE_FLY_LEAK_HOLD seconds before it
/// prints anything), and checks that no secret is in either.
void check_argv_while_running(const r1_process& r1, const fake_flyctl& fly, const std::string& app) {
    auto child = r1::test::wait_for_pid_file(fly.record_dir() + "/leak-" + app + ".pid", 20'000);
    REQUIRE(child > 0);
    auto child_argv = cmdline_of(child);
    auto r1_argv = cmdline_of(r1.pid());
    INFO("flyctl argv: " << child_argv << "\nr1 argv: " << r1_argv);
    CHECK(child_argv.find(" deploy --app " + app) != std::string::npos);  // really the running stand-in
    CHECK(r1_argv.find("deploy") != std::string::npos);
    check_clean("flyctl's argv", child_argv);
    check_clean("r1's argv", r1_argv);
}

std::vector<std::pair<std::string, std::string>> leak_env(const fake_flyctl& fly, const std::string& mode) {
    return {{"FAKE_FLY_RECORD", fly.record_dir()},
            {"FAKE_FLY_MODE", mode},
            {"FAKE_FLY_LEAK_HOLD", "2"},
            {"FLY_API_TOKEN", fly_token},
            {"R1_TEST_DB_PASSWORD", db_password}};
}

}  // namespace

TEST_CASE("r1 deploy: a provider CLI printing its token every way leaks it into no output and no argv",
          "[cli][secrets]") {
    tls_server server;
    fake_flyctl fly;
    auto mode = GENERATE(as<std::string>{}, "leak", "leak-fail");
    auto output = GENERATE(as<std::string>{}, "text", "json");
    INFO(mode << ", --output " << output);
    r1_options o;
    o.args = {"deploy", "--app", "demo-app", "--flyctl", fly.path(), "--retries", "0", "--ca-file", ca_path(),
              "--health-url", server.https_url("/ok"), "--output", output};
    o.env = leak_env(fly, mode);
    r1_process r1{o};
    check_argv_while_running(r1, fly, "demo-app");
    auto r = r1.wait();

    CHECK(r.exit_code == (mode == "leak" ? 0 : 3));
    check_clean("stdout", r.out);
    check_clean("stderr", r.err);
    // The stand-in did print them, and r1 passed on the rest of each line.
    CHECK(r.err.find("Authorization: FlyV1 [redacted]\n") != std::string::npos);
    CHECK(r.err.find("Authorization: Bearer [redacted]\n") != std::string::npos);
    CHECK(r.err.find("FLY_API_TOKEN=FlyV1 [redacted]\n") != std::string::npos);
    CHECK(r.err.find("{\"access_token\": \"FlyV1 [redacted]\", \"app\": \"demo-app\", \"password\": \"[redacted]\"}") !=
          std::string::npos);
    CHECK(r.err.find("  db: postgres://app:[redacted]@db.internal/app\n") != std::string::npos);
    CHECK(r.err.find("split [redacted] end\n") != std::string::npos);
    if (mode == "leak-fail") {  // the error excerpt quotes flyctl's stderr, masked too
        CHECK(r.err.find("Error: deploy rejected for [redacted] with token [redacted]") != std::string::npos);
    }
}

TEST_CASE("r1 deploy --batch: a leaking provider CLI leaks into no output, report, JUnit, log file or argv",
          "[cli][secrets][batch]") {
    tls_server server;
    fake_flyctl fly;
    temp_dir dir;
    auto output = GENERATE(as<std::string>{}, "text", "json");
    INFO("--output " << output);
    // leak mode fails an app whose name ends in -fail: one task succeeds, one fails.
    r1::test::write_file(dir / "fleet.toml", "[defaults]\nflyctl = \"" + fly.path() + "\"\nhealth_url = \"" +
                                                 server.https_url("/ok") + "\"\nretries = 0\n\n[[app]]\nname = \"api\"\n"
                                                 "\n[[app]]\nname = \"web-fail\"\n");
    r1_options o;
    o.args = {"deploy", "--batch", (dir / "fleet.toml").string(), "--ca-file", ca_path(), "--concurrency", "2",
              "--output", output, "--report", (dir / "report.json").string(), "--junit", (dir / "junit.xml").string(),
              "--log-dir", (dir / "logs").string()};
    o.env = leak_env(fly, "leak");
    r1_process r1{o};
    check_argv_while_running(r1, fly, "api");
    check_argv_while_running(r1, fly, "web-fail");
    auto r = r1.wait();

    CHECK(r.exit_code == 3);
    check_clean("stdout", r.out);
    check_clean("stderr", r.err);
    auto report = r1::test::read_file(dir / "report.json");
    auto junit = r1::test::read_file(dir / "junit.xml");
    check_clean("report.json", report);
    check_clean("junit.xml", junit);
    CHECK(report.find("deploy rejected for [redacted] with token [redacted]") != std::string::npos);
    CHECK(junit.find("Authorization: Bearer [redacted]") != std::string::npos);
    std::size_t logs = 0;
    for (const auto& entry : std::filesystem::directory_iterator(dir / "logs")) {
        auto log = r1::test::read_file(entry.path());
        check_clean(entry.path().string(), log);
        CHECK(log.find("split [redacted] end\n") != std::string::npos);
        ++logs;
    }
    CHECK(logs == 2);
    // The failed task's output tail is shown on the terminal or in task.end, masked.
    CHECK(r.out.find("deploy rejected for [redacted] with token [redacted]") != std::string::npos);
}

namespace {

// Secrets a rule alone would cut short: a password with spaces (the NAME=value rule stops an
// unquoted value at a blank), a token with a `!` (the Bearer rule stops outside its token set), and
// one read from a CRLF .env file, whose child prints it without the \r.
const std::string spaced_password = "correct horse battery staple";
const std::string bang_token = "abcdefghijklmnop!uvwxyz0123456789";
const std::string crlf_token = "crlf-token-value-0123456789";
const std::vector<std::string> partial_pieces = {"horse battery staple", "horse", "uvwxyz0123456789", "!uvwxyz",
                                                 crlf_token, "value-0123456789"};

/// A stand-in flyctl that prints each secret after a prefix whose rule stops early, then fails
/// quoting them on stderr.
std::string partial_leaker(const temp_dir& dir) {
    auto path = dir / "flyctl-partial";
    r1::test::write_file(path, std::string("#!/bin/sh\n") + r1::test::flyctl_queries_sh + R"SH(
crlf=$(printf '%s' "$R1_TEST_CRLF_TOKEN" | tr -d '\r')
echo "DB_PASSWORD=$R1_TEST_DB_PASSWORD"
echo "export DB_PASSWORD=$R1_TEST_DB_PASSWORD # from .env"
echo "Authorization: Bearer $R1_TEST_API_TOKEN"
echo "token: $crlf"
printf '{"password": %s, "token": "%s"}\n' "$R1_TEST_DB_PASSWORD" "$crlf"
echo "Error: login as admin:$R1_TEST_DB_PASSWORD failed (Bearer $R1_TEST_API_TOKEN, token=$crlf)" >&2
exit 1
)SH");
    std::filesystem::permissions(path, std::filesystem::perms::owner_all);
    return path.string();
}

void check_no_pieces(const std::string& where, const std::string& text) {
    for (const auto& s : partial_pieces) {
        INFO(where << " must not hold " << s << ":\n" << text);
        CHECK(text.find(s) == std::string::npos);
    }
}

}  // namespace

TEST_CASE("r1 deploy: a secret a rule would cut short is masked whole, and a CRLF token without its CR",
          "[cli][secrets][security]") {
    temp_dir dir;
    auto flyctl = partial_leaker(dir);
    std::vector<std::pair<std::string, std::string>> env = {{"R1_TEST_DB_PASSWORD", spaced_password},
                                                            {"R1_TEST_API_TOKEN", bang_token},
                                                            {"R1_TEST_CRLF_TOKEN", crlf_token + "\r"}};
    SECTION("a single deploy, text and JSON") {
        auto output = GENERATE(as<std::string>{}, "text", "json");
        auto r = run_r1({.args = {"deploy", "--app", "demo-app", "--flyctl", flyctl, "--retries", "0", "--output", output},
                         .env = env});
        CHECK(r.exit_code == 3);
        check_no_pieces("stdout", r.out);
        check_no_pieces("stderr", r.err);
        CHECK(r.err.find("DB_PASSWORD=[redacted]\n") != std::string::npos);
        CHECK(r.err.find("export DB_PASSWORD=[redacted] # from .env\n") != std::string::npos);
        CHECK(r.err.find("Authorization: Bearer [redacted]\n") != std::string::npos);
        CHECK(r.err.find("token: [redacted]\n") != std::string::npos);
    }
    SECTION("a batch: terminal lines, report, JUnit and log files") {
        r1::test::write_file(dir / "fleet.toml", "[defaults]\nflyctl = \"" + flyctl + "\"\nretries = 0\n\n[[app]]\nname = \"api\"\n");
        auto r = run_r1({.args = {"deploy", "--batch", (dir / "fleet.toml").string(), "--report",
                                  (dir / "report.json").string(), "--junit", (dir / "junit.xml").string(), "--log-dir",
                                  (dir / "logs").string()},
                         .env = env});
        CHECK(r.exit_code == 3);
        check_no_pieces("stdout", r.out);
        check_no_pieces("stderr", r.err);
        check_no_pieces("report.json", r1::test::read_file(dir / "report.json"));
        check_no_pieces("junit.xml", r1::test::read_file(dir / "junit.xml"));
        auto log = r1::test::read_file(dir / "logs" / "api.log");
        check_no_pieces("api.log", log);
        // (An unquoted NAME=value runs to the next blank: the closing parenthesis goes with it.)
        CHECK(log.find("Error: login as admin:[redacted] failed (Bearer [redacted], token=[redacted]\n") !=
              std::string::npos);
    }
}
