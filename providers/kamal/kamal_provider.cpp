#include "providers/kamal/kamal_provider.hpp"

#include "engine/text/text.hpp"
#include "providers/adapter_kit.hpp"
#include "providers/cli_step.hpp"
#include "providers/kamal/kamal_output.hpp"

#include <array>

namespace r1::providers::kamal {
namespace {

constexpr std::string_view cli_key = "kamal";
constexpr std::string_view destination_key = "kamal_destination";
constexpr std::string_view lock_wait_key = "kamal_lock_wait";

constexpr std::array<provider_option, 3> kamal_options{{
    {"--kamal", cli_key, "PATH", "kamal binary (default: kamal on $PATH)"},
    {"--kamal-destination", destination_key, "NAME", "kamal destination (kamal deploy -d NAME: config/deploy.NAME.yml)"},
    {"--kamal-lock-wait", lock_wait_key, "DURATION",
     "wait up to DURATION for a held deploy lock (kamal --lock-wait, kamal 2.12+);\n"
     "without it a held lock fails the deploy at once", option_kind::duration},
}};

// The registry password kamal's config reads from .kamal/secrets, which commonly takes it from the
// environment (KAMAL_REGISTRY_PASSWORD=$KAMAL_REGISTRY_PASSWORD).
constexpr std::array<std::string_view, 1> credentials{"KAMAL_REGISTRY_PASSWORD"};

// Kamal builds the image on this machine and holds a lock per destination; "Kamal deployments are
// not designed to work concurrently" (basecamp/kamal#689). Two at a time in a batch.
constexpr unsigned default_batch_cap = 2;

}  // namespace

std::span<const provider_option> kamal_provider::options() const { return kamal_options; }

void kamal_provider::apply_defaults(deploy_config&) const {}

// r1's app name labels the task; the service comes from config/deploy.yml.
std::string kamal_provider::app_name_problem(std::string_view app) const {
    return label_problem(app, "app names for kamal", 63, "-_.");
}

std::vector<std::string> kamal_provider::problems(const deploy_config& cfg) const {
    std::vector<std::string> out;
    if (cfg.health_url.empty())
        out.push_back("kamal needs --health-url URL (health_url in a manifest): kamal has no public URL r1 could derive");
    if (!cfg.image.empty()) out.push_back("--image is not a kamal setting: kamal builds and pushes the image its config names");
    if (auto d = option_of(cfg, destination_key); !d.empty())
        if (auto why = argument_problem(d, "--kamal-destination"); !why.empty()) out.push_back(std::move(why));
    return out;
}

std::vector<std::string> kamal_deploy_argv(const std::string& cli, const deploy_config& cfg) {
    std::vector<std::string> argv{cli, "deploy"};
    if (auto d = option_of(cfg, destination_key); !d.empty()) {
        argv.emplace_back("-d");
        argv.push_back(std::move(d));
    }
    if (!option_of(cfg, lock_wait_key).empty()) {
        auto wait = duration_option(cfg, lock_wait_key, std::chrono::milliseconds(0));
        auto seconds = std::max<long long>(1, std::chrono::duration_cast<std::chrono::seconds>(wait).count());
        argv.emplace_back("--lock-wait");
        argv.emplace_back("--lock-wait-timeout");
        argv.push_back(std::to_string(seconds));
    }
    return argv;
}

std::string kamal_provider::preview(const deploy_config& cfg) const {
    auto cli = option_of(cfg, cli_key);
    auto dest = option_of(cfg, destination_key);
    preview_text p{.provider = "kamal",
                   .app = cfg.app,
                   .steps = {{kamal_deploy_argv(cli.empty() ? "kamal" : cli, cfg), {}}},
                   .dir = cfg.dir,
                   .env_names = {"KAMAL_REGISTRY_PASSWORD"},
                   .env_set = {},
                   .expects = {"config/deploy" + (dest.empty() ? std::string() : "." + dest) +
                                   ".yml, .kamal/secrets (whatever it reads from the environment) and SSH access to the servers",
                               option_of(cfg, lock_wait_key).empty()
                                   ? "a free deploy lock: a held one fails the deploy at once"
                                   : "the deploy lock, waited for up to " + option_of(cfg, lock_wait_key)},
                   .success = "exit 0; a failure's cause is kamal's ERROR line on stdout",
                   .health = cfg.health_url.empty() ? "none: --health-url is required" : cfg.health_url};
    return render_preview(p);
}

result<std::string> kamal_provider::locate_cli(const deploy_config& cfg, std::string_view path_env) const {
    static constexpr std::array<std::string_view, 1> names{"kamal"};
    return locate_program(option_of(cfg, cli_key), names, path_env);
}

std::string kamal_provider::cli_missing(const deploy_config& cfg) const {
    return missing_program(option_of(cfg, cli_key), "kamal", "install it with gem install kamal", "--kamal");
}

boost::asio::awaitable<deploy_outcome> kamal_provider::deploy(proc::runner& runner, deploy_request req) const {
    cli_step step;
    step.what = "kamal deploy (app " + req.cfg.app + ")";
    step.argv = kamal_deploy_argv(req.cli, req.cfg);
    step.cwd = req.cfg.dir;
    step.deadline = req.deadline;
    step.on_output = std::move(req.on_output);
    std::string what = step.what;
    auto ran = co_await run_cli_step(runner, std::move(step));
    if (!ran.outcome.ec || ran.outcome.ec == error::interrupted) co_return std::move(ran.outcome);
    auto report = read_kamal_output(ran.output.out_tail);
    auto outcome = std::move(ran.outcome);
    if (report.error_class.empty()) co_return outcome;  // no ERROR line: stderr's words stand
    std::string error_line = "ERROR (" + report.error_class + "): " + report.error_message;
    if (report.lock_held) {
        outcome.message = what + ": the deploy lock is held" +
                          (report.lock_holder.empty() ? "" : " (" + report.lock_holder + ")") + ": " + error_line;
        // Retrying at once meets the same lock; --kamal-lock-wait is the way to wait for it.
        outcome.cause = {engine::failure_class::permanent, "deploy-lock", 0};
    } else {
        outcome.message = what + " " + describe_ending(ran.output) + ": " + error_line;
    }
    co_return outcome;
}

std::string kamal_provider::default_health_url(const deploy_config&, const deploy_outcome*) const { return {}; }

unsigned kamal_provider::batch_concurrency() const { return default_batch_cap; }

std::span<const std::string_view> kamal_provider::credential_variables() const { return credentials; }

}  // namespace r1::providers::kamal
