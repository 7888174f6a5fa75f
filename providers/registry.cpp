#include "providers/registry.hpp"

#include "engine/text/text.hpp"
#include "providers/cloudflare/cloudflare_provider.hpp"
#include "providers/docker/docker_provider.hpp"
#include "providers/fly/fly_provider.hpp"
#include "providers/kamal/kamal_provider.hpp"
#include "providers/vercel/vercel_provider.hpp"

namespace r1::providers {

registry::registry(std::vector<std::unique_ptr<provider>> wired, std::vector<planned_provider> planned)
    : wired_(std::move(wired)), planned_(std::move(planned)) {}

const registry& registry::builtin() {
    static const registry instance = [] {
        std::vector<std::unique_ptr<provider>> wired;
        wired.push_back(std::make_unique<fly::fly_provider>());
        wired.push_back(std::make_unique<vercel::vercel_provider>());
        wired.push_back(std::make_unique<cloudflare::cloudflare_provider>());
        wired.push_back(std::make_unique<docker::docker_provider>());
        wired.push_back(std::make_unique<kamal::kamal_provider>());
        std::vector<planned_provider> planned;
        return registry{std::move(wired), std::move(planned)};
    }();
    return instance;
}

const provider* registry::find(std::string_view name) const {
    for (const auto& p : wired_)
        if (p->name() == name) return p.get();
    return nullptr;
}

std::string registry::why_not(std::string_view name) const {
    if (find(name)) return {};
    for (const auto& p : planned_)
        if (p.name == name)
            return "provider \"" + std::string(name) +
                   "\" is not wired yet; see specs/deploy-phase2.md for what its adapter will do";
    return "unknown provider \"" + engine::printable(name.substr(0, 64), true) + "\" (known: " + known() + ")";
}

std::string registry::known() const {
    std::string out;
    auto add = [&](std::string_view name) { out += (out.empty() ? "" : ", ") + std::string(name); };
    for (const auto& p : wired_) add(p->name());
    for (const auto& p : planned_) add(p.name);
    return out;
}

engine::secret_formats registry::secret_formats() const {
    engine::secret_formats out;
    auto add = [&](auto credentials, auto tokens) {
        for (auto name : credentials) out.credential_variables.emplace_back(name);
        for (const auto& t : tokens) out.token_prefixes.emplace_back(t.prefix);
    };
    for (const auto& p : wired_) add(p->credential_variables(), p->token_formats());
    for (const auto& p : planned_) add(p.credential_variables, p.token_formats);
    return out;
}

}  // namespace r1::providers
