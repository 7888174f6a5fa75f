#pragma once
/// The Docker adapter: `docker build` (skipped with --image), an optional `docker push`, then the new
/// container started beside the old one, proven healthy, and only then the old one removed; on
/// failure the new one goes and the old one keeps serving. DOCKER_HOST and the CLI's own credential
/// store are used as they are: r1 never runs `docker login`.
#include "providers/docker/docker_plan.hpp"
#include "providers/provider.hpp"

namespace r1::providers::docker {

class docker_provider final : public provider {
public:
    std::string_view name() const override { return "docker"; }
    std::string_view cli_name() const override { return "docker"; }
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

/// The settings of one deploy: the options, with their defaults, and `tag` for a built image.
docker_settings settings_of(const deploy_config& cfg, std::string cli, std::string tag);

}  // namespace r1::providers::docker
