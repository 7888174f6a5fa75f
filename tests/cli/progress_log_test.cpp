// What a person watching a batch sees, through the real binary: the progress line on a terminal
// (stderr) naming the longest-running tasks, results on stdout, and --log-dir files that say what
// ran, when, and what r1 decided.
#include "tests/support/fleet_dir.hpp"
#include "tests/support/output_checks.hpp"
#include "tests/support/processes.hpp"
#include "tests/support/r1_process.hpp"
#include "tests/support/test_pki.hpp"
#include "tests/support/tls_server.hpp"

#include <catch2/catch.hpp>

#include <csignal>
#include <regex>

using r1::test::app;
using r1::test::fleet_dir;
using r1::test::tls_server;

namespace {

/// The progress lines drawn on the terminal: each redraw starts with "\r\x1b[K".
std::vector<std::string> progress_lines(const std::string& err) {
    std::vector<std::string> out;
    static const std::string clear = "\r\x1b[K";
    std::size_t at = 0;
    while ((at = err.find(clear, at)) != std::string::npos) {
        at += clear.size();
        auto end = err.find_first_of("\r\n", at);
        auto line = err.substr(at, end == std::string::npos ? std::string::npos : end - at);
        if (line.starts_with("r1: ") && line.find(" done ") != std::string::npos) out.push_back(line);
    }
    return out;
}

}  // namespace

TEST_CASE("r1 deploy --batch: on a terminal the progress line names the longest-running tasks with their time, "
          "as many as fit",
          "[cli][batch][progress]") {
    tls_server server;
    fleet_dir f;
    const std::string long_name = "sleep-a-rather-long-application-name-";  // 37 characters and a digit
    std::string body = app("quick", "health_url = \"" + server.https_url("/ok") + "\"\n");
    for (int i = 1; i <= 4; ++i) body += app(long_name + std::to_string(i));
    f.write(body);
    auto opts = f.deploy({"--concurrency", "5"});
    opts.stderr_terminal = true;  // stdout stays a pipe: the task lines go there
    r1::test::r1_process r1{opts};
    // The sleepers run 60 s: wait until the line has named one for over a second.
    REQUIRE(r1.wait_for_err("s, +", 15'000));
    // Names are cut to 32 columns.
    REQUIRE(r1.wait_for_err("longest: sleep-a-rather-long-applicati... 1.", 15000));
    r1.signal(SIGINT);
    auto r = r1.wait();
    INFO(r.out << "\n---\n" << r.err);
    CHECK(r.exit_code == 130);

    auto lines = progress_lines(r.err);
    REQUIRE_FALSE(lines.empty());
    // The pseudo-terminal reports no width, so r1 takes 120 columns and leaves the last one free.
    for (const auto& l : lines) CHECK(l.size() <= 119);
    const std::string* named = nullptr;
    for (const auto& l : lines)
        if (!named && l.find("longest: sleep-a-rather-long-applicati... 1.") != std::string::npos) named = &l;
    REQUIRE(named != nullptr);
    // "r1: 1/5 done  1 ok  0 failed  4 running  1.2s  0.8/s  longest: sleep-...-1 1.20s, +3"
    static const std::regex shape(R"(^r1: 1/5 done  1 ok  0 failed  4 running  [0-9.]+s  [0-9.]+/s  longest: )"
                                  R"(sleep-a-rather-long-applicati\.\.\. [0-9.]+s(, sleep-a-rather-long-applicati\.\.\. [0-9.]+s)*, \+[1-3]$)");
    CHECK(std::regex_match(*named, shape));
    // Results on stdout (a pipe here): the quick app's line and the summary; no progress there.
    CHECK(r.out.find("] ok     quick (fly, exit 0, ") != std::string::npos);
    CHECK(r.out.find("\x1b[K") == std::string::npos);
    CHECK(r.err.find("] ok     quick") == std::string::npos);
}

TEST_CASE("r1 deploy --batch --log-dir: each log starts with the command line and directory, every line has its "
          "time, and r1's decisions are in it in order",
          "[cli][batch][log-dir]") {
    tls_server server;
    fleet_dir f;
    f.write(app("flaky", "health_url = \"" + server.https_url("/status/503") +
                             "\"\nretries = 1\nretry_budget = \"2s\"\n") +
            app("fail-hard"));
    // A token-shaped value on r1's command line: the log's first line shows it masked.
    const std::string token = "fo1_logLineTOKENvalue0123456789abcdef";
    auto opts = f.deploy({"--log-dir", f.path("logs"), "--report", f.path("r.json"), "--expected-body", token});
    auto r = run_r1(opts);
    INFO(r.out << r.err);
    CHECK(r.exit_code == 3);

    auto raw = r1::test::read_file(f.path("logs") + "/flaky.log");
    INFO(raw);
    auto log = r1::test::without_log_times(raw);
    CHECK(log.find("<no time>") == std::string::npos);  // every line has its time
    std::vector<std::string> lines;
    {
        std::istringstream in(log);
        for (std::string l; std::getline(in, l);) lines.push_back(l);
    }
    REQUIRE(lines.size() > 8);
    // r1's argv, secrets masked.
    CHECK(lines[0] == "r1: r1 deploy --batch " + f.manifest() + " --ca-file " + r1::test::ca_path() + " --log-dir " +
                          f.path("logs") + " --report " + f.path("r.json") + " --expected-body [redacted]");
    CHECK(raw.find(token) == std::string::npos);
    CHECK(lines[1] == "r1: in " + std::filesystem::current_path().string());
    CHECK(lines[2] == "r1: task flaky (fly) in " + f.path("."));
    // In order: the deploy command with its directory, its output, how it ended, the re-check r1
    // decided with its wait, the criteria, the verdict.
    auto at = [&](std::string_view what, std::size_t from) {
        for (std::size_t i = from; i < lines.size(); ++i)
            if (lines[i].find(what) != std::string::npos) return i;
        FAIL("not in the log after line " << from << ": " << what);
        return lines.size();
    };
    auto run = at("r1: run: " + f.fly().path() + " deploy --app flaky --region iad (in ", 3);
    auto output = at("| ==> Building image", run);
    auto ended = at("r1: flyctl exited 0 after ", output);
    auto retry = at("r1: attempt 2 (env-fix) re-checks DEPLOY-HEALTH-200 in 1s: transient [http-503]", ended);
    auto criterion = at("r1: DEPLOY-HEALTH-200 fail: health check: got HTTP 503 (Service Unavailable)", retry);
    at("r1: failed: health check: got HTTP 503", criterion);
    CHECK(raw.find("fm2_fleetTOKENvalue") == std::string::npos);

    // The report's output tail carries the same decisions, without the times.
    auto report = r1::test::read_report(f.path("r.json"));
    for (const auto& t : report.at("tasks").as_array()) {
        std::string tail(t.at("output_tail").as_string());
        if (t.at("name") == "flaky") {
            CHECK(tail.find("==> Building image\n") != std::string::npos);
            CHECK(tail.find("\nr1: attempt 2 (env-fix) re-checks DEPLOY-HEALTH-200 in 1s") != std::string::npos);
            CHECK(tail.find("r1: run:") == std::string::npos);  // commands are in the log only
        } else {
            CHECK(tail.find("Error: failed to fetch an image or build from source: app not found\n") != std::string::npos);
        }
    }
    auto failed = r1::test::without_log_times(r1::test::read_file(f.path("logs") + "/fail-hard.log"));
    CHECK(failed.find("| Error: failed to fetch an image or build from source: app not found\nr1: flyctl exited 1 after ") !=
          std::string::npos);
}
