#include "providers/vercel/vercel_provider.hpp"

#include "providers/adapter_kit.hpp"
#include "providers/cli_step.hpp"
#include "providers/vercel/vercel_output.hpp"

#include <array>
#include <filesystem>

namespace r1::providers::vercel {
namespace {

constexpr std::string_view cli_key = "vercel";
constexpr std::string_view scope_key = "vercel_scope";

constexpr std::array<provider_option, 2> vercel_options{{
    {"--vercel", cli_key, "PATH", "vercel binary (default: vercel on $PATH)"},
    {"--vercel-scope", scope_key, "TEAM", "Vercel team (vercel --scope); default: VERCEL_ORG_ID or the linked project"},
}};

// The CLI reads VERCEL_TOKEN (58.10.0 dist/index.js: `process.env.VERCEL_TOKEN` is the token when
// no --token is given).
constexpr std::array<std::string_view, 1> credentials{"VERCEL_TOKEN"};

// Vercel's token formats (2025): vcp_ personal, vci_ integration, vca_ / vcr_ app access and
// refresh, vck_ API keys.
constexpr std::array<token_format, 5> tokens{{{"vcp_"}, {"vci_"}, {"vca_"}, {"vcr_"}, {"vck_"}}};

// Deployments created at once from one account: Vercel queues concurrent builds beyond the plan's
// limit (one on Hobby) and rate-limits deployment creation ("You have been creating deployments at a
// very fast pace", a 429 the CLI never retries), so a batch sends two at a time unless told otherwise.
constexpr unsigned default_batch_cap = 2;

bool has_prebuilt_output(const std::string& dir) {
    std::error_code ec;
    return std::filesystem::is_directory(std::filesystem::path(dir) / ".vercel" / "output", ec);
}

}  // namespace

std::span<const provider_option> vercel_provider::options() const { return vercel_options; }

void vercel_provider::apply_defaults(deploy_config&) const {}

// Vercel project names: up to 100 lowercase letters, digits, '.', '_' and '-'. r1's app name labels
// the task (its log file, its report entry); the project comes from the link or VERCEL_PROJECT_ID.
std::string vercel_provider::app_name_problem(std::string_view app) const {
    if (app.find("---") != std::string_view::npos) return "invalid app name " + std::string(app) + ": Vercel project names cannot contain '---'";
    return label_problem(app, "Vercel project names", 100, "._-");
}

std::vector<std::string> vercel_provider::problems(const deploy_config& cfg) const {
    std::vector<std::string> out;
    if (!cfg.image.empty()) out.push_back("--image is not a Vercel setting: vercel deploys the files in --dir (use fly or docker for images)");
    if (auto scope = option_of(cfg, scope_key); !scope.empty())
        if (auto why = argument_problem(scope, "--vercel-scope"); !why.empty()) out.push_back(std::move(why));
    return out;
}

std::vector<std::string> vercel_deploy_argv(const std::string& cli, const deploy_config& cfg, bool prebuilt) {
    std::vector<std::string> argv{cli, "deploy", "--prod", "--yes", "--format=json"};
    if (prebuilt) argv.emplace_back("--prebuilt");
    if (auto scope = option_of(cfg, scope_key); !scope.empty()) {
        argv.emplace_back("--scope");
        argv.push_back(std::move(scope));
    }
    return argv;
}

std::string vercel_provider::preview(const deploy_config& cfg) const {
    auto cli = option_of(cfg, cli_key);
    bool prebuilt = has_prebuilt_output(cfg.dir);
    preview_text p{.provider = "vercel",
                   .app = cfg.app,
                   .steps = {{vercel_deploy_argv(cli.empty() ? "vercel" : cli, cfg, prebuilt), {}}},
                   .dir = cfg.dir,
                   .env_names = {"VERCEL_TOKEN", "VERCEL_ORG_ID", "VERCEL_PROJECT_ID"},
                   .env_set = {},
                   .expects = {"a project linked in .vercel/project.json, or VERCEL_ORG_ID and VERCEL_PROJECT_ID",
                               prebuilt ? "--prebuilt: .vercel/output is there (from vercel build)"
                                        : "no .vercel/output, so Vercel builds the project itself"},
                   .success = "exit 0 and a deployment https:// URL whose readyState is READY (never the Inspect URL)",
                   .health = cfg.health_url.empty() ? "the production alias vercel prints, else the deployment URL"
                                                    : cfg.health_url};
    return render_preview(p);
}

result<std::string> vercel_provider::locate_cli(const deploy_config& cfg, std::string_view path_env) const {
    static constexpr std::array<std::string_view, 1> names{"vercel"};
    return locate_program(option_of(cfg, cli_key), names, path_env);
}

std::string vercel_provider::cli_missing(const deploy_config& cfg) const {
    return missing_program(option_of(cfg, cli_key), "vercel", "install it with npm install --global vercel", "--vercel");
}

boost::asio::awaitable<deploy_outcome> vercel_provider::deploy(proc::runner& runner, deploy_request req) const {
    cli_step step;
    step.what = "vercel deploy (app " + req.cfg.app + ")";
    step.argv = vercel_deploy_argv(req.cli, req.cfg, has_prebuilt_output(req.cfg.dir));
    step.cwd = req.cfg.dir;
    step.deadline = req.deadline;
    step.on_output = std::move(req.on_output);
    std::string what = step.what;
    auto ran = co_await run_cli_step(runner, std::move(step));
    if (ran.outcome.ec == error::interrupted || (ran.output.out_bytes + ran.output.err_bytes == 0 && ran.outcome.ec))
        co_return std::move(ran.outcome);
    auto report = read_vercel_output(ran.output.out_tail, ran.output.err_tail);
    auto outcome = std::move(ran.outcome);
    outcome.url = report.url;
    outcome.release = report.id;
    outcome.alias = report.alias;
    if (outcome.ec) {
        // A failed run: its JSON error says more than stderr's last lines, when it has one.
        if (!report.error.empty()) outcome.message = what + " " + describe_ending(ran.output) + ": " + report.error;
        if (!report.url.empty()) outcome.message += " (deployment " + report.url + " was created, then failed)";
        co_return outcome;
    }
    if (auto why = vercel_success_problem(report, true); !why.empty()) {
        outcome.ec = make_error_code(error::bad_provider_output);
        outcome.message = what + ": " + why;
        if (report.url.empty()) {
            auto excerpt = output_excerpt(ran.output.err_tail);
            if (!excerpt.empty()) outcome.message += ": " + excerpt;
        }
    }
    co_return outcome;
}

std::string vercel_provider::default_health_url(const deploy_config&, const deploy_outcome* reported) const {
    if (!reported) return {};
    return !reported->alias.empty() ? reported->alias : reported->url;
}

unsigned vercel_provider::batch_concurrency() const { return default_batch_cap; }

std::span<const std::string_view> vercel_provider::credential_variables() const { return credentials; }

std::span<const token_format> vercel_provider::token_formats() const { return tokens; }

}  // namespace r1::providers::vercel
