#pragma once
/// The Cloudflare adapter: `wrangler deploy` for Workers, `wrangler pages deploy DIR --project-name
/// APP` for Pages (a config with pages_build_output_dir), CLOUDFLARE_API_TOKEN from the environment,
/// and the outcome read from wrangler's own NDJSON records in a private temporary file r1 removes.
#include "providers/cloudflare/wrangler_output.hpp"
#include "providers/provider.hpp"

namespace r1::providers::cloudflare {

class cloudflare_provider final : public provider {
public:
    std::string_view name() const override { return "cloudflare"; }
    std::string_view cli_name() const override { return "wrangler"; }
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

/// Workers: `wrangler deploy [--env ENV]`; Pages: `wrangler pages deploy DIR --project-name APP`. No
/// credential: wrangler writes argv into its record file (command_line_args), and argv is visible
/// in /proc.
std::vector<std::string> wrangler_deploy_argv(const std::string& cli, const deploy_config& cfg,
                                              const wrangler_project& project);

/// The verdict for a command-failed record's code where the code says more than the text:
/// 10000 (Authentication error) and 9106 / 9109 (authentication failed, invalid token) are
/// permanent; other codes and none are left to the classifier.
engine::verdict verdict_for_code(std::optional<std::int64_t> code);

}  // namespace r1::providers::cloudflare
