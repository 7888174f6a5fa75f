#include "tests/support/fake_flyctl.hpp"
#include "tests/support/processes.hpp"
#include "tests/support/r1_process.hpp"

#include <catch2/catch.hpp>

#include <algorithm>
#include <chrono>
#include <csignal>
#include <filesystem>
#include <thread>

using namespace std::chrono_literals;
using r1::test::fake_flyctl;
using r1::test::r1_options;
using r1::test::run_r1;
using r1::test::refused_http_url;

namespace {

#if defined(__SANITIZE_ADDRESS__)
// ASan's own ~95-144 MiB (shadow, allocator regions: flat for 100 and 300 MB of output, growing with the
// binary: 144 MiB once watch mode and c-ares were linked in) and its
// quarantine of freed blocks (capped at 1 MiB below), not r1's buffers.
constexpr long rss_ceiling_kb = 192 * 1024;
#else
constexpr long rss_ceiling_kb = 32 * 1024;
#endif

const std::string token = "fm2_lJPECAAAAAAAAMfakeTOKENvalue0123456789";

r1_options deploy_opts(const fake_flyctl& fly, std::vector<std::string> extra, std::string mode = "ok") {
    r1_options o;
    // No retries here: these tests are about one deploy; the retry tests set their own.
    o.args = {"deploy", "--app", "demo-app", "--flyctl", fly.path(), "--retries", "0"};
    o.args.insert(o.args.end(), extra.begin(), extra.end());
    o.env = {{"FAKE_FLY_RECORD", fly.record_dir()}, {"FAKE_FLY_MODE", mode}, {"FLY_API_TOKEN", token}};
    return o;
}

}  // namespace

TEST_CASE("r1 deploy: runs flyctl deploy with argv in order, in --dir, token only in the environment",
          "[cli][deploy][flyctl]") {
    fake_flyctl fly;
    r1::test::temp_dir work;
    SECTION("without --image") {
        auto r = run_r1(deploy_opts(fly, {"--region", "fra", "--dir", work.path().string(), "--health-url",
                                          refused_http_url()}));
        CHECK(fly.recorded_argv() ==
              std::vector<std::string>{fly.path(), "deploy", "--app", "demo-app", "--region", "fra"});
        CHECK(r.exit_code == 1);  // deployed, but nothing answers the health URL
    }
    SECTION("with --image") {
        run_r1(deploy_opts(fly, {"--image", "registry.fly.io/demo-app:v2", "--dir", work.path().string(),
                                 "--health-url", refused_http_url()}));
        CHECK(fly.recorded_argv() == std::vector<std::string>{fly.path(), "deploy", "--app", "demo-app", "--region",
                                                              "iad", "--image", "registry.fly.io/demo-app:v2"});
    }
    CHECK(fly.recorded("cwd") == std::filesystem::canonical(work.path()).string() + "\n");
    CHECK(fly.recorded("env").find("FLY_API_TOKEN=" + token + "\n") != std::string::npos);
    CHECK(fly.recorded("cmdline").find(token) == std::string::npos);
}

TEST_CASE("r1 deploy: streams flyctl's output live and reports an unhealthy deploy with exit 1",
          "[cli][deploy][health]") {
    fake_flyctl fly;
    auto url = refused_http_url();
    auto r = run_r1(deploy_opts(fly, {"--health-url", url, "--timeout", "3s"}));
    CHECK(r.exit_code == 1);
    CHECK(r.err.find("==> Building image") != std::string::npos);
    CHECK(r.out.find("health check: GET " + url + ": ") == 0);
    CHECK(r.out.find(token) == std::string::npos);
    CHECK(r.err.find(token) == std::string::npos);
}

TEST_CASE("r1 deploy: a failed flyctl deploy exits 3 with the end of its stderr", "[cli][deploy][failure]") {
    fake_flyctl fly;
    SECTION("short stderr is quoted whole") {
        auto r = run_r1(deploy_opts(fly, {}, "fail"));
        CHECK(r.exit_code == 3);
        CHECK(r.err.find("r1: error: flyctl deploy (app demo-app) exited 1: WARN The running flyctl agent") !=
              std::string::npos);
        CHECK(r.err.find("app not found\n") != std::string::npos);
        CHECK(r.out.empty());  // no health check after a failed deploy
    }
    SECTION("long stderr is cut to its last 500 characters, never inside a UTF-8 sequence") {
        auto r = run_r1(deploy_opts(fly, {}, "long-error"));
        CHECK(r.exit_code == 3);
        auto at = r.err.find("r1: error: flyctl deploy (app demo-app) exited 2: ...");
        REQUIRE(at != std::string::npos);
        std::string excerpt = r.err.substr(r.err.find("...", at) + 3);
        excerpt.pop_back();  // the final newline
        CHECK(excerpt.ends_with("line 39: \xE2\x9C\x93 build step failed \xF0\x9F\x9A\x80 details follow"));
        std::size_t chars = 0;
        for (unsigned char c : excerpt) chars += (c & 0xC0) != 0x80;
        CHECK(chars == 500);
        CHECK((static_cast<unsigned char>(excerpt.front()) & 0xC0) != 0x80);
    }
}

TEST_CASE("r1 deploy: a 50 MB output flood passes through in bounded memory", "[cli][deploy][memory]") {
    fake_flyctl fly;
    auto opts = deploy_opts(fly, {}, "flood");
#if defined(__SANITIZE_ADDRESS__)
    opts.env.emplace_back("ASAN_OPTIONS", "quarantine_size_mb=1");
#endif
    auto r = run_r1(opts);
    CHECK(r.exit_code == 3);
    CHECK(r.err.size() > 100'000'000);  // every byte was streamed on
    CHECK(r.err.find("exited 1: ...") != std::string::npos);
    CHECK(r.err.ends_with("Error: flood over\n"));
    CHECK(r.max_rss_kb < rss_ceiling_kb);
}

TEST_CASE("r1 deploy: setup errors exit 2 before anything runs", "[cli][deploy][usage]") {
    fake_flyctl fly;
    SECTION("flyctl missing from $PATH") {
        auto r = run_r1({.args = {"deploy", "--app", "demo-app"}, .env = {{"PATH", "/nonexistent"}}});
        CHECK(r.exit_code == 2);
        CHECK(r.err.find("flyctl not found") != std::string::npos);
        CHECK(r.err.find("--flyctl") != std::string::npos);
    }
    SECTION("--flyctl pointing nowhere") {
        auto r = run_r1({.args = {"deploy", "--app", "demo-app", "--flyctl", "/nonexistent/flyctl"}});
        CHECK(r.exit_code == 2);
        CHECK(r.err.find("flyctl not found") != std::string::npos);
    }
    SECTION("--app missing") {
        auto o = deploy_opts(fly, {});
        o.args = {"deploy", "--flyctl", fly.path()};
        auto r = run_r1(o);
        CHECK(r.exit_code == 2);
        CHECK(r.err.find("--app") != std::string::npos);
    }
    SECTION("--dir missing") {
        auto r = run_r1(deploy_opts(fly, {"--dir", "/nonexistent/dir"}));
        CHECK(r.exit_code == 2);
    }
    SECTION("bad --health-url is caught before deploying") {
        auto r = run_r1(deploy_opts(fly, {"--health-url", "ftp://x"}));
        CHECK(r.exit_code == 2);
    }
    CHECK_FALSE(std::filesystem::exists(fly.record_dir() + "/argv"));
}

TEST_CASE("r1 deploy: finds flyctl, then fly, on $PATH", "[cli][deploy][path]") {
    auto name = GENERATE(as<std::string>{}, "flyctl", "fly");
    fake_flyctl fly{name};
    auto o = deploy_opts(fly, {"--health-url", refused_http_url()});
    o.args = {"deploy", "--app", "demo-app", "--retries", "0", "--health-url", refused_http_url()};
    o.env.emplace_back("PATH", fly.bin_dir() + ":/usr/bin:/bin");
    auto r = run_r1(o);
    CHECK(r.exit_code == 1);
    REQUIRE_FALSE(fly.recorded_argv().empty());
    CHECK(fly.recorded_argv().front() == fly.path());
}

TEST_CASE("r1 deploy: --deploy-timeout stops flyctl and fails the deploy", "[cli][deploy][timeout]") {
    fake_flyctl fly;
    auto start = std::chrono::steady_clock::now();
    auto r = run_r1(deploy_opts(fly, {"--deploy-timeout", "500ms"}, "sleep"));
    CHECK(r.exit_code == 3);
    CHECK(r.err.find("timed out") != std::string::npos);
    CHECK(std::chrono::steady_clock::now() - start < 10s);
}

TEST_CASE("r1 deploy: SIGINT or SIGTERM stops flyctl's whole process group before r1 exits",
          "[cli][deploy][signal]") {
    auto sig = GENERATE(SIGINT, SIGTERM);
    CAPTURE(sig);
    fake_flyctl fly;
    r1::test::r1_process r1p{deploy_opts(fly, {}, "family")};
    auto grandchild = r1::test::wait_for_pid_file(fly.record_dir() + "/grandchild.pid", 10'000);
    auto child = r1::test::wait_for_pid_file(fly.record_dir() + "/flyctl.pid", 10'000);
    REQUIRE(grandchild > 0);
    REQUIRE(child > 0);
    REQUIRE(r1::test::process_alive(grandchild));
    r1p.signal(sig);
    auto r = r1p.wait();
    CHECK(r.exit_code == 128 + sig);
    // Both were gone before r1 exited: r1 reaped its child and cleared the group first.
    CHECK_FALSE(r1::test::process_alive(child));
    CHECK(r1::test::wait_until_gone(grandchild, 500));
    CHECK(r.err.find("interrupted") != std::string::npos);
}

TEST_CASE("r1 deploy: binary stderr from flyctl becomes a printable error line", "[cli][deploy][failure]") {
    fake_flyctl fly;
    auto r = run_r1(deploy_opts(fly, {}, "binary"));
    CHECK(r.exit_code == 3);
    auto at = r.err.find("r1: error: flyctl deploy (app demo-app) exited 1: ");
    REQUIRE(at != std::string::npos);
    auto message = r.err.substr(at);
    CHECK(message.ends_with("Error: \xEF\xBF\xBD\xEF\xBF\xBD corrupt layer\n"));
    CHECK(std::all_of(message.begin(), message.end(), [](unsigned char c) {
        return (c >= 0x20 && c != 0x7F) || c == '\n' || c == '\t';
    }));
}
