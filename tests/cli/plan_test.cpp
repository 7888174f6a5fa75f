// r1 deploy as a new user meets it: the region the user's fly.toml names, flyctl's own flags after --,
// a dry run that is a plan, and a single deploy's --report / --junit.
#include "tests/support/fake_flyctl.hpp"
#include "tests/support/processes.hpp"
#include "tests/support/r1_process.hpp"
#include "tests/support/test_pki.hpp"
#include "tests/support/tls_server.hpp"

#include <boost/json/parse.hpp>

#include <catch2/catch.hpp>

#include <algorithm>
#include <filesystem>

using r1::test::fake_flyctl;
using r1::test::r1_options;
using r1::test::read_file;
using r1::test::refused_http_url;
using r1::test::run_r1;
using r1::test::temp_dir;
using r1::test::write_file;

namespace {

const std::string token = "fm2_lJPECAAAAAAAAMfakeTOKENvalue0123456789";

/// A real deploy through the stand-in flyctl, in `dir`; nothing answers the health URL (exit 1).
r1_options deploy_in(const fake_flyctl& fly, const temp_dir& dir, std::vector<std::string> extra) {
    r1_options o;
    o.args = {"deploy", "--app", "demo-app", "--flyctl", fly.path(), "--retries", "0", "--dir", dir.path().string(),
              "--health-url", refused_http_url()};
    o.args.insert(o.args.end(), extra.begin(), extra.end());
    o.env = {{"FAKE_FLY_RECORD", fly.record_dir()}, {"FLY_API_TOKEN", token}};
    return o;
}

std::vector<std::string> argv_of(const fake_flyctl& fly, std::vector<std::string> tail) {
    std::vector<std::string> a{fly.path(), "deploy", "--app", "demo-app"};
    a.insert(a.end(), tail.begin(), tail.end());
    return a;
}

std::size_t lines_in(const std::string& s) { return static_cast<std::size_t>(std::count(s.begin(), s.end(), '\n')); }

}  // namespace

TEST_CASE("r1 deploy: the region is --region, else the primary_region of the fly.toml flyctl reads, else iad",
          "[cli][plan][region]") {
    fake_flyctl fly;
    temp_dir dir;
    SECTION("no fly.toml: exactly the seed's argv") {
        auto r = run_r1(deploy_in(fly, dir, {}));
        CHECK(r.exit_code == 1);
        CHECK(fly.recorded_argv() == argv_of(fly, {"--region", "iad"}));
    }
    SECTION("the fly.toml's primary_region, no longer overridden with iad") {
        // fly launch writes primary_region with single quotes (flyctl test/preflight/fixtures/deploy-node/fly.toml).
        write_file(dir / "fly.toml", "app = 'demo-app'\nprimary_region = 'ams'\n\n[build]\n  dockerfile = 'Dockerfile'\n");
        run_r1(deploy_in(fly, dir, {}));
        CHECK(fly.recorded_argv() == argv_of(fly, {"--region", "ams"}));
        CHECK(read_file(dir / "fly.toml").find("'ams'") != std::string::npos);  // the file is flyctl's, untouched
    }
    SECTION("--region wins over the file") {
        write_file(dir / "fly.toml", "primary_region = \"ams\"\n");
        run_r1(deploy_in(fly, dir, {"--region", "fra"}));
        CHECK(fly.recorded_argv() == argv_of(fly, {"--region", "fra"}));
    }
    SECTION("--config passed through to flyctl names the file r1 reads too") {
        write_file(dir / "fly.toml", "primary_region = \"ams\"\n");
        write_file(dir / "fly.production.toml", "app = \"demo-app\"\nprimary_region = \"syd\"\n");
        run_r1(deploy_in(fly, dir, {"--", "--config", "fly.production.toml"}));
        CHECK(fly.recorded_argv() == argv_of(fly, {"--region", "syd", "--config", "fly.production.toml"}));
    }
    SECTION("fly.json when there is no fly.toml, as flyctl looks") {
        write_file(dir / "fly.json", R"({"app":"demo-app","primary_region":"cdg"})");
        run_r1(deploy_in(fly, dir, {}));
        CHECK(fly.recorded_argv() == argv_of(fly, {"--region", "cdg"}));
    }
    SECTION("a primary_region that is no region code is refused, naming the file; nothing runs") {
        write_file(dir / "fly.toml", "primary_region = \"Frankfurt\"\n");
        auto r = run_r1(deploy_in(fly, dir, {}));
        CHECK(r.exit_code == 2);
        CHECK(r.err == "r1: error: primary_region \"Frankfurt\" in " + (dir / "fly.toml").string() +
                           " is not a region code such as iad or fra (lowercase letters and digits): fix it, or pass "
                           "--region CODE\n");
        CHECK_FALSE(std::filesystem::exists(fly.record_dir() + "/argv"));
    }
    SECTION("a --config naming nothing is flyctl's error, said before anything runs") {
        auto r = run_r1(deploy_in(fly, dir, {"--", "-c", "fly.staging.toml"}));
        CHECK(r.exit_code == 2);
        CHECK(r.err.find("flyctl's --config names " + (dir / "fly.staging.toml").string() + ", which does not exist") !=
              std::string::npos);
        CHECK_FALSE(std::filesystem::exists(fly.record_dir() + "/argv"));
    }
}

TEST_CASE("r1 deploy --dry-run: the plan says which region applies and where it came from", "[cli][plan][region]") {
    temp_dir dir;
    auto plan = [&](std::vector<std::string> extra) {
        std::vector<std::string> a{"deploy", "--app", "web", "--dir", dir.path().string(), "--dry-run"};
        a.insert(a.end(), extra.begin(), extra.end());
        return run_r1({.args = a});
    };
    CHECK(plan({}).err.find("\nregion:   iad (r1's default: no fly.toml names a primary_region)\n") != std::string::npos);
    CHECK(plan({"-r", "lhr"}).err.find("\nregion:   lhr (set by --region or a manifest's region)\n") != std::string::npos);
    write_file(dir / "fly.toml", "app = \"web\"\n");
    CHECK(plan({}).err.find("\nregion:   iad (r1's default: " + (dir / "fly.toml").string() +
                            " names no primary_region)\n") != std::string::npos);
    write_file(dir / "fly.toml", "app = \"web\"\nprimary_region = \"gru\"\n");
    auto r = plan({});
    CHECK(r.exit_code == 0);
    CHECK(r.err.find("\nregion:   gru (primary_region in " + (dir / "fly.toml").string() + ")\n") != std::string::npos);
    CHECK(r.err.find("\nrun:      flyctl deploy --app web --region gru\n") != std::string::npos);
}

TEST_CASE("r1 deploy -- ARGS: flyctl's own flags follow r1's, as they are", "[cli][plan][passthrough]") {
    fake_flyctl fly;
    temp_dir dir;
    auto r = run_r1(deploy_in(fly, dir, {"--image", "registry.fly.io/demo-app:v7", "--", "--strategy", "rolling",
                                         "--remote-only", "--build-arg", "VERSION=1.2 beta", "--wait-timeout", "5m",
                                         "--env", "LOG_LEVEL=debug", "--help"}));
    CHECK(r.exit_code == 1);  // deployed; nothing answers the health URL
    CHECK(fly.recorded_argv() == argv_of(fly, {"--region", "iad", "--image", "registry.fly.io/demo-app:v7", "--strategy",
                                               "rolling", "--remote-only", "--build-arg", "VERSION=1.2 beta",
                                               "--wait-timeout", "5m", "--env", "LOG_LEVEL=debug", "--help"}));
    CHECK(r.out.find("Usage: r1") == std::string::npos);  // a --help after -- is flyctl's
}

TEST_CASE("r1 deploy -- ARGS: a credential, a secret or a flag r1 sets itself is refused in one line, nothing run",
          "[cli][plan][passthrough][security]") {
    fake_flyctl fly;
    temp_dir dir;
    auto [args, why] = GENERATE(table<std::vector<std::string>, std::string>({
        {{"--access-token", token}, "argument 1 for flyctl is --access-token, a credential flag"},
        {{"--access-token=" + token}, "argument 1 for flyctl is --access-token, a credential flag"},
        {{"--strategy", "rolling", "-t", token}, "argument 3 for flyctl is -t, a credential flag"},
        {{"-t" + token}, "argument 1 for flyctl is -t, a credential flag"},
        {{"-yt", token}, "argument 1 for flyctl is -t, a credential flag"},
        {{"--app", "other-app"}, "argument 1 for flyctl is --app, which r1 sets itself: use --app (name in a manifest)"},
        {{"-a", "other-app"}, "argument 1 for flyctl is -a, which r1 sets itself"},
        {{"--image=nginx"}, "argument 1 for flyctl is --image, which r1 sets itself: use --image"},
        {{"-i", "nginx"}, "argument 1 for flyctl is -i, which r1 sets itself"},
        {{"--region", "fra"}, "argument 1 for flyctl is --region, which r1 sets itself: use --region"},
        {{"--env", "DATABASE_PASSWORD=hunter2hunter2"}, "argument 2 for flyctl holds what looks like a secret (not shown)"},
        {{"--build-arg", "NPM=" + token}, "argument 2 for flyctl holds what looks like a secret (not shown)"},
        {{"--build-secret", "X=s3cr3t-value-of-the-env"}, "argument 2 for flyctl holds what looks like a secret"},
    }));
    CAPTURE(args);
    std::vector<std::string> extra{"--"};
    extra.insert(extra.end(), args.begin(), args.end());
    auto o = deploy_in(fly, dir, extra);
    o.env.emplace_back("R1_TEST_SECRET_TOKEN", "s3cr3t-value-of-the-env");  // an exact value r1 masks
    auto r = run_r1(o);
    CHECK(r.exit_code == 2);
    CHECK(r.out.empty());
    CHECK(r.err.starts_with("r1: error: " + why));
    CHECK(lines_in(r.err) == 1);
    CHECK(r.err.find(token) == std::string::npos);
    CHECK(r.err.find("hunter2") == std::string::npos);
    CHECK(r.err.find("s3cr3t") == std::string::npos);
    CHECK_FALSE(std::filesystem::exists(fly.record_dir() + "/argv"));
}

TEST_CASE("r1 deploy --dry-run: a plan of the exact argv, directory, variable names, region, image and fly.toml",
          "[cli][plan][dry-run]") {
    temp_dir dir;
    write_file(dir / "fly.toml", "app = \"web\"\nprimary_region = \"ams\"\n\n[build]\n  image = \"nginx:1.27\"\n");
    r1_options o{.args = {"deploy", "-a", "web", "--dir", dir.path().string(), "--image", "registry.fly.io/web:v3",
                          "--dry-run", "--", "--strategy", "bluegreen"},
                 .env = {{"FLY_API_TOKEN", token}}};
    SECTION("text: the fly.toml flyctl reads on stdout, the plan on stderr") {
        auto r = run_r1(o);
        CHECK(r.exit_code == 0);
        CHECK(r.out == "# " + (dir / "fly.toml").string() +
                           " (provider=fly, dry-run): the configuration flyctl reads, unchanged\n"
                           "app = \"web\"\nprimary_region = \"ams\"\n\n[build]\n  image = \"nginx:1.27\"\n");
        const std::string plan = r.err.substr(0, r.err.find("r1: DEPLOY-COMMIT-MATCH"));
        CHECK(plan ==
              "# r1 deploy --provider fly --app web: dry run, nothing is started\n"
              "run:      flyctl status --json --app web   # pre-flight: the credentials, the app, the release that "
              "serves now\n"
              "run:      flyctl deploy --app web --region ams --image registry.fly.io/web:v3 --strategy bluegreen\n"
              "run:      flyctl status --json --app web   # every 2s until the new release serves on every machine "
              "(--release-timeout)\n"
              "run:      flyctl logs --no-tail --app web   # only when the release does not verify: the app's recent "
              "logs\n"
              "in:       " + dir.path().string() + "\n"
              "env:      FLY_API_TOKEN, FLY_ACCESS_TOKEN (names only: the values come from r1's environment, passed "
              "on unchanged)\n"
              "sets:     FLY_EMIT_RELEASE_JSON=1 (flyctl deploy: its release as a JSON line)\n"
              "region:   ams (primary_region in " + (dir / "fly.toml").string() + ")\n"
              "image:    registry.fly.io/web:v3\n"
              "config:   " + (dir / "fly.toml").string() + " (exists: flyctl reads it as it is)\n"
              "expects:  credentials in FLY_API_TOKEN or FLY_ACCESS_TOKEN (or flyctl's own login) and an app that "
              "exists (flyctl apps create web)\n"
              "success:  flyctl deploy exits 0, then the release it made runs on every machine it manages and passes "
              "its checks\n"
              "health:   https://web.fly.dev\n");
        CHECK(r.err.find(token) == std::string::npos);
        CHECK(r.out.find(token) == std::string::npos);
    }
    SECTION("json: the result event carries the plan") {
        o.args.insert(o.args.begin() + 1, {"--output", "json"});
        auto r = run_r1(o);
        CHECK(r.exit_code == 0);
        auto last = r.out.substr(r.out.rfind('\n', r.out.size() - 2) + 1);
        auto ev = boost::json::parse(last).as_object();
        CHECK(ev.at("event") == "result");
        auto& plan = ev.at("plan").as_object();
        auto& steps = plan.at("steps").as_array();
        REQUIRE(steps.size() == 4);
        boost::json::array deploy{"flyctl", "deploy", "--app", "web", "--region", "ams", "--image",
                                  "registry.fly.io/web:v3", "--strategy", "bluegreen"};
        CHECK(steps[1].at("argv") == deploy);
        CHECK(plan.at("dir").as_string() == dir.path().string());
        CHECK(plan.at("env") == boost::json::array{"FLY_API_TOKEN", "FLY_ACCESS_TOKEN"});
        CHECK(plan.at("argv") == deploy);
        CHECK(plan.at("region") == "ams");
        CHECK(plan.at("region_source") == "config");
        CHECK(plan.at("region_from").as_string() == "primary_region in " + (dir / "fly.toml").string());
        CHECK(plan.at("config").at("status") == "exists");
        CHECK(plan.at("image") == "registry.fly.io/web:v3");
        CHECK(plan.at("config").at("path").as_string() == (dir / "fly.toml").string());
        CHECK(ev.at("preview").as_string().starts_with("# " + (dir / "fly.toml").string()));
        CHECK(r.out.find(token) == std::string::npos);
    }
    SECTION("a directory r1 writes a fly.toml for says so, and writes nothing") {
        std::filesystem::remove(dir / "fly.toml");
        write_file(dir / "go.mod", "module example.com/web\n");
        o.args = {"deploy", "--app", "web", "--dir", dir.path().string(), "--dry-run"};
        auto r = run_r1(o);
        CHECK(r.exit_code == 0);
        CHECK(r.err.find("\nconfig:   " + (dir / "fly.toml").string() +
                         " (none yet: r1 writes it before the deploy, for a Go app (go.mod))\n") != std::string::npos);
        CHECK_FALSE(std::filesystem::exists(dir / "fly.toml"));
    }
    SECTION("no fly.toml at all: the seed's preview on stdout, and the plan says flyctl uses the app's own") {
        std::filesystem::remove(dir / "fly.toml");
        o.args = {"deploy", "--app", "web", "--dir", dir.path().string(), "--dry-run"};
        auto r = run_r1(o);
        CHECK(r.out.starts_with("# fly.toml preview (provider=fly, dry-run)\napp = \"web\"\nprimary_region = \"iad\"\n"));
        CHECK(r.err.find("\nconfig:   (no fly.toml: flyctl uses the app's current configuration on fly.io)\n") !=
              std::string::npos);
    }
}

TEST_CASE("r1 deploy --dry-run: other providers show their argv plan through the same seam",
          "[cli][plan][dry-run][providers]") {
    temp_dir dir;
    SECTION("vercel, with its own flags after --") {
        auto r = run_r1({.args = {"deploy", "--provider", "vercel", "--app", "site", "--dir", dir.path().string(),
                                  "--dry-run", "--", "--archive=tgz"}});
        CHECK(r.exit_code == 0);
        CHECK(r.out.find("\nrun:      vercel deploy --prod --yes --format=json --archive=tgz\n") != std::string::npos);
        CHECK(r.out.find("\nenv:      VERCEL_TOKEN, VERCEL_ORG_ID, VERCEL_PROJECT_ID (names only") != std::string::npos);
        CHECK(r.err.find("# r1 deploy") == std::string::npos);  // stdout is the plan: not printed twice
    }
    SECTION("vercel's --token and r1's own --format are refused") {
        auto token_flag = run_r1({.args = {"deploy", "--provider", "vercel", "--app", "site", "--dry-run", "--", "--token",
                                           "vcp_0123456789abcdefghij"}});
        CHECK(token_flag.exit_code == 2);
        CHECK(token_flag.err.find("argument 1 for vercel is --token, a credential flag") != std::string::npos);
        CHECK(token_flag.err.find("vcp_0123456789") == std::string::npos);
        auto format = run_r1({.args = {"deploy", "--provider", "vercel", "--app", "site", "--dry-run", "--", "-F", "text"}});
        CHECK(format.exit_code == 2);
        CHECK(format.err.find("-F, which r1 sets itself") != std::string::npos);
    }
    SECTION("kamal and cloudflare append them too; docker, which runs several commands, takes none") {
        auto kamal = run_r1({.args = {"deploy", "--provider", "kamal", "--app", "shop", "--dir", dir.path().string(),
                                      "--health-url", "https://shop.example/up", "--dry-run", "--", "--skip-push"}});
        CHECK(kamal.exit_code == 0);
        CHECK(kamal.out.find("\nrun:      kamal deploy --skip-push\n") != std::string::npos);
        auto wrangler = run_r1({.args = {"deploy", "--provider", "cloudflare", "--app", "edge", "--dir",
                                         dir.path().string(), "--dry-run", "--", "--minify"}});
        CHECK(wrangler.exit_code == 0);
        CHECK(wrangler.out.find("\nrun:      wrangler deploy --minify\n") != std::string::npos);
        auto docker = run_r1({.args = {"deploy", "--provider", "docker", "--app", "api", "--dry-run", "--", "--pull"}});
        CHECK(docker.exit_code == 2);
        CHECK(docker.err == "r1: error: provider docker takes no arguments of its own (r1 runs several docker commands): "
                            "leave out the arguments after -- / provider_args\n");
    }
}

TEST_CASE("r1 deploy --batch --dry-run: text shows each app's plan, and no rate for work that did not run",
          "[cli][plan][dry-run][batch]") {
    temp_dir dir;
    std::filesystem::create_directory(dir / "api");
    write_file(dir / "api" / "fly.toml", "app = \"api\"\nprimary_region = \"ams\"\n");
    write_file(dir / "fleet.toml", "[defaults]\nprovider_args = [\"--strategy\", \"rolling\"]\n\n"
                                   "[[app]]\nname = \"api\"\ndir = \"api\"\n\n"
                                   "[[app]]\nname = \"web\"\nregion = \"fra\"\nprovider_args = [\"--ha=false\"]\n");
    auto r = run_r1({.args = {"deploy", "--batch", (dir / "fleet.toml").string(), "--dry-run"}});
    INFO(r.out << r.err);
    CHECK(r.exit_code == 0);
    CHECK(r.out.find("preview rendered") == std::string::npos);
    CHECK(r.out.find("/s)") == std::string::npos);
    CHECK(r.out.find("] ok     api (fly, exit 0, ") != std::string::npos);
    CHECK(r.out.find("): plan: flyctl deploy --app api --region ams --strategy rolling\n") != std::string::npos);
    CHECK(r.out.find("  | region:   ams (primary_region in " + (dir / "api" / "fly.toml").string() + ")\n") !=
          std::string::npos);
    CHECK(r.out.find("  | config:   " + (dir / "api" / "fly.toml").string() + " (exists: flyctl reads it as it is)\n") !=
          std::string::npos);
    CHECK(r.out.find("): plan: flyctl deploy --app web --region fra --ha=false\n") != std::string::npos);
    CHECK(r.out.find("  | run:      flyctl deploy --app web --region fra --ha=false\n") != std::string::npos);
    CHECK(r.out.find("r1: 2 tasks in ") != std::string::npos);
    CHECK(r.out.find(" (dry run: nothing started): 2 ok, 0 failed; exit 0\n") != std::string::npos);

    SECTION("the report and NDJSON carry each plan") {
        auto report = dir / "out" / "plan.json";
        auto j = run_r1({.args = {"deploy", "--batch", (dir / "fleet.toml").string(), "--dry-run", "--output", "json",
                                  "--report", report.string()}});
        CHECK(j.exit_code == 0);
        auto doc = boost::json::parse(read_file(report)).as_object();
        auto& tasks = doc.at("tasks").as_array();
        REQUIRE(tasks.size() == 2);
        // A batch keeps each plan's short form: its main command, region and config, not the words.
        boost::json::array argv{"flyctl", "deploy", "--app", "web", "--region", "fra", "--ha=false"};
        CHECK(tasks[1].at("plan").at("argv") == argv);
        CHECK(tasks[1].at("plan").at("region_source") == "setting");
        CHECK(tasks[0].at("plan").at("region_source") == "config");
        CHECK(tasks[0].at("plan").at("config").at("status") == "exists");
        CHECK_FALSE(tasks[0].at("plan").as_object().contains("steps"));
        CHECK(j.out.find("\"plan\":{\"argv\":[\"flyctl\",\"deploy\",\"--app\",\"api\",\"--region\",\"ams\","
                         "\"--strategy\",\"rolling\"]") != std::string::npos);
    }
}

TEST_CASE("r1 deploy --report / --junit: a single deploy writes a one-app report in the batch's shape",
          "[cli][plan][report]") {
    r1::test::tls_server server;
    fake_flyctl fly;
    temp_dir dir;
    const auto report = dir / "reports" / "deploy.json";  // reports/ does not exist yet: r1 makes it
    const auto junit = dir / "reports" / "junit.xml";
    SECTION("a healthy deploy") {
        auto r = run_r1({.args = {"deploy", "--app", "demo-app", "--flyctl", fly.path(), "--dir", dir.path().string(),
                                  "--health-url", server.https_url("/ok"), "--ca-file", r1::test::ca_path(), "--report",
                                  report.string(), "--junit", junit.string()},
                         .env = {{"FAKE_FLY_RECORD", fly.record_dir()}, {"FLY_API_TOKEN", token}}});
        INFO(r.err);
        CHECK(r.exit_code == 0);
        auto doc = boost::json::parse(read_file(report)).as_object();
        CHECK(doc.at("command") == "deploy");
        CHECK(doc.at("exit_code") == 0);
        CHECK(doc.at("counts").at("ok") == 1);
        auto& tasks = doc.at("tasks").as_array();
        REQUIRE(tasks.size() == 1);
        CHECK(tasks[0].at("name") == "demo-app");
        CHECK(tasks[0].at("provider") == "fly");
        CHECK(tasks[0].at("status") == "ok");
        CHECK(tasks[0].at("url").as_string() == server.https_url("/ok"));
        CHECK(tasks[0].at("criteria").as_array().size() == 3);
        auto xml = read_file(junit);
        CHECK(xml.find("tests=\"1\" failures=\"0\" errors=\"0\"") != std::string::npos);
        CHECK(xml.find("<testcase classname=\"r1.deploy.fly\" name=\"demo-app\"") != std::string::npos);
        CHECK(read_file(report).find(token) == std::string::npos);
    }
    SECTION("a failed deploy: exit 3, its output tail in the report, a JUnit failure") {
        auto r = run_r1({.args = {"deploy", "--app", "demo-app", "--flyctl", fly.path(), "--dir", dir.path().string(),
                                  "--retries", "0", "--report", report.string(), "--junit", junit.string()},
                         .env = {{"FAKE_FLY_RECORD", fly.record_dir()}, {"FAKE_FLY_MODE", "fail"}}});
        CHECK(r.exit_code == 3);
        auto doc = boost::json::parse(read_file(report)).as_object();
        CHECK(doc.at("exit_code") == 3);
        auto& task = doc.at("tasks").as_array().at(0).as_object();
        CHECK(task.at("status") == "failed");
        CHECK(task.at("exit_code") == 3);
        CHECK(!task.at("output_tail").as_string().empty());
        CHECK(read_file(junit).find("<failure ") != std::string::npos);
    }
    SECTION("a dry run: the plan in the report, nothing run") {
        auto r = run_r1({.args = {"deploy", "--app", "demo-app", "--dir", dir.path().string(), "--dry-run", "--report",
                                  report.string()}});
        CHECK(r.exit_code == 0);
        auto doc = boost::json::parse(read_file(report)).as_object();
        CHECK(doc.at("dry_run") == true);
        auto& task = doc.at("tasks").as_array().at(0).as_object();
        CHECK(task.at("detail") == "plan: flyctl deploy --app demo-app --region iad");
        CHECK(task.at("plan").at("region") == "iad");
    }
    SECTION("a report that cannot be written is refused before anything runs") {
        write_file(dir / "file", "x");
        auto r = run_r1({.args = {"deploy", "--app", "demo-app", "--flyctl", fly.path(), "--report",
                                  (dir / "file" / "r.json").string()},
                         .env = {{"FAKE_FLY_RECORD", fly.record_dir()}}});
        CHECK(r.exit_code == 2);
        CHECK(r.err.starts_with("r1: error: cannot write " + (dir / "file" / "r.json").string() + ": "));
        CHECK_FALSE(std::filesystem::exists(fly.record_dir() + "/argv"));
    }
}

TEST_CASE("r1 deploy: a deploy that hit --deploy-timeout is not retried unless --retries-on-timeout says so",
          "[cli][plan][timeout]") {
    // Issue 15's --retries-on-timeout, checked here through the binary: with the default --retries 2 a
    // hung deploy used to cost three times its deadline.
    fake_flyctl fly;
    temp_dir dir;
    auto run_hung = [&](std::vector<std::string> extra) {
        r1_options o;
        o.args = {"deploy", "--app", "demo-app", "--flyctl", fly.path(), "--dir", dir.path().string(), "--deploy-timeout",
                  "1s", "--health-url", refused_http_url()};
        o.args.insert(o.args.end(), extra.begin(), extra.end());
        o.env = {{"FAKE_FLY_RECORD", fly.record_dir()}, {"FAKE_FLY_MODE", "sleep"},
                 {"FAKE_FLY_EVENTS", (dir / "events").string()}};
        auto r = run_r1(o);
        auto events = std::filesystem::exists(dir / "events") ? read_file(dir / "events") : std::string();
        std::filesystem::remove(dir / "events");
        std::size_t starts = 0;
        for (std::size_t at = 0; (at = events.find("start ", at)) != std::string::npos; ++at) ++starts;
        return std::pair{r, starts};
    };
    auto [once, once_starts] = run_hung({});
    CHECK(once.exit_code == 3);
    CHECK(once_starts == 1);
    CHECK(once.err.find("attempt 2") == std::string::npos);
    auto [again, again_starts] = run_hung({"--retries-on-timeout", "--retries", "1"});
    CHECK(again.exit_code == 3);
    CHECK(again_starts == 2);
    INFO(again.err);
    CHECK(again.err.find("r1: attempt 2 (env-fix) retries the deploy in ") != std::string::npos);
}
