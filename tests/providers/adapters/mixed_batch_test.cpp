// One manifest deploying to Vercel, Cloudflare, Docker and Kamal at once: each task's own exit code,
// the batch's aggregate, the per-provider caps honoured (the stand-ins record when each run starts
// and ends), and the report and JUnit files.
#include "tests/support/processes.hpp"
#include "tests/support/r1_process.hpp"
#include "tests/support/standins.hpp"
#include "tests/support/test_pki.hpp"
#include "tests/support/tls_server.hpp"

#include <boost/json/parse.hpp>
#include <boost/json/value.hpp>

#include <catch2/catch.hpp>

#include <map>

TEST_CASE("mixed batch: per-task codes, the aggregate exit, provider caps, report and JUnit",
          "[providers][batch][standin]") {
    r1::test::tls_server server;
    r1::test::standin_env env;
    auto port = r1::test::free_port_pair();
    REQUIRE(port != 0);
    for (auto app : {"v-1", "v-2", "v-3", "no-url-v", "c-1", "c-2", "c-3", "k-ok", "lock-k", "k-sick"}) env.app_dir(app);
    env.app_dir("d-1", {{"Dockerfile", "FROM scratch\n"}});
    auto apps = env.app_dir("..");  // <root>/apps/..: dirs below are relative to the manifest
    std::string manifest = std::string("[defaults]\nretries = 0\n") +
                           "vercel = \"" + r1::test::standin_path("vercel") + "\"\n" +
                           "wrangler = \"" + r1::test::standin_path("wrangler") + "\"\n" +
                           "docker = \"" + r1::test::standin_path("docker") + "\"\n" +
                           "kamal = \"" + r1::test::standin_path("kamal") + "\"\n"
                           "\n[provider.vercel]\nconcurrency = 1\n\n[provider.cloudflare]\nconcurrency = 2\n";
    auto app = [&](const std::string& name, const std::string& provider, const std::string& extra = "") {
        manifest += "\n[[app]]\nname = \"" + name + "\"\nprovider = \"" + provider + "\"\ndir = \"apps/" + name + "\"\n" + extra;
    };
    for (auto n : {"v-1", "v-2", "v-3", "no-url-v"}) app(n, "vercel");
    for (auto n : {"c-1", "c-2", "c-3"}) app(n, "cloudflare");
    app("d-1", "docker", "docker_port = " + std::to_string(port) + "\n");
    app("k-ok", "kamal", "health_url = \"" + server.https_url("/ok") + "\"\n");
    app("lock-k", "kamal", "health_url = \"" + server.https_url("/ok") + "\"\n");
    app("k-sick", "kamal", "health_url = \"" + server.https_url("/status/503") + "\"\nhealth_timeout = \"2s\"\n");
    r1::test::write_file(std::filesystem::path(apps) / "fleet.toml", manifest);

    auto report = std::filesystem::path(apps) / "report.json";
    auto junit = std::filesystem::path(apps) / "junit.xml";
    auto o = env.options({"deploy", "--batch", (std::filesystem::path(apps) / "fleet.toml").string(), "--concurrency", "8",
                          "--ca-file", r1::test::ca_path(), "--report", report.string(), "--junit", junit.string()});
    o.env.push_back({"R1_STANDIN_BY_NAME", "1"});
    o.env.push_back({"R1_STANDIN_SLEEP", "0.4"});
    o.env.push_back({"R1_STANDIN_URL", server.https_url("/ok")});
    o.timeout_ms = 120'000;
    auto r = r1::test::run_r1(o);
    INFO(r.out << r.err);

    CHECK(r.exit_code == 3);  // 3 (failed deploys) outranks 1 (a failed health check)
    CHECK(env.max_overlap("vercel") == 1);
    CHECK(env.max_overlap("wrangler") >= 1);
    CHECK(env.max_overlap("wrangler") <= 2);

    auto doc = boost::json::parse(r1::test::read_file(report));
    std::map<std::string, std::int64_t> codes;
    for (const auto& t : doc.at("tasks").as_array())
        codes[std::string(t.at("name").as_string())] = t.at("exit_code").as_int64();
    CHECK(codes == std::map<std::string, std::int64_t>{{"v-1", 0}, {"v-2", 0}, {"v-3", 0}, {"no-url-v", 3}, {"c-1", 0},
                                                       {"c-2", 0}, {"c-3", 0}, {"d-1", 0}, {"k-ok", 0}, {"lock-k", 3},
                                                       {"k-sick", 1}});
    CHECK(doc.at("exit_code").as_int64() == 3);
    auto xml = r1::test::read_file(junit);
    CHECK(xml.find("tests=\"11\"") != std::string::npos);
    CHECK(xml.find("failures=\"3\"") != std::string::npos);
    CHECK(xml.find("the deploy lock is held") != std::string::npos);
}

TEST_CASE("mixed batch: [provider.NAME] tables are checked like every other key", "[providers][batch][manifest]") {
    r1::test::temp_dir dir;
    r1::test::write_file(dir / "fleet.toml", "[provider.vercel]\nconcurency = 2\n\n[provider.heroku]\nconcurrency = 1\n\n"
                                             "[provider.cloudflare]\nconcurrency = 0\n\n[[app]]\nname = \"a\"\n");
    auto r = r1::test::run_r1({.args = {"deploy", "--batch", (dir / "fleet.toml").string(), "--dry-run"}});
    CHECK(r.exit_code == 2);
    CHECK(r.err.find("fleet.toml:2: unknown key \"concurency\" in [provider.vercel] (did you mean \"concurrency\"?)") !=
          std::string::npos);
    CHECK(r.err.find("fleet.toml:4: [provider.heroku]: unknown provider \"heroku\"") != std::string::npos);
    CHECK(r.err.find("fleet.toml:8: concurrency in [provider.cloudflare] must be a whole number from 1 to 65536") !=
          std::string::npos);
}

TEST_CASE("dry run: each provider prints its argv, directory, variable names and expectations, exactly, starting nothing",
          "[providers][dry-run]") {
    r1::test::temp_dir dir;
    r1::test::write_file(dir / "wrangler.toml", "name = \"site\"\npages_build_output_dir = \"./dist\"\n");
    auto run = [&](std::vector<std::string> extra) {
        std::vector<std::string> args{"deploy", "--app", "site", "--dir", dir.path().string(), "--dry-run"};
        args.insert(args.end(), extra.begin(), extra.end());
        return r1::test::run_r1({.args = args, .env = {{"PATH", "/nonexistent"}}});
    };
    auto kamal = run({"--provider", "kamal", "--health-url", "https://shop.example.com/up", "--kamal-destination", "prod",
                      "--kamal-lock-wait", "5m"});
    CHECK(kamal.exit_code == 0);
    CHECK(kamal.out == "# r1 deploy --provider kamal --app site: dry run, nothing is started\n"
                       "run:      kamal deploy -d prod --lock-wait --lock-wait-timeout 300\n"
                       "in:       " + dir.path().string() + "\n"
                       "env:      KAMAL_REGISTRY_PASSWORD (names only: the values come from r1's environment, passed on unchanged)\n"
                       "expects:  config/deploy.prod.yml, .kamal/secrets (whatever it reads from the environment) and SSH access to the servers\n"
                       "expects:  the deploy lock, waited for up to 5m\n"
                       "success:  exit 0; a failure's cause is kamal's ERROR line on stdout\n"
                       "health:   https://shop.example.com/up\n");
    auto pages = run({"--provider", "cloudflare"});
    CHECK(pages.exit_code == 0);
    CHECK(pages.out.find("run:      wrangler pages deploy ./dist --project-name site\n") != std::string::npos);
    CHECK(pages.out.find("sets:     WRANGLER_OUTPUT_FILE_PATH=<a private temporary file r1 removes afterwards>\n") !=
          std::string::npos);
    auto vercel = run({"--provider", "vercel", "--vercel-scope", "team-a"});
    CHECK(vercel.out.find("run:      vercel deploy --prod --yes --format=json --scope team-a\n") != std::string::npos);
    CHECK(vercel.out == run({"--provider", "vercel", "--vercel-scope", "team-a"}).out);  // deterministic
    auto docker = run({"--provider", "docker", "--docker-port", "9000", "--docker-push", "--docker-repository",
                       "ghcr.io/acme/site"});
    CHECK(docker.exit_code == 0);
    CHECK(docker.out.find("run:      docker push 'ghcr.io/acme/site:r1-<UTC time>'\n") != std::string::npos);
    CHECK(docker.out.find("--publish 9000:9000") != std::string::npos);
    for (const auto* r : {&kamal, &pages, &vercel, &docker}) CHECK(r->out.find("VERCEL_TOKEN=") == std::string::npos);
}
