#pragma once
/// Which provider names r1 knows, and which of them are wired to a real adapter.
#include <string>
#include <string_view>

namespace r1::providers {

enum class provider_status { wired, not_wired, unknown };

provider_status lookup_provider(std::string_view name);

/// "fly, vercel, cloudflare, docker, kamal": for messages.
std::string known_providers();

/// The one-line reason a provider cannot be used ("" for a wired one).
std::string provider_problem(std::string_view name);

}  // namespace r1::providers
