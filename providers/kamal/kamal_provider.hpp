#pragma once
/// The Kamal adapter: `kamal deploy [-d DESTINATION]` in the app's directory, secrets through kamal's
/// own .kamal/secrets and the environment, kamal's stdout ERROR line as the failure's cause, a held
/// deploy lock as a cause of its own, and a health URL the user must give.
#include "providers/provider.hpp"

namespace r1::providers::kamal {

class kamal_provider final : public provider {
public:
    std::string_view name() const override { return "kamal"; }
    std::string_view cli_name() const override { return "kamal"; }
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
};

/// `kamal deploy [-d DESTINATION] [--lock-wait --lock-wait-timeout SECONDS]`. --lock-wait came with
/// kamal 2.12.0 (lib/kamal/cli/base.rb: lock_wait, lock_wait_timeout in seconds, polled every 15 s);
/// r1 passes it only when --kamal-lock-wait is set.
std::vector<std::string> kamal_deploy_argv(const std::string& cli, const deploy_config& cfg);

}  // namespace r1::providers::kamal
