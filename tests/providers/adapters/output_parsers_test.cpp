// The adapters' pure pieces: what each CLI's output means, and the argv each builds.
#include "providers/cloudflare/cloudflare_provider.hpp"
#include "providers/cloudflare/wrangler_output.hpp"
#include "providers/docker/docker_plan.hpp"
#include "providers/kamal/kamal_output.hpp"
#include "providers/kamal/kamal_provider.hpp"
#include "providers/registry.hpp"
#include "providers/vercel/vercel_output.hpp"
#include "providers/vercel/vercel_provider.hpp"
#include "engine/redact/redact.hpp"

#include <catch2/catch.hpp>

namespace vercel = r1::providers::vercel;
namespace cloudflare = r1::providers::cloudflare;
namespace kamal = r1::providers::kamal;
namespace docker = r1::providers::docker;

TEST_CASE("vercel_output: success needs exit 0 and a READY deployment URL, never the Inspect URL",
          "[providers][vercel][parse]") {
    // The shape of getDeploymentOutputJson (vercel 58.10.0, dist/commands/deploy/index.js).
    const std::string ready = R"({
  "id": "dpl_7Hk2mJq9Xw3LpR5sT8vB",
  "url": "https://web-abc123-team.vercel.app",
  "inspectorUrl": "https://vercel.com/team/web/7Hk2mJq9Xw3LpR5sT8vB",
  "readyState": "READY",
  "target": "production",
  "deploymentApiUrl": "https://api.vercel.com/v13/deployments/dpl_7Hk2mJq9Xw3LpR5sT8vB"
})";
    SECTION("the JSON result") {
        auto r = vercel::read_vercel_output(ready, "");
        CHECK(r.json);
        CHECK(r.url == "https://web-abc123-team.vercel.app");
        CHECK(r.id == "dpl_7Hk2mJq9Xw3LpR5sT8vB");
        CHECK(vercel::vercel_success_problem(r, true).empty());
    }
    SECTION("the agent-mode wrapper around it") {
        auto wrapped = R"({"status":"ok","deployment":)" + ready + R"(,"message":"Deployment ready.","next":[]})";
        auto r = vercel::read_vercel_output(wrapped, "");
        CHECK(r.url == "https://web-abc123-team.vercel.app");
        CHECK(vercel::vercel_success_problem(r, true).empty());
        auto failed = vercel::read_vercel_output(R"({"status":"error","reason":"deploy_failed","message":"Project not found"})", "");
        CHECK(failed.url.empty());
        CHECK(vercel::vercel_success_problem(failed, true) == "it reported an error: Project not found");
    }
    SECTION("exit 0 with nothing on stdout is no deploy (the 58.x network trap)") {
        auto r = vercel::read_vercel_output("", "Retrieving project…\n");
        CHECK(vercel::vercel_success_problem(r, true).find("printed no deployment URL") != std::string::npos);
    }
    SECTION("a deployment not READY is no success") {
        std::string building = ready;
        building.replace(building.find("READY"), 5, "BUILDING");
        auto r = vercel::read_vercel_output(building, "");
        CHECK(vercel::vercel_success_problem(r, true) == "deployment https://web-abc123-team.vercel.app is BUILDING, not READY");
    }
    SECTION("text mode: the bare URL, never the Inspect row") {
        auto r = vercel::read_vercel_output("https://web-abc123-team.vercel.app",
                                            "  Inspect:    https://vercel.com/team/web/7Hk2 [1s]\n");
        CHECK_FALSE(r.json);
        CHECK(r.url == "https://web-abc123-team.vercel.app");
        CHECK(vercel::read_vercel_output("https://vercel.com/team/web/7Hk2", "").url.empty());
        CHECK_FALSE(vercel::is_deployment_url("https://vercel.com/team/web"));
        CHECK_FALSE(vercel::is_deployment_url("http://web.vercel.app"));
    }
    SECTION("the production alias of the Aliased row, colours and all") {
        auto r = vercel::read_vercel_output(ready, "\x1b[1mProduction\x1b[22m: x\n\xe2\x96\xb2 \x1b[1mAliased    \x1b[22m\x1b[36mhttps://web.example.com\x1b[39m\n");
        CHECK(r.alias == "https://web.example.com");
        CHECK(vercel::read_vercel_output(ready, "note: Aliased https://x.example.com later\n").alias.empty());
    }
}

TEST_CASE("vercel_provider: argv carries no token; --prebuilt and --scope when asked", "[providers][vercel][argv]") {
    r1::deploy_config cfg;
    cfg.app = "web";
    CHECK(vercel::vercel_deploy_argv("/bin/vercel", cfg, false) ==
          std::vector<std::string>{"/bin/vercel", "deploy", "--prod", "--yes", "--format=json"});
    cfg.options["vercel_scope"] = "team-a";
    CHECK(vercel::vercel_deploy_argv("vercel", cfg, true) ==
          std::vector<std::string>{"vercel", "deploy", "--prod", "--yes", "--format=json", "--prebuilt", "--scope", "team-a"});
    vercel::vercel_provider p;
    cfg.options["vercel_scope"] = "--token=x";
    REQUIRE(p.problems(cfg).size() == 1);
    CHECK(p.problems(cfg)[0].find("starts with a dash") != std::string::npos);
    CHECK(p.app_name_problem("web---x").find("---") != std::string::npos);
    CHECK(p.app_name_problem("Web").find("lowercase") != std::string::npos);
}

TEST_CASE("wrangler_output: the NDJSON records give the version, the URLs and the error code",
          "[providers][cloudflare][parse]") {
    // Record shapes of packages/wrangler/src/output.ts (4.86.0); the targets as
    // __tests__/deploy/core.test.ts expects them.
    const std::string ok =
        R"({"type":"wrangler-session","version":1,"wrangler_version":"4.86.0","command_line_args":["deploy"],"log_file_path":"/l","timestamp":"t"})"
        "\n"
        R"({"type":"deploy","version":1,"worker_name":"test-name","worker_tag":"tag:test-name","version_id":"Galaxy-Class","targets":["https://test-name.test-sub-domain.workers.dev","example.com/some-route/*"],"worker_name_overridden":false,"timestamp":"t"})"
        "\n";
    auto r = cloudflare::read_wrangler_records(ok);
    CHECK(r.records == 2);
    CHECK(r.deployed);
    CHECK(r.version_id == "Galaxy-Class");
    CHECK(r.argv == std::vector<std::string>{"deploy"});
    CHECK(cloudflare::first_checkable_url(r.urls) == "https://test-name.test-sub-domain.workers.dev");

    // What 4.86.0 wrote offline here: no code for a network failure.
    auto offline = cloudflare::read_wrangler_records(
        R"({"type":"command-failed","version":1,"message":"fetch failed","timestamp":"t"})" "\n{\"torn");
    CHECK(offline.failed);
    CHECK_FALSE(offline.code);
    CHECK(offline.message == "fetch failed");
    auto auth = cloudflare::read_wrangler_records(R"({"type":"command-failed","version":1,"code":10000,"message":"A request to the Cloudflare API failed."})");
    REQUIRE(auth.code);
    CHECK(*auth.code == 10000);
    CHECK(cloudflare::verdict_for_code(auth.code).cls == r1::engine::failure_class::permanent);
    CHECK(cloudflare::verdict_for_code(10013).signal.empty());

    auto pages = cloudflare::read_wrangler_records(
        R"({"type":"pages-deploy-detailed","version":1,"pages_project":"site","deployment_id":"abc","url":"https://abc.site.pages.dev","alias":"https://main.site.pages.dev","environment":"production"})");
    CHECK(pages.deployed);
    CHECK(pages.urls == std::vector<std::string>{"https://abc.site.pages.dev", "https://main.site.pages.dev"});
}

TEST_CASE("wrangler_output: text is scraped only for what deploy.ts and triggers/deploy.ts print",
          "[providers][cloudflare][scrape]") {
    auto r = cloudflare::scrape_wrangler_text("Uploaded api (1.02 sec)\nDeployed api triggers (0.31 sec)\n"
                                              "  https://api.team.workers.dev\n  example.com/*\nCurrent Version ID: 1a2b\n");
    CHECK(r.deployed);
    CHECK(r.version_id == "1a2b");
    CHECK(r.urls == std::vector<std::string>{"https://api.team.workers.dev"});
    CHECK_FALSE(cloudflare::scrape_wrangler_text("Uploaded api (1.02 sec)\n").deployed);
    auto pages = cloudflare::scrape_wrangler_text("✨ Deployment complete! Take a peek over at https://1.site.pages.dev\n");
    CHECK(pages.deployed);
    CHECK(pages.urls.front() == "https://1.site.pages.dev");
}

TEST_CASE("wrangler_output: a Pages project is one whose config sets pages_build_output_dir", "[providers][cloudflare][config]") {
    CHECK(cloudflare::pages_output_dir_in("name = \"site\"\npages_build_output_dir = \"./dist\"\n", true) == "./dist");
    CHECK(cloudflare::pages_output_dir_in("name = 'x'\n[env.prod]\npages_build_output_dir = \"./p\"\n", true).empty());
    CHECK(cloudflare::pages_output_dir_in("main = \"src/index.js\"\n", true).empty());
    CHECK(cloudflare::pages_output_dir_in("{\n  // \"pages_build_output_dir\": \"./old\",\n  \"pages_build_output_dir\": \"./out\"\n}", false) == "./out");
    CHECK(cloudflare::pages_output_dir_in("{ /* \"pages_build_output_dir\": \"x\" */ \"name\": \"w\" }", false).empty());

    r1::deploy_config cfg;
    cfg.app = "site";
    CHECK(cloudflare::wrangler_deploy_argv("wrangler", cfg, {"wrangler.toml", "./dist"}) ==
          std::vector<std::string>{"wrangler", "pages", "deploy", "./dist", "--project-name", "site"});
    cfg.options["wrangler_env"] = "staging";
    CHECK(cloudflare::wrangler_deploy_argv("wrangler", cfg, {"wrangler.toml", ""}) ==
          std::vector<std::string>{"wrangler", "deploy", "--env", "staging"});
}

TEST_CASE("kamal_output: the ERROR line on stdout is the cause; a held lock says who holds it", "[providers][kamal][parse]") {
    // bin/kamal prints "  \e[31mERROR (#{e.class}): #{e.message}\e[0m"; the lock's details come from
    // lib/kamal/commands/lock.rb.
    auto r = kamal::read_kamal_output("Acquiring the deploy lock...\nDeploy lock already in place!\n"
                                      "Locked by: Ann at 2026-08-01T10:00:00Z\nVersion: 3f2a\nMessage: Automatic deploy lock\n"
                                      "  Finished all in 0.4 seconds\n"
                                      "  \x1b[31mERROR (Kamal::Cli::LockError): Deploy lock found. Run 'kamal lock help' for more information\x1b[0m\n");
    CHECK(r.lock_held);
    CHECK(r.finished);
    CHECK(r.error_class == "Kamal::Cli::LockError");
    CHECK(r.lock_holder == "Locked by: Ann at 2026-08-01T10:00:00Z; Version: 3f2a; Message: Automatic deploy lock");
    auto ssh = kamal::read_kamal_output("  ERROR (SSHKit::Command::Failed): Exception while executing on host [ip]: docker exit status: 125\n");
    CHECK_FALSE(ssh.lock_held);
    CHECK(ssh.error_message == "Exception while executing on host [ip]: docker exit status: 125");
    CHECK(kamal::read_kamal_output("  Finished all in 3.0 seconds\n").error_class.empty());

    r1::deploy_config cfg;
    cfg.app = "api";
    CHECK(kamal::kamal_deploy_argv("kamal", cfg) == std::vector<std::string>{"kamal", "deploy"});
    cfg.options["kamal_destination"] = "staging";
    cfg.options["kamal_lock_wait"] = "2m";
    CHECK(kamal::kamal_deploy_argv("kamal", cfg) ==
          std::vector<std::string>{"kamal", "deploy", "-d", "staging", "--lock-wait", "--lock-wait-timeout", "120"});
}

TEST_CASE("docker_plan: the new container takes the free slot beside the serving one", "[providers][docker][plan]") {
    CHECK(docker::choose_slot("web", "").fresh == 'a');
    auto second = docker::choose_slot("web", "web-a\n");
    CHECK(second.fresh == 'b');
    CHECK(second.old == std::optional<std::string>{"web-a"});
    auto third = docker::choose_slot("web", "web-b\nweb-api-a\n");
    CHECK(third.fresh == 'a');
    CHECK(third.old == std::optional<std::string>{"web-b"});
    CHECK_FALSE(docker::choose_slot("web", "web-a\nweb-b\n").problem.empty());

    docker::docker_settings s{.docker = "docker", .app = "web", .repository = "web", .tag = "r1-1", .port = 9000,
                              .container_port = 80};
    CHECK(docker::run_argv(s, 'b') == std::vector<std::string>{"docker", "run", "--detach", "--name", "web-b", "--label",
                                                               "r1.app=web", "--restart", "unless-stopped", "--publish",
                                                               "9001:80", "web:r1-1"});
    CHECK(docker::slot_url(s, 'a') == "http://127.0.0.1:9000/");
    s.image = "ghcr.io/acme/web:v2";
    CHECK(docker::image_ref(s) == "ghcr.io/acme/web:v2");
    CHECK_FALSE(docker::health_path_problem("healthz").empty());
    CHECK(docker::health_path_problem("/healthz?full=1").empty());
}

TEST_CASE("registry: every provider is wired, and its credentials and token formats are masked", "[providers][registry]") {
    const auto& reg = r1::providers::registry::builtin();
    CHECK(reg.known() == "fly, vercel, cloudflare, docker, kamal");
    for (auto name : {"fly", "vercel", "cloudflare", "docker", "kamal"}) CHECK(reg.find(name) != nullptr);
    for (const auto& p : reg.wired()) {
        INFO(p->name());
        for (auto var : p->credential_variables()) CHECK(r1::engine::env_name_looks_secret(var));
        for (const auto& t : p->token_formats()) {
            std::string token = std::string(t.prefix) + "Zm9vYmFyYmF6cXV4MTIzNDU2Nzg5";
            INFO(token);
            // Bare, where no NAME= rule helps: only the installed token format can mask it.
            CHECK(r1::engine::process_redactor().scrub("see " + token + " end") == "see [redacted] end");
            CHECK(r1::engine::redactor{}.scrub("see " + token + " end") == "see " + token + " end");
        }
    }
    // Installed once at start-up: once the process redactor is in use, nothing replaces its formats.
    CHECK_FALSE(r1::engine::install_secret_formats({}));
}
