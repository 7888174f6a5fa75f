#include "providers/fly/fly_provider.hpp"

#include "engine/text/text.hpp"
#include "providers/fly/app_name.hpp"
#include "providers/fly/fly_config.hpp"
#include "providers/fly/fly_lifecycle.hpp"
#include "providers/fly/fly_toml.hpp"
#include "providers/fly/flyctl.hpp"
#include "providers/fly/region.hpp"
#include "providers/fly/stack.hpp"
#include "providers/image_ref.hpp"

#include <array>
#include <filesystem>

namespace r1::providers::fly {
namespace {

constexpr std::string_view flyctl_key = "flyctl";

constexpr std::array<provider_option, 1> fly_options{{
    {"--flyctl", flyctl_key, "PATH", "flyctl binary (default: flyctl, then fly, on $PATH)"},
}};

// flyctl reads FLY_ACCESS_TOKEN, then FLY_API_TOKEN (internal/config/config.go); FLY_AUTH_TOKEN is
// not read (superfly/flyctl#4261).
constexpr std::array<std::string_view, 2> credentials{"FLY_API_TOKEN", "FLY_ACCESS_TOKEN"};

// fo1_ OAuth user tokens, fm1r_/fm1a_ v1 permission and discharge macaroons, fm2_ v2 macaroons
// (superfly/fly-go tokens/tokens.go; flyctl's agent masks (fo1_|fm1[ar]_|fm2_), agent/server/session.go).
// fm1_ stays for the v1 spelling r1 masked before.
constexpr std::array<token_format, 5> tokens{{{"fo1_"}, {"fm1_"}, {"fm1r_"}, {"fm1a_"}, {"fm2_"}}};

// flyctl's credential flag (internal/command/root/root.go: --access-token, -t), and the flags r1 sets
// itself on `flyctl deploy` (internal/flag/flag.go: App -a, Image -i).
constexpr std::array<std::string_view, 2> credential_flags{"--access-token", "-t"};
constexpr std::array<std::pair<std::string_view, std::string_view>, 5> owned_flags{{
    {"--app", "--app (name in a manifest)"},
    {"-a", "--app (name in a manifest)"},
    {"--image", "--image (image in a manifest)"},
    {"-i", "--image (image in a manifest)"},
    {"--region", "--region (region in a manifest)"},
}};

std::string option(const deploy_config& cfg, std::string_view key) {
    auto it = cfg.options.find(key);
    return it == cfg.options.end() ? std::string() : it->second;
}

std::string fly_toml_path(const deploy_config& cfg) { return (std::filesystem::path(cfg.dir) / "fly.toml").string(); }

/// The stack r1 would write a fly.toml for: only when flyctl would read no configuration (no
/// fly.toml, fly.json or fly.yaml in --dir, no --config passed through; not even a link at fly.toml)
/// and no --image is given (an image needs no build, and r1 cannot know its port).
detected_stack stack_to_write(const deploy_config& cfg, const app_config& config) {
    std::error_code ec;
    if (!cfg.image.empty() || !config.path.empty() || config.from_flag ||
        std::filesystem::exists(std::filesystem::symlink_status(fly_toml_path(cfg), ec)))
        return {};
    return detect_stack(cfg.dir);
}

/// The region that applies and where it came from: the setting, else the primary_region of the
/// configuration flyctl reads, else iad.
struct region_choice {
    std::string region;
    std::string source;  // deploy_plan::region_source
    std::string from;
};
region_choice choose_region(const deploy_config& given, const app_config& config) {
    if (!given.region.empty()) return {given.region, "setting", "set by --region or a manifest's region"};
    if (!config.primary_region.empty()) return {config.primary_region, "config", "primary_region in " + config.path};
    return {std::string(default_region), "default",
            config.exists ? "r1's default: " + config.path + " names no primary_region"
                          : "r1's default: no fly.toml names a primary_region"};
}

}  // namespace

std::string app_url(std::string_view app) { return "https://" + std::string(app) + ".fly.dev"; }

std::span<const provider_option> fly_provider::options() const { return fly_options; }

void fly_provider::apply_defaults(deploy_config& cfg) const {
    if (cfg.region.empty()) cfg.region = choose_region(cfg, find_app_config(cfg.dir, cfg.provider_args)).region;
}

std::string fly_provider::app_name_problem(std::string_view app) const { return fly::app_name_problem(app); }

std::vector<setting_problem> fly_provider::problems(const deploy_config& cfg) const {
    std::vector<setting_problem> out;
    if (auto why = passthrough_problem(*this, cfg.provider_args); !why.empty()) out.push_back({"provider_args", std::move(why)});
    // The files are read only when they matter: a batch checks 100,000 apps this way.
    const bool config_given = config_flag(cfg.provider_args).has_value();
    auto why_region = region_problem(cfg.region);
    app_config config;
    if (config_given || !why_region.empty()) config = find_app_config(cfg.dir, cfg.provider_args);
    if (!config.problem.empty()) out.push_back({"provider_args", engine::printable(config.problem, true)});
    if (auto why = why_region; !why.empty()) {
        // A region r1 took from the file is the file's problem, not a flag's.
        if (cfg.region == config.primary_region)
            out.push_back({"", "primary_region " + engine::quoted(cfg.region) + " in " + engine::printable(config.path, true) +
                                   " is not a region code such as iad or fra (lowercase letters and digits): fix it, "
                                   "or pass --region CODE"});
        else
            out.push_back({"region", "invalid --region " + why.substr(std::string_view("invalid region ").size())});
    }
    if (!cfg.image.empty())
        if (auto why = image_problem(cfg.image, "--image"); !why.empty()) out.push_back({"image", std::move(why)});
    return out;
}

passthrough_rules fly_provider::passthrough() const {
    return {.accepted = true, .credential_flags = credential_flags, .owned_flags = owned_flags};
}

namespace {

/// The dry run's stdout: the configuration flyctl reads as it is, else what r1 writes for the stack,
/// else the seed's preview.
std::string preview_of(const deploy_config& cfg, const app_config& config, const detected_stack& stack) {
    if (config.exists) {
        // What flyctl will read, as it is (control bytes shown escaped: it goes to a terminal).
        std::string out = "# " + engine::printable(config.path, true) +
                          " (provider=fly, dry-run): the configuration flyctl reads, unchanged\n";
        out += engine::printable(config.text);
        if (!out.ends_with('\n')) out += '\n';
        if (config.cut) out += "# ... cut at " + std::to_string(max_config_bytes / 1024) + " KiB\n";
        return out;
    }
    fly_toml_params params{.app = cfg.app, .region = cfg.region, .image = cfg.image};
    if (stack.kind == stack_kind::none) return render_fly_toml_preview(params);
    return "# fly.toml preview (provider=fly, dry-run): r1 writes this to " + fly_toml_path(cfg) + " before deploying\n" +
           render_stack_fly_toml(stack, params);
}

}  // namespace

deploy_plan fly_provider::plan(const deploy_config& given) const {
    auto config = find_app_config(given.dir, given.provider_args);
    auto region = choose_region(given, config);
    deploy_config cfg = given;
    cfg.region = region.region;
    auto flyctl = option(cfg, flyctl_key);
    if (flyctl.empty()) flyctl = "flyctl";
    fly_deploy_spec spec{.flyctl = flyctl, .app = cfg.app, .region = cfg.region, .image = cfg.image, .dir = cfg.dir,
                         .extra_args = cfg.provider_args};
    deploy_plan p{.provider = "fly", .app = cfg.app, .dir = cfg.dir};
    p.steps.push_back({flyctl_status_argv(flyctl, cfg.app), "pre-flight: the credentials, the app, the release that serves now"});
    p.steps.push_back({flyctl_deploy_argv(spec), {}});
    p.steps.push_back({flyctl_status_argv(flyctl, cfg.app),
                       "every 2s until the new release serves on every machine (--release-timeout)"});
    p.steps.push_back({flyctl_logs_argv(flyctl, cfg.app), "only when the release does not verify: the app's recent logs"});
    if (cfg.auto_rollback) {
        fly_deploy_spec back = spec;
        back.image = "<the image that serves now>";
        back.rollback = true;
        p.steps.push_back({flyctl_deploy_argv(back), "--auto-rollback, when verification fails as the rule says"});
    }
    p.env_names.assign(credentials.begin(), credentials.end());
    p.env_set = {"FLY_EMIT_RELEASE_JSON=1 (flyctl deploy: its release as a JSON line)"};
    p.region = region.region;
    p.region_source = region.source;
    p.region_from = region.from;
    p.image = cfg.image;
    auto stack = stack_to_write(cfg, config);
    if (config.exists) {
        p.config_path = config.path;
        p.config_status = "exists";
        p.config_state = "exists: flyctl reads it as it is";
    } else if (stack.kind != stack_kind::none) {
        p.config_path = fly_toml_path(cfg);
        p.config_status = "written";
        p.config_state = "none yet: r1 writes it before the deploy, for a " + stack.family + " app (" + stack.evidence + ")";
    } else {
        p.config_status = "none";
        p.config_state = "no fly.toml: flyctl uses the app's current configuration on fly.io";
    }
    p.expects = {"credentials in FLY_API_TOKEN or FLY_ACCESS_TOKEN (or flyctl's own login) and an app that exists "
                 "(flyctl apps create " + cfg.app + ")"};
    p.success = "flyctl deploy exits 0, then the release it made runs on every machine it manages and passes its checks";
    p.health = cfg.health_url.empty() ? default_health_url(cfg, nullptr) : cfg.health_url;
    p.output = preview_of(cfg, config, stack);  // read once for both: a batch plans 100,000 apps
    return p;
}

std::string fly_provider::preview(const deploy_config& cfg) const {
    auto config = find_app_config(cfg.dir, cfg.provider_args);
    return preview_of(cfg, config, stack_to_write(cfg, config));
}

prepared_dir fly_provider::prepare(const deploy_config& cfg) const {
    auto stack = stack_to_write(cfg, find_app_config(cfg.dir, cfg.provider_args));
    if (stack.kind == stack_kind::none) return {};
    auto path = fly_toml_path(cfg);
    auto why = write_new_file(path, render_stack_fly_toml(stack, {.app = cfg.app, .region = cfg.region, .image = {}}));
    if (!why.empty()) return {make_error_code(error::usage), why};
    return {{}, "wrote " + path + " for a " + stack.family + " app (" + stack.evidence + ")"};
}

boost::asio::awaitable<preflight_result> fly_provider::preflight(const step_context& ctx, deploy_config cfg) const {
    co_return co_await fly_preflight(ctx, std::move(cfg));
}

boost::asio::awaitable<release_proof> fly_provider::prove_release(const step_context& ctx, release_proof_request req) const {
    co_return co_await fly_prove_release(ctx, std::move(req));
}

boost::asio::awaitable<deploy_outcome> fly_provider::roll_back(proc::runner& runner, deploy_request req) const {
    fly_deploy_spec spec{.flyctl = std::move(req.cli),
                         .app = req.cfg.app,
                         .region = req.cfg.region,
                         .image = req.target.image,
                         .dir = req.cfg.dir,
                         .extra_args = req.cfg.provider_args,
                         .deadline = req.deadline,
                         .on_output = std::move(req.on_output),
                         .rollback = true};
    co_return co_await run_flyctl_deploy(runner, std::move(spec));
}

boost::asio::awaitable<release_lookup> fly_provider::find_release(const step_context& ctx, deploy_config cfg,
                                                                  std::string version,
                                                                  std::optional<release_ref> serving) const {
    co_return co_await fly_find_release(ctx, std::move(cfg), std::move(version), std::move(serving));
}

boost::asio::awaitable<std::string> fly_provider::evidence(const step_context& ctx, deploy_config cfg) const {
    co_return co_await fly_recent_logs(ctx, std::move(cfg));
}

result<std::string> fly_provider::locate_cli(const deploy_config& cfg, std::string_view path_env) const {
    return resolve_flyctl(option(cfg, flyctl_key), path_env);
}

std::string fly_provider::cli_missing(const deploy_config& cfg) const {
    auto given = option(cfg, flyctl_key);
    return given.empty() ? "flyctl not found on $PATH (looked for flyctl and fly): install it from "
                           "https://fly.io/docs/flyctl/install/ or pass --flyctl PATH"
                         : "flyctl not found: " + engine::printable(given, true) + " is not an executable file";
}

boost::asio::awaitable<deploy_outcome> fly_provider::deploy(proc::runner& runner, deploy_request req) const {
    // A named spec, moved in: GCC 12 copies a braced temporary into a coroutine frame bytewise,
    // so a short string's inline buffer pointer dangles and its destructor frees a bad pointer.
    fly_deploy_spec spec{.flyctl = std::move(req.cli),
                         .app = req.cfg.app,
                         .region = req.cfg.region,
                         .image = req.cfg.image,
                         .dir = req.cfg.dir,
                         .extra_args = req.cfg.provider_args,
                         .deadline = req.deadline,
                         .on_output = std::move(req.on_output)};
    co_return co_await run_flyctl_deploy(runner, std::move(spec));
}

std::string fly_provider::default_health_url(const deploy_config& cfg, const deploy_outcome*) const {
    return cfg.app.empty() ? std::string() : app_url(cfg.app);
}

std::span<const std::string_view> fly_provider::credential_variables() const { return credentials; }

std::span<const token_format> fly_provider::token_formats() const { return tokens; }

}  // namespace r1::providers::fly
