#pragma once
/// The Vercel adapter: `vercel deploy --prod --yes --format=json` in the app's directory, VERCEL_TOKEN
/// from the environment, success proven by exit 0 AND a READY deployment URL, the production alias
/// (else the deployment URL) checked afterwards.
#include "providers/provider.hpp"

namespace r1::providers::vercel {

class vercel_provider final : public provider {
public:
    std::string_view name() const override { return "vercel"; }
    std::string_view cli_name() const override { return "vercel"; }
    std::span<const provider_option> options() const override;
    void apply_defaults(deploy_config& cfg) const override;
    std::string app_name_problem(std::string_view app) const override;
    std::vector<std::string> problems(const deploy_config& cfg) const override;
    std::string preview(const deploy_config& cfg) const override;
    result<std::string> locate_cli(const deploy_config& cfg, std::string_view path_env) const override;
    std::string cli_missing(const deploy_config& cfg) const override;
    boost::asio::awaitable<deploy_outcome> deploy(proc::runner& runner, deploy_request req) const override;
    std::string default_health_url(const deploy_config& cfg, const deploy_outcome* reported) const override;
    unsigned batch_concurrency() const override;
    std::span<const std::string_view> credential_variables() const override;
    std::span<const token_format> token_formats() const override;
};

/// `vercel deploy --prod --yes --format=json [--prebuilt] [--scope S]`: --prebuilt when the app's
/// directory holds `.vercel/output` (what `vercel build` leaves). Never --token: argv is visible to
/// every local user in /proc, so VERCEL_TOKEN reaches the CLI through the environment only.
std::vector<std::string> vercel_deploy_argv(const std::string& cli, const deploy_config& cfg, bool prebuilt);

}  // namespace r1::providers::vercel
