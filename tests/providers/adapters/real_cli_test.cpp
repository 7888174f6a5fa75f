// The real vercel (58.10.0) and wrangler (4.86.0) CLIs, installed from tools/npm's lock file by
// .ci/install-deps.sh, run by r1 in an empty network namespace (`unshare -n`) with dummy
// credentials: r1's argv must get past the real CLI's parser (it fails on the network, not on a
// flag), r1 must report the run as a failed deploy (exit 3, never 0) with the CLI's own cause, and no
// credential may reach any output. The real docker client (where installed) checks the argv of every
// docker step the same way, against a daemon socket that does not exist.
#include "providers/docker/docker_plan.hpp"
#include "tests/support/processes.hpp"
#include "tests/support/r1_process.hpp"
#include "tests/support/standins.hpp"

#include <catch2/catch.hpp>

#include <cstdlib>
#include <filesystem>

namespace {

namespace fs = std::filesystem;

bool has(const std::string& text, const std::string& part) { return text.find(part) != std::string::npos; }

std::string clis_dir() {
    if (const char* d = std::getenv("R1_PROVIDER_CLIS"); d && *d) return d;
    if (const char* x = std::getenv("XDG_CACHE_HOME"); x && *x) return std::string(x) + "/r1/provider-clis";
    const char* home = std::getenv("HOME");
    return std::string(home ? home : "/root") + "/.cache/r1/provider-clis";
}

/// The CLI's path, or "" after saying why it is missing: a skip only where npm could not reach its
/// registry (the installer wrote why), a failure when it was simply never installed.
/// No r1-wrangler-* record directory left in `tmp` (wrangler keeps temporary files of its own there).
bool no_record_file_left(const std::string& tmp) {
    for (const auto& e : fs::directory_iterator(tmp))
        if (e.path().filename().string().starts_with("r1-wrangler-")) return false;
    return true;
}

std::string installed_cli(const std::string& name) {
    auto bin = clis_dir() + "/node_modules/.bin/" + name;
    if (fs::exists(bin)) return bin;
    auto why_file = clis_dir() + "/npm-unreachable";
    if (fs::exists(why_file)) {
        auto why = r1::test::read_file(why_file);
        WARN("SKIPPED: the real " << name << " CLI is not installed because npm could not install it:\n" << why);
        CHECK_FALSE(why.empty());
    } else {
        FAIL("the real " << name << " CLI is not installed in " << clis_dir() << ": run bash .ci/install-deps.sh");
    }
    return {};
}

/// How to run r1 with no network at all: `unshare -n` (root), else a user namespace as well.
std::vector<std::string> offline_wrapper() {
    for (auto flags : {"-n", "-rn"})
        if (std::system((std::string("unshare ") + flags + " true >/dev/null 2>&1").c_str()) == 0) {
            auto path = std::string("/usr/bin/unshare");
            if (!fs::exists(path)) path = "/bin/unshare";
            return {path, flags};
        }
    return {};
}

const std::string vercel_token = "vcp_4fK9sLm2Qx7TzW1yR8vB3nH6jD0pE5cA";
const std::string cloudflare_token = "cfut_Hq3Zr8Lw5Yt1Ns6Kx9Pv2Bm4Gc7Df0Ja";

}  // namespace

TEST_CASE("real vercel 58.10.0 offline: argv accepted, exit 3 with the CLI's cause, no token shown",
          "[providers][vercel][real-cli]") {
    auto vercel = installed_cli("vercel");
    if (vercel.empty()) return;
    auto wrapper = offline_wrapper();
    REQUIRE_FALSE(wrapper.empty());  // never run a real CLI with the network reachable
    r1::test::standin_env env;
    auto dir = env.app_dir("web", {{"index.html", "<h1>hi</h1>\n"}});
    auto home = env.app_dir("home");
    auto o = env.options({"deploy", "--provider", "vercel", "--app", "web", "--dir", dir, "--vercel", vercel,
                          "--vercel-scope", "team-r1", "--retries", "0", "--deploy-timeout", "3m"});
    o.wrapper = wrapper;
    o.env.push_back({"HOME", home});
    o.env.push_back({"VERCEL_TOKEN", vercel_token});
    o.env.push_back({"VERCEL_ORG_ID", "team_r1dummy"});
    o.env.push_back({"VERCEL_PROJECT_ID", "prj_r1dummy"});
    o.timeout_ms = 240'000;
    auto r = r1::test::run_r1(o);
    INFO(r.out << r.err);
    CHECK(r.exit_code == 3);
    CHECK(has(r.err, "r1: error: vercel deploy (app web) "));
    CHECK_FALSE(has(r.err, "unknown or unexpected option"));  // the parser took every flag r1 passed
    // Its own cause, in r1's one-line detail: 58.10.0 says "Error: Not able to load user because of
    // unexpected error: fetch failed" when its API cannot be reached.
    auto detail = r.err.substr(r.err.find("r1: error: vercel deploy (app web) "));
    CHECK(has(detail, "fetch failed"));
    CHECK(r1::test::holds_no_part_of(r.out + r.err, vercel_token));
}

TEST_CASE("real wrangler 4.86.0 offline: Workers and Pages argv accepted, exit 3 with its record's cause",
          "[providers][cloudflare][real-cli]") {
    auto wrangler = installed_cli("wrangler");
    if (wrangler.empty()) return;
    auto wrapper = offline_wrapper();
    REQUIRE_FALSE(wrapper.empty());
    r1::test::standin_env env;
    auto home = env.app_dir("home");
    auto run = [&](const std::string& app, const std::string& dir) {
        auto o = env.options({"deploy", "--provider", "cloudflare", "--app", app, "--dir", dir, "--wrangler", wrangler,
                              "--retries", "0", "--deploy-timeout", "3m"});
        o.wrapper = wrapper;
        o.env.push_back({"HOME", home});
        o.env.push_back({"CLOUDFLARE_API_TOKEN", cloudflare_token});
        o.env.push_back({"CLOUDFLARE_ACCOUNT_ID", "0123456789abcdef0123456789abcdef"});
        o.env.push_back({"WRANGLER_SEND_METRICS", "false"});
        o.timeout_ms = 240'000;
        return r1::test::run_r1(o);
    };
    SECTION("Workers: wrangler deploy") {
        auto dir = env.app_dir("api", {{"wrangler.toml", "name = \"api\"\nmain = \"index.js\"\ncompatibility_date = \"2025-01-01\"\n"},
                                       {"index.js", "export default { fetch() { return new Response(\"ok\"); } };\n"}});
        auto r = run("api", dir);
        INFO(r.out << r.err);
        CHECK(r.exit_code == 3);
        CHECK(has(r.err, "wrangler 4.86.0"));
        // The command-failed record's message, as 4.86.0 writes it for an unreachable API.
        CHECK(has(r.err, "r1: error: wrangler deploy (app api) exited 1: fetch failed"));
        CHECK(r1::test::holds_no_part_of(r.out + r.err, cloudflare_token));
        CHECK(no_record_file_left(env.tmp_dir()));
    }
    SECTION("Pages: wrangler pages deploy DIR --project-name APP") {
        auto dir = env.app_dir("site", {{"wrangler.toml", "name = \"site\"\npages_build_output_dir = \"./dist\"\n"},
                                        {"dist/index.html", "<h1>site</h1>\n"}});
        auto r = run("site", dir);
        INFO(r.out << r.err);
        CHECK(r.exit_code == 3);
        CHECK(has(r.err, "r1: error: wrangler pages deploy (app site) exited 1: "));
        CHECK_FALSE(has(r.err, "Unknown argument"));
        CHECK(r1::test::holds_no_part_of(r.out + r.err, cloudflare_token));
        CHECK(no_record_file_left(env.tmp_dir()));
    }
}

TEST_CASE("real docker client: every step's argv parses; no daemon is exit 3 with docker's words",
          "[providers][docker][real-cli]") {
    std::string docker;
    for (auto p : {"/usr/bin/docker", "/usr/local/bin/docker"})
        if (fs::exists(p)) docker = p;
    if (docker.empty()) {
        WARN("SKIPPED: no docker client on this machine (Debian package docker.io); the stand-in covers the adapter");
        CHECK(docker.empty());
        return;
    }
    r1::test::standin_env env;
    auto dir = env.app_dir("web", {{"Dockerfile", "FROM scratch\n"}});
    const std::string no_daemon = "unix://" + env.tmp_dir() + "/docker.sock";
    SECTION("through r1") {
        auto o = env.options({"deploy", "--provider", "docker", "--app", "web", "--dir", dir, "--docker", docker,
                              "--retries", "0"});
        o.env.push_back({"DOCKER_HOST", no_daemon});
        auto r = r1::test::run_r1(o);
        INFO(r.err);
        CHECK(r.exit_code == 3);
        CHECK(has(r.err, "r1: error: docker ps (app web) exited 1: Cannot connect to the Docker daemon at " + no_daemon));
    }
    SECTION("each argv r1 builds gets past the client's flag parser") {
        r1::providers::docker::docker_settings s{.docker = docker, .app = "web", .repository = "web", .tag = "r1-1",
                                                 .push = true, .port = 8080, .container_port = 80};
        using namespace r1::providers::docker;
        for (const auto& argv : {list_argv(s), build_argv(s), push_argv(s), run_argv(s, 'b'), remove_argv(s, "web-a")}) {
            std::string cmd = "cd '" + dir + "' && DOCKER_HOST='" + no_daemon + "' DOCKER_CONFIG='" + env.tmp_dir() + "'";
            for (const auto& a : argv) cmd += " '" + a + "'";
            cmd += " > '" + env.tmp_dir() + "/out' 2>&1";
            int rc = std::system(cmd.c_str());
            auto out = r1::test::read_file(env.tmp_dir() + "/out");
            INFO(argv[1] << ": " << out);
            CHECK(rc != 0);
            CHECK(has(out, "Cannot connect to the Docker daemon"));
            CHECK_FALSE(has(out, "unknown flag"));
            CHECK_FALSE(has(out, "unknown shorthand flag"));
        }
    }
}
