#include "providers/provider.hpp"

#include <algorithm>

namespace r1::providers {

std::string release_ref::label() const {
    if (version.empty()) return image;
    // fly numbers its releases ("v42"); others name them (Vercel's dpl_..., a Workers version id).
    bool numbered = std::all_of(version.begin(), version.end(), [](char c) { return c >= '0' && c <= '9'; });
    return (numbered ? "v" + version : version) + (image.empty() ? "" : " (" + image + ")");
}

prepared_dir provider::prepare(const deploy_config&) const { return {}; }

boost::asio::awaitable<preflight_result> provider::preflight(const step_context&, deploy_config) const {
    co_return preflight_result{};
}

boost::asio::awaitable<release_proof> provider::prove_release(const step_context&, release_proof_request) const {
    co_return release_proof{.checked = false,
                            .ec = {},
                            .detail = "not checked: provider " + std::string(name()) + " reports no releases",
                            .release = {}};
}

boost::asio::awaitable<deploy_outcome> provider::roll_back(proc::runner&, deploy_request) const {
    co_return deploy_outcome{make_error_code(error::usage),
                             "provider " + std::string(name()) + " has no rollback step in r1 yet"};
}

boost::asio::awaitable<release_lookup> provider::find_release(const step_context&, deploy_config, std::string,
                                                              std::optional<release_ref>) const {
    co_return release_lookup{make_error_code(error::usage),
                             "provider " + std::string(name()) + " keeps no release history r1 can read",
                             {}};
}

boost::asio::awaitable<std::string> provider::evidence(const step_context&, deploy_config) const { co_return std::string(); }

}  // namespace r1::providers
