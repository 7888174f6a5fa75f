#include "providers/registry.hpp"

#include "engine/text.hpp"

#include <array>

namespace r1::providers {
namespace {

struct entry {
    std::string_view name;
    provider_status status;
};

constexpr std::array<entry, 5> providers{{
    {"fly", provider_status::wired},
    {"vercel", provider_status::not_wired},
    {"cloudflare", provider_status::not_wired},
    {"docker", provider_status::not_wired},
    {"kamal", provider_status::not_wired},
}};

}  // namespace

provider_status lookup_provider(std::string_view name) {
    for (const auto& e : providers)
        if (e.name == name) return e.status;
    return provider_status::unknown;
}

std::string known_providers() {
    std::string out;
    for (const auto& e : providers) {
        if (!out.empty()) out += ", ";
        out += e.name;
    }
    return out;
}

std::string provider_problem(std::string_view name) {
    switch (lookup_provider(name)) {
    case provider_status::wired: return {};
    case provider_status::not_wired:
        return "provider \"" + std::string(name) +
               "\" is not wired yet; see specs/deploy-phase2.md for what its adapter will do";
    case provider_status::unknown: break;
    }
    return "unknown provider \"" + engine::printable(name.substr(0, 64), true) + "\" (known: " + known_providers() + ")";
}

}  // namespace r1::providers
