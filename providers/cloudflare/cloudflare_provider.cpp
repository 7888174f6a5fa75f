#include "providers/cloudflare/cloudflare_provider.hpp"

#include "providers/adapter_kit.hpp"
#include "engine/text/text.hpp"
#include "providers/cli_step.hpp"

#include <array>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>

#include <fcntl.h>
#include <unistd.h>

namespace r1::providers::cloudflare {
namespace {

constexpr std::string_view cli_key = "wrangler";
constexpr std::string_view env_key = "wrangler_env";

constexpr std::array<provider_option, 2> cloudflare_options{{
    {"--wrangler", cli_key, "PATH", "wrangler binary (default: wrangler on $PATH)"},
    {"--wrangler-env", env_key, "NAME", "Workers environment of the wrangler config (wrangler deploy --env)"},
}};

// wrangler reads CLOUDFLARE_API_TOKEN, or CLOUDFLARE_API_KEY with CLOUDFLARE_EMAIL
// (packages/workers-utils/src/environment-variables/factory.ts).
constexpr std::array<std::string_view, 2> credentials{"CLOUDFLARE_API_TOKEN", "CLOUDFLARE_API_KEY"};

// Cloudflare's token formats (2026): cfk_ global API key, cfut_ user token, cfat_ account token.
constexpr std::array<token_format, 3> tokens{{{"cfk_"}, {"cfut_"}, {"cfat_"}}};

// Several Workers deployed at once from one account fail with API error 10013
// (cloudflare/workers-sdk#8657), so a batch deploys four at a time unless told otherwise.
constexpr unsigned default_batch_cap = 4;

constexpr std::size_t max_record_bytes = 1024 * 1024;

/// A file only r1's user can read, in a directory of its own, for wrangler to append its records to;
/// both are gone when this goes, whatever way the deploy ended.
class record_file {
public:
    record_file() {
        const char* tmp = std::getenv("TMPDIR");
        std::string pattern = std::string(tmp && *tmp ? tmp : "/tmp") + "/r1-wrangler-XXXXXX";
        if (!::mkdtemp(pattern.data())) {
            error_ = std::strerror(errno);
            return;
        }
        dir_ = pattern;
        path_ = dir_ + "/output.ndjson";
        int fd = ::open(path_.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
        if (fd < 0) {
            error_ = std::strerror(errno);
            return;
        }
        ::close(fd);
    }
    ~record_file() {
        std::error_code ec;
        if (!dir_.empty()) std::filesystem::remove_all(dir_, ec);
    }
    record_file(const record_file&) = delete;
    record_file& operator=(const record_file&) = delete;

    const std::string& error() const noexcept { return error_; }
    const std::string& path() const noexcept { return path_; }
    /// The records, or their last MiB when wrangler wrote more.
    std::string read() const {
        std::ifstream in{path_, std::ios::binary | std::ios::ate};
        auto size = static_cast<std::size_t>(std::max<std::streamoff>(0, in.tellg()));
        auto take = std::min(size, max_record_bytes);
        in.seekg(static_cast<std::streamoff>(size - take));
        std::string text(take, '\0');
        in.read(text.data(), static_cast<std::streamsize>(take));
        text.resize(static_cast<std::size_t>(in.gcount()));
        return text;
    }

private:
    std::string dir_;
    std::string path_;
    std::string error_;
};

std::string describe_project(const wrangler_project& p) {
    if (p.config_file.empty()) return "no wrangler.json, wrangler.jsonc or wrangler.toml in the directory yet";
    if (p.pages_output_dir.empty()) return p.config_file + ": a Workers project (no pages_build_output_dir)";
    return p.config_file + ": a Pages project, pages_build_output_dir = " + p.pages_output_dir;
}

}  // namespace

std::span<const provider_option> cloudflare_provider::options() const { return cloudflare_options; }

void cloudflare_provider::apply_defaults(deploy_config&) const {}

// Worker names and Pages project names: lowercase letters, digits and dashes (Pages: at most 58).
std::string cloudflare_provider::app_name_problem(std::string_view app) const {
    return label_problem(app, "Cloudflare Worker and Pages project names", 58, "-");
}

std::vector<std::string> cloudflare_provider::problems(const deploy_config& cfg) const {
    std::vector<std::string> out;
    if (!cfg.image.empty())
        out.push_back("--image is not a Cloudflare setting: wrangler deploys the project in --dir (use fly or docker for images)");
    if (auto env = option_of(cfg, env_key); !env.empty())
        if (auto why = argument_problem(env, "--wrangler-env"); !why.empty()) out.push_back(std::move(why));
    return out;
}

std::vector<std::string> wrangler_deploy_argv(const std::string& cli, const deploy_config& cfg,
                                              const wrangler_project& project) {
    if (!project.pages_output_dir.empty())
        return {cli, "pages", "deploy", project.pages_output_dir, "--project-name", cfg.app};
    std::vector<std::string> argv{cli, "deploy"};
    if (auto env = option_of(cfg, env_key); !env.empty()) {
        argv.emplace_back("--env");
        argv.push_back(std::move(env));
    }
    return argv;
}

std::string cloudflare_provider::preview(const deploy_config& cfg) const {
    auto cli = option_of(cfg, cli_key);
    auto project = find_wrangler_project(cfg.dir);
    preview_text p{.provider = "cloudflare",
                   .app = cfg.app,
                   .steps = {{wrangler_deploy_argv(cli.empty() ? "wrangler" : cli, cfg, project), {}}},
                   .dir = cfg.dir,
                   .env_names = {"CLOUDFLARE_API_TOKEN", "CLOUDFLARE_ACCOUNT_ID"},
                   .env_set = {"WRANGLER_OUTPUT_FILE_PATH=<a private temporary file r1 removes afterwards>"},
                   .expects = {describe_project(project)},
                   .success = "exit 0 and a deploy record (version id, URLs) in wrangler's output file",
                   .health = cfg.health_url.empty() ? "the first https:// URL wrangler reports (workers.dev, pages.dev)"
                                                    : cfg.health_url};
    return render_preview(p);
}

result<std::string> cloudflare_provider::locate_cli(const deploy_config& cfg, std::string_view path_env) const {
    static constexpr std::array<std::string_view, 1> names{"wrangler"};
    return locate_program(option_of(cfg, cli_key), names, path_env);
}

std::string cloudflare_provider::cli_missing(const deploy_config& cfg) const {
    return missing_program(option_of(cfg, cli_key), "wrangler", "install it with npm install --global wrangler", "--wrangler");
}

engine::verdict verdict_for_code(std::optional<std::int64_t> code) {
    if (code && (*code == 10000 || *code == 9106 || *code == 9109)) return {engine::failure_class::permanent, "auth", 0};
    return {};
}

boost::asio::awaitable<deploy_outcome> cloudflare_provider::deploy(proc::runner& runner, deploy_request req) const {
    auto project = find_wrangler_project(req.cfg.dir);
    std::string what = std::string(project.pages_output_dir.empty() ? "wrangler deploy" : "wrangler pages deploy") +
                       " (app " + req.cfg.app + ")";
    record_file records;
    if (!records.error().empty())
        co_return deploy_outcome{make_error_code(error::provider_failed),
                                 what + ": cannot create a private file for wrangler's records: " + records.error()};
    cli_step step;
    step.what = what;
    step.argv = wrangler_deploy_argv(req.cli, req.cfg, project);
    step.cwd = req.cfg.dir;
    step.env = {"WRANGLER_OUTPUT_FILE_PATH=" + records.path()};
    step.deadline = req.deadline;
    step.on_output = std::move(req.on_output);
    auto ran = co_await run_cli_step(runner, std::move(step));
    if (ran.outcome.ec == error::interrupted) co_return std::move(ran.outcome);

    auto report = read_wrangler_records(records.read());
    if (report.records == 0) report = scrape_wrangler_text(ran.output.out_tail);  // no records: an older wrangler
    auto outcome = std::move(ran.outcome);
    if (outcome.ec) {
        if (report.failed && !report.message.empty()) {
            outcome.message = what + " " + describe_ending(ran.output) + ": " + engine::printable(std::string_view(report.message).substr(0, 500), true) +
                              (report.code ? " [code " + std::to_string(*report.code) + "]" : "");
            outcome.cause = verdict_for_code(report.code);
        }
        co_return outcome;
    }
    if (!report.deployed) {
        outcome.ec = make_error_code(error::bad_provider_output);
        outcome.message = what + " exited 0 but wrote no deploy record";
        if (auto excerpt = output_excerpt(ran.output.err_tail); !excerpt.empty()) outcome.message += ": " + excerpt;
        co_return outcome;
    }
    outcome.url = first_checkable_url(report.urls);
    outcome.release = report.version_id;
    co_return outcome;
}

std::string cloudflare_provider::default_health_url(const deploy_config&, const deploy_outcome* reported) const {
    return reported ? reported->url : std::string();
}

unsigned cloudflare_provider::batch_concurrency() const { return default_batch_cap; }

std::span<const std::string_view> cloudflare_provider::credential_variables() const { return credentials; }

std::span<const token_format> cloudflare_provider::token_formats() const { return tokens; }

}  // namespace r1::providers::cloudflare
