#include "providers/fly/fly_provider.hpp"

#include "engine/text/text.hpp"
#include "providers/fly/app_name.hpp"
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

std::string option(const deploy_config& cfg, std::string_view key) {
    auto it = cfg.options.find(key);
    return it == cfg.options.end() ? std::string() : it->second;
}

std::string fly_toml_path(const deploy_config& cfg) { return (std::filesystem::path(cfg.dir) / "fly.toml").string(); }

/// The stack r1 would write a fly.toml for: only when --dir has none and no --image is given (an
/// image needs no build, and r1 cannot know its port).
detected_stack stack_to_write(const deploy_config& cfg) {
    std::error_code ec;
    if (!cfg.image.empty() || std::filesystem::exists(std::filesystem::symlink_status(fly_toml_path(cfg), ec))) return {};
    return detect_stack(cfg.dir);
}

}  // namespace

std::string app_url(std::string_view app) { return "https://" + std::string(app) + ".fly.dev"; }

std::span<const provider_option> fly_provider::options() const { return fly_options; }

void fly_provider::apply_defaults(deploy_config& cfg) const {
    if (cfg.region.empty()) cfg.region = default_region;
}

std::string fly_provider::app_name_problem(std::string_view app) const { return fly::app_name_problem(app); }

std::vector<std::string> fly_provider::problems(const deploy_config& cfg) const {
    std::vector<std::string> out;
    if (auto why = region_problem(cfg.region); !why.empty()) out.push_back(std::move(why));
    if (!cfg.image.empty())
        if (auto why = image_problem(cfg.image); !why.empty()) out.push_back(std::move(why));
    return out;
}

std::string fly_provider::preview(const deploy_config& cfg) const {
    fly_toml_params params{.app = cfg.app, .region = cfg.region, .image = cfg.image};
    auto stack = stack_to_write(cfg);
    if (stack.kind == stack_kind::none) return render_fly_toml_preview(params);
    return "# fly.toml preview (provider=fly, dry-run): r1 writes this to " + fly_toml_path(cfg) + " before deploying\n" +
           render_stack_fly_toml(stack, params);
}

prepared_dir fly_provider::prepare(const deploy_config& cfg) const {
    auto stack = stack_to_write(cfg);
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
