#pragma once
/// The providers r1 knows: the wired adapters, and the names planned for later with the credentials
/// and token formats the redactor must already mask. The one place that names every provider.
#include "engine/redact/redact.hpp"
#include "providers/provider.hpp"

#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace r1::providers {

/// A provider named but not wired yet: `--provider NAME` is refused with a pointer to the design,
/// and its credentials are masked all the same.
struct planned_provider {
    std::string_view name;
    std::vector<std::string_view> credential_variables;
    std::vector<token_format> token_formats;
};

class registry {
public:
    registry(std::vector<std::unique_ptr<provider>> wired, std::vector<planned_provider> planned);

    /// fly, vercel, cloudflare, docker and kamal, all wired.
    static const registry& builtin();

    /// The adapter called `name`, or null; why_not() says why there is none.
    const provider* find(std::string_view name) const;
    /// The one-line reason `name` cannot be used ("" for a wired provider).
    std::string why_not(std::string_view name) const;
    /// "fly, vercel, cloudflare, docker, kamal": for messages.
    std::string known() const;

    const std::vector<std::unique_ptr<provider>>& wired() const noexcept { return wired_; }
    /// Every provider's credential variables and token formats, wired or planned, for the redactor
    /// (engine::install_secret_formats).
    engine::secret_formats secret_formats() const;

private:
    std::vector<std::unique_ptr<provider>> wired_;
    std::vector<planned_provider> planned_;
};

}  // namespace r1::providers
