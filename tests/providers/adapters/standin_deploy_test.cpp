// Each adapter driven end to end by the real r1 binary against its stand-in CLI (tests/standins/):
// success proven its own way, every failure mode an exit code with the CLI's cause, no credential in
// any output, the process group gone on a deadline.
#include "tests/support/processes.hpp"
#include "tests/support/r1_process.hpp"
#include "tests/support/standins.hpp"
#include "tests/support/test_pki.hpp"
#include "tests/support/tls_server.hpp"

#include <catch2/catch.hpp>

#include <algorithm>
#include <filesystem>

using r1::test::run_r1;
using r1::test::standin_env;
using r1::test::standin_path;

namespace {

bool has(const std::string& text, const std::string& part) { return text.find(part) != std::string::npos; }

std::size_t count_calls(const standin_env& env, const std::string& prefix) {
    auto calls = env.calls();
    return static_cast<std::size_t>(std::count_if(calls.begin(), calls.end(), [&](const std::string& c) { return c.starts_with(prefix); }));
}

#if defined(__SANITIZE_ADDRESS__)
constexpr long flood_rss_ceiling_kb = 192 * 1024;  // ASan's own ~144 MiB (it grows with the binary, not the output) and a 1 MiB quarantine
#else
constexpr long flood_rss_ceiling_kb = 64 * 1024;
#endif

const std::string vercel_token = "vcp_4fK9sLm2Qx7TzW1yR8vB3nH6jD0pE5cA";
const std::string cloudflare_token = "cfut_Hq3Zr8Lw5Yt1Ns6Kx9Pv2Bm4Gc7Df0Ja";
const std::string kamal_password = "dckr_pat_Lw5Yt1Ns6Kx9Pv2Bm4Gc7Df0Ja3Zr";
const std::string registry_password = "Rg7TzW1yR8vB3nH6jD0pE5cA4fK9sLm2Qx";

}  // namespace

TEST_CASE("vercel adapter: deploys with its stand-in and proves each outcome its own way", "[providers][vercel][standin]") {
    r1::test::tls_server server;
    standin_env env;
    auto dir = env.app_dir("web");
    auto run = [&](const std::string& mode, std::vector<std::string> extra = {}) {
        std::vector<std::string> args{"deploy", "--provider", "vercel", "--app", "web", "--dir", dir, "--vercel",
                                      standin_path("vercel"), "--ca-file", r1::test::ca_path(), "--retries", "0"};
        args.insert(args.end(), extra.begin(), extra.end());
        auto o = env.options(args, mode);
        o.env.push_back({"R1_STANDIN_URL", server.https_url("/ok")});
        o.env.push_back({"VERCEL_TOKEN", vercel_token});
        return run_r1(o);
    };

    SECTION("success: exit 0, the deployment URL checked, no token in argv") {
        auto r = run("ok");
        INFO(r.err);
        CHECK(r.exit_code == 0);
        CHECK(has(r.out, "health check: 200 OK"));
        REQUIRE(server.requests().size() == 1);
        CHECK(server.requests()[0].target == "/ok");
        CHECK(env.calls() == std::vector<std::string>{"vercel | deploy | --prod | --yes | --format=json"});
        CHECK(has(env.recorded_env("vercel"), "VERCEL_TOKEN=" + vercel_token));  // through the environment only
    }
    SECTION("the production alias, when vercel prints one, is what gets checked") {
        auto o_url = server.https_url("/ok?alias=1");
        auto args = std::vector<std::string>{"deploy", "--provider", "vercel", "--app", "web", "--dir", dir, "--vercel",
                                             standin_path("vercel"), "--ca-file", r1::test::ca_path(), "--vercel-scope", "team-a"};
        auto o = env.options(args);
        o.env.push_back({"R1_STANDIN_URL", server.https_url("/ok")});
        o.env.push_back({"R1_STANDIN_ALIAS", o_url});
        std::filesystem::create_directories(std::filesystem::path(dir) / ".vercel" / "output");
        auto r = run_r1(o);
        CHECK(r.exit_code == 0);
        REQUIRE(server.requests().size() == 1);
        CHECK(server.requests()[0].target == "/ok?alias=1");
        CHECK(env.calls().back() == "vercel | deploy | --prod | --yes | --format=json | --prebuilt | --scope | team-a");
    }
    SECTION("a failed build: exit 3 with vercel's own cause") {
        auto r = run("fail");
        CHECK(r.exit_code == 3);
        CHECK(has(r.err, "vercel deploy (app web) exited 1: Command \"npm run build\" exited with 1"));
        CHECK(server.requests().empty());
    }
    SECTION("exit 0 without a URL is a failed deploy, never 0") {
        auto r = run("no-url");
        CHECK(r.exit_code == 3);
        CHECK(has(r.err, "printed no deployment URL"));
        CHECK(server.requests().empty());
    }
    SECTION("a URL, then a failure: the deployment was created but is no success") {
        auto r = run("url-then-fail");
        CHECK(r.exit_code == 3);
        CHECK(has(r.err, "was created, then failed"));
        CHECK(server.requests().empty());
    }
    SECTION("exit 0 with a deployment not READY") {
        auto r = run("not-ready");
        CHECK(r.exit_code == 3);
        CHECK(has(r.err, "is BUILDING, not READY"));
    }
    SECTION("rate limited") {
        auto r = run("rate-limited");
        CHECK(r.exit_code == 3);
        CHECK(has(r.err, "very fast pace"));
    }
    SECTION("a hang ends at --deploy-timeout with the whole group stopped") {
        auto r = run("hang", {"--deploy-timeout", "1s"});
        CHECK(r.exit_code == 3);
        CHECK(has(r.err, "timed out and was stopped"));
    }
    SECTION("a flood of output fails as the CLI's failure, memory bounded") {
        std::vector<std::string> args{"deploy", "--provider", "vercel", "--app", "web", "--dir", dir, "--vercel",
                                      standin_path("vercel"), "--retries", "0"};
        auto o = env.options(args, "flood");
        o.env.push_back({"VERCEL_TOKEN", vercel_token});
        o.env.push_back({"ASAN_OPTIONS", "quarantine_size_mb=1"});
        auto r = run_r1(o);
        CHECK(r.exit_code == 3);
        INFO("peak RSS " << r.max_rss_kb << " KiB");
        CHECK(r.max_rss_kb < flood_rss_ceiling_kb);
    }
    SECTION("the token printed back is masked everywhere") {
        auto r = run("leak");
        CHECK(r.exit_code == 0);
        CHECK(r1::test::holds_no_part_of(r.out + r.err, vercel_token));
        CHECK(has(r.err, "[redacted]"));
    }
}

TEST_CASE("cloudflare adapter: wrangler's records decide, in a private file r1 removes", "[providers][cloudflare][standin]") {
    r1::test::tls_server server;
    standin_env env;
    auto run_in = [&](const std::string& dir, const std::string& mode, std::vector<std::string> extra = {}) {
        std::vector<std::string> args{"deploy", "--provider", "cloudflare", "--app", "api", "--dir", dir, "--wrangler",
                                      standin_path("wrangler"), "--ca-file", r1::test::ca_path(), "--retries", "0"};
        args.insert(args.end(), extra.begin(), extra.end());
        auto o = env.options(args, mode);
        o.env.push_back({"R1_STANDIN_URL", server.https_url("/ok")});
        o.env.push_back({"CLOUDFLARE_API_TOKEN", cloudflare_token});
        o.env.push_back({"CLOUDFLARE_ACCOUNT_ID", "0123456789abcdef0123456789abcdef"});
        return run_r1(o);
    };
    auto workers = env.app_dir("api", {{"wrangler.toml", "name = \"api\"\nmain = \"index.js\"\n"}});
    auto tmp_is_empty = [&] { return std::filesystem::is_empty(env.tmp_dir()); };

    SECTION("Workers: the deploy record's URL is checked; the record file is gone afterwards") {
        auto r = run_in(workers, "ok", {"--wrangler-env", "production"});
        INFO(r.err);
        CHECK(r.exit_code == 0);
        REQUIRE(server.requests().size() == 1);
        CHECK(server.requests()[0].target == "/ok");
        CHECK(env.calls() == std::vector<std::string>{"wrangler | deploy | --env | production"});
        auto vars = env.recorded_env("wrangler");
        CHECK(has(vars, "WRANGLER_OUTPUT_FILE_PATH=" + env.tmp_dir() + "/r1-wrangler-"));
        CHECK(tmp_is_empty());
    }
    SECTION("Pages: pages_build_output_dir in the config picks `wrangler pages deploy`") {
        auto site = env.app_dir("site", {{"wrangler.toml", "name = \"site\"\npages_build_output_dir = \"./dist\"\n"}});
        std::vector<std::string> args{"deploy", "--provider", "cloudflare", "--app", "site", "--dir", site, "--wrangler",
                                      standin_path("wrangler"), "--ca-file", r1::test::ca_path()};
        auto o = env.options(args);
        o.env.push_back({"R1_STANDIN_URL", server.https_url("/ok?pages")});
        auto r = run_r1(o);
        CHECK(r.exit_code == 0);
        CHECK(env.calls().back() == "wrangler | pages | deploy | ./dist | --project-name | site");
        REQUIRE(server.requests().size() == 1);
        CHECK(server.requests()[0].target == "/ok?pages");
    }
    SECTION("command-failed gives the cause and the code; an auth code is not retried") {
        auto r = run_in(workers, "fail", {"--retries", "2"});
        CHECK(r.exit_code == 3);
        CHECK(has(r.err, "wrangler deploy (app api) exited 1: A request to the Cloudflare API"));
        CHECK(has(r.err, "[code 10000]"));
        CHECK(count_calls(env, "wrangler") == 1);
        CHECK(tmp_is_empty());
    }
    SECTION("exit 0 without a deploy record is no success") {
        auto r = run_in(workers, "no-url");
        CHECK(r.exit_code == 3);
        CHECK(has(r.err, "exited 0 but wrote no deploy record"));
    }
    SECTION("a URL printed, then a failure") {
        auto r = run_in(workers, "url-then-fail");
        CHECK(r.exit_code == 3);
        CHECK(has(r.err, "[code 10021]"));
        CHECK(server.requests().empty());
    }
    SECTION("rate limited") {
        auto r = run_in(workers, "rate-limited");
        CHECK(r.exit_code == 3);
        CHECK(has(r.err, "[code 971]"));
    }
    SECTION("a hang ends at the deadline, and the record file still goes") {
        auto r = run_in(workers, "hang", {"--deploy-timeout", "1s"});
        CHECK(r.exit_code == 3);
        CHECK(has(r.err, "timed out and was stopped"));
        CHECK(tmp_is_empty());
    }
    SECTION("a flood") { CHECK(run_in(workers, "flood").exit_code == 3); }
    SECTION("the token printed back is masked") {
        auto r = run_in(workers, "leak");
        CHECK(r.exit_code == 0);
        CHECK(r1::test::holds_no_part_of(r.out + r.err, cloudflare_token));
    }
}

TEST_CASE("kamal adapter: stdout's ERROR line is the cause, a held lock its own, --health-url required",
          "[providers][kamal][standin]") {
    r1::test::tls_server server;
    standin_env env;
    auto dir = env.app_dir("shop");
    auto run = [&](const std::string& mode, std::vector<std::string> extra = {}) {
        std::vector<std::string> args{"deploy", "--provider", "kamal", "--app", "shop", "--dir", dir, "--kamal",
                                      standin_path("kamal"), "--ca-file", r1::test::ca_path(), "--health-url",
                                      server.https_url("/ok"), "--retries", "0"};
        args.insert(args.end(), extra.begin(), extra.end());
        auto o = env.options(args, mode);
        o.env.push_back({"KAMAL_REGISTRY_PASSWORD", kamal_password});
        return run_r1(o);
    };
    SECTION("success, with a destination") {
        auto r = run("ok", {"--kamal-destination", "staging"});
        CHECK(r.exit_code == 0);
        CHECK(env.calls() == std::vector<std::string>{"kamal | deploy | -d | staging"});
        CHECK(server.requests().size() == 1);
    }
    SECTION("no --health-url: exit 2 before anything runs") {
        auto o = env.options({"deploy", "--provider", "kamal", "--app", "shop", "--dir", dir, "--kamal", standin_path("kamal")});
        auto r = run_r1(o);
        CHECK(r.exit_code == 2);
        CHECK(has(r.err, "r1: error: kamal needs --health-url URL"));
        CHECK(env.calls().empty());
    }
    SECTION("a failure: kamal's stdout ERROR line is the detail") {
        auto r = run("fail");
        CHECK(r.exit_code == 3);
        CHECK(has(r.err, "kamal deploy (app shop) exited 1: ERROR (RuntimeError): Exception while executing on host [ip]: "
                         "kamal-proxy version v0.8.4 is too old"));
    }
    SECTION("a held lock is its own cause and is not redeployed into") {
        auto r = run("lock", {"--retries", "2"});
        CHECK(r.exit_code == 3);
        CHECK(has(r.err, "kamal deploy (app shop): the deploy lock is held (Locked by: Deploy Bot at 2026-08-01T10:00:00Z; "
                         "Version: 3f2a9c1e0b7d; Message: Automatic deploy lock): ERROR (Kamal::Cli::LockError): Deploy lock found."));
        CHECK(count_calls(env, "kamal") == 1);
    }
    SECTION("--kamal-lock-wait hands the wait to kamal, which deploys once the lock is free") {
        auto o = env.options({"deploy", "--provider", "kamal", "--app", "shop", "--dir", dir, "--kamal", standin_path("kamal"),
                              "--ca-file", r1::test::ca_path(), "--health-url", server.https_url("/ok"),
                              "--kamal-lock-wait", "30s"},
                             "lock");
        o.env.push_back({"R1_STANDIN_LOCK_SECONDS", "1"});
        auto r = run_r1(o);
        CHECK(r.exit_code == 0);
        CHECK(env.calls() == std::vector<std::string>{"kamal | deploy | --lock-wait | --lock-wait-timeout | 30"});
    }
    SECTION("rate limited, hang, flood") {
        CHECK(has(run("rate-limited").err, "toomanyrequests"));
        auto hung = run("hang", {"--deploy-timeout", "1s"});
        CHECK(hung.exit_code == 3);
        CHECK(run("flood").exit_code == 3);
    }
    SECTION("the registry password printed back is masked") {
        auto r = run("leak");
        CHECK(r.exit_code == 0);
        CHECK(r1::test::holds_no_part_of(r.out + r.err, kamal_password));
    }
    SECTION("the health check after a good deploy decides exit 1") {
        auto o = env.options({"deploy", "--provider", "kamal", "--app", "shop", "--dir", dir, "--kamal", standin_path("kamal"),
                              "--ca-file", r1::test::ca_path(), "--health-url", server.https_url("/status/503"),
                              "--retries", "0", "--timeout", "2s"});
        auto r = run_r1(o);
        CHECK(r.exit_code == 1);
    }
}

TEST_CASE("docker adapter: the new container starts beside the old, proves healthy, then replaces it",
          "[providers][docker][standin]") {
    standin_env env;
    auto port = r1::test::free_port_pair();
    REQUIRE(port != 0);
    auto dir = env.app_dir("web", {{"Dockerfile", "FROM scratch\n"}});
    auto run = [&](const std::string& mode, std::vector<std::string> extra = {}) {
        std::vector<std::string> args{"deploy", "--provider", "docker", "--app", "web", "--dir", dir, "--docker",
                                      standin_path("docker"), "--docker-port", std::to_string(port), "--retries", "0",
                                      "--docker-wait", "10s"};
        args.insert(args.end(), extra.begin(), extra.end());
        auto o = env.options(args, mode);
        o.env.push_back({"DOCKER_REGISTRY_PASSWORD", registry_password});
        return run_r1(o);
    };
    auto exists = [&](const std::string& name) { return std::filesystem::exists(env.docker_state() + "/" + name + ".app"); };
    auto url_of = [&](unsigned p) { return "http://127.0.0.1:" + std::to_string(p) + "/"; };

    auto first = run("ok");
    INFO(first.err);
    REQUIRE(first.exit_code == 0);
    CHECK(has(first.out, "health check: 200 OK"));
    CHECK(exists("web-a"));
    auto calls = env.calls();
    REQUIRE(calls.size() == 3);
    CHECK(calls[0] == "docker | ps | --all | --filter | label=r1.app=web | --format | {{.Names}}");
    CHECK(calls[1].starts_with("docker | build | --tag | web:r1-"));
    CHECK(calls[2].starts_with("docker | run | --detach | --name | web-a | --label | r1.app=web | --restart | unless-stopped | "
                               "--publish | " + std::to_string(port) + ":" + std::to_string(port) + " | web:r1-"));

    SECTION("the next deploy takes slot b, then removes a") {
        auto second = run("ok", {"--image", "ghcr.io/acme/web:v2"});
        CHECK(second.exit_code == 0);
        CHECK(exists("web-b"));
        CHECK_FALSE(exists("web-a"));
        CHECK(count_calls(env, "docker | build") == 1);  // --image: nothing built
        CHECK(env.calls().back() == "docker | rm | --force | web-a");
        auto check = run_r1({.args = {"verify", url_of(port + 1u), "--expected-body", "ok from web-b"}});
        CHECK(check.exit_code == 0);
    }
    SECTION("a new container that never answers is removed, and the old one keeps serving") {
        auto bad = run("unhealthy", {"--docker-wait", "2s"});
        CHECK(bad.exit_code == 3);
        CHECK(has(bad.err, "the new container web-b did not become healthy at " + url_of(port + 1u)));
        CHECK(has(bad.err, "removed it; web-a keeps serving"));
        CHECK_FALSE(exists("web-b"));
        CHECK(exists("web-a"));
        CHECK(run_r1({.args = {"verify", url_of(port), "--expected-body", "ok from web-a"}}).exit_code == 0);
    }
    SECTION("a run that fails (port taken) leaves no new container and the old one serving") {
        auto bad = run("run-fail");
        CHECK(bad.exit_code == 3);
        CHECK(has(bad.err, "port is already allocated"));
        CHECK(has(bad.err, "web-a keeps serving"));
        CHECK_FALSE(exists("web-b"));
        CHECK(exists("web-a"));
    }
    SECTION("build and push failures, no daemon, rate limits: exit 3 with docker's words") {
        CHECK(has(run("build-fail").err, "did not complete successfully: exit code: 1"));
        auto pushed = run("push-fail", {"--docker-push"});
        CHECK(pushed.exit_code == 3);
        CHECK(has(pushed.err, "denied: requested access to the resource is denied"));
        auto daemon = run("fail");
        CHECK(daemon.exit_code == 3);
        CHECK(has(daemon.err, "Cannot connect to the Docker daemon"));
        CHECK(has(run("rate-limited").err, "toomanyrequests"));
        CHECK(exists("web-a"));
        CHECK_FALSE(exists("web-b"));
    }
    SECTION("a hung build stops at the deadline; a flood fails; a password printed back is masked") {
        auto hung = run("hang", {"--deploy-timeout", "1s"});
        CHECK(hung.exit_code == 3);
        CHECK(has(hung.err, "timed out and was stopped"));
        CHECK(run("flood").exit_code == 3);
        auto leak = run("leak");
        CHECK(leak.exit_code == 0);
        CHECK(r1::test::holds_no_part_of(leak.out + leak.err, registry_password));
    }
}
