#pragma once
/// The fly.toml that `r1 deploy --dry-run` previews: what flyctl launch would write for this app.
#include <string>

namespace r1::providers::fly {

inline constexpr std::string_view app_name_placeholder = "<app-name-required>";

struct fly_toml_params {
    std::string app;     // empty: the placeholder is shown
    std::string region;  // primary_region
    std::string image;   // empty: build from ./Dockerfile
};

/// The preview text, header comment included. Values are TOML-escaped; callers validate the app name.
std::string render_fly_toml_preview(const fly_toml_params& p);

}  // namespace r1::providers::fly
