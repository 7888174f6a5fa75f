#pragma once
/// The fly.io adapter: flyctl on $PATH, `flyctl deploy --app --region [--image]`, the app at
/// https://<app>.fly.dev, fly's app-name and region rules, and its fly.toml preview.
#include "providers/provider.hpp"

namespace r1::providers::fly {

/// The default health URL of a fly.io app.
std::string app_url(std::string_view app);

class fly_provider final : public provider {
public:
    std::string_view name() const override { return "fly"; }
    std::string_view cli_name() const override { return "flyctl"; }
    std::span<const provider_option> options() const override;
    void apply_defaults(deploy_config& cfg) const override;
    std::string app_name_problem(std::string_view app) const override;
    std::vector<std::string> problems(const deploy_config& cfg) const override;
    std::string preview(const deploy_config& cfg) const override;
    result<std::string> locate_cli(const deploy_config& cfg, std::string_view path_env) const override;
    std::string cli_missing(const deploy_config& cfg) const override;
    boost::asio::awaitable<deploy_outcome> deploy(proc::runner& runner, deploy_request req) const override;
    std::string default_health_url(const deploy_config& cfg, const deploy_outcome* reported) const override;
    prepared_dir prepare(const deploy_config& cfg) const override;
    boost::asio::awaitable<preflight_result> preflight(const step_context& ctx, deploy_config cfg) const override;
    boost::asio::awaitable<release_proof> prove_release(const step_context& ctx, release_proof_request req) const override;
    bool can_roll_back() const override { return true; }
    boost::asio::awaitable<deploy_outcome> roll_back(proc::runner& runner, deploy_request req) const override;
    boost::asio::awaitable<release_lookup> find_release(const step_context& ctx, deploy_config cfg, std::string version,
                                                        std::optional<release_ref> serving) const override;
    boost::asio::awaitable<std::string> evidence(const step_context& ctx, deploy_config cfg) const override;
    std::span<const std::string_view> credential_variables() const override;
    std::span<const token_format> token_formats() const override;
};

}  // namespace r1::providers::fly
