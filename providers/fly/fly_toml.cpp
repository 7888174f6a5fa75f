#include "providers/fly/fly_toml.hpp"

#include "providers/toml.hpp"

namespace r1::providers::fly {

std::string render_fly_toml_preview(const fly_toml_params& p) {
    std::string out = "# fly.toml preview (provider=fly, dry-run)\n";
    out += "app = " + toml_string(p.app.empty() ? std::string(app_name_placeholder) : p.app) + "\n";
    out += "primary_region = " + toml_string(p.region) + "\n\n";
    out += "[build]\n";
    // flyctl writes an image-based app as [build] image = "...", and a Dockerfile app with dockerfile.
    out += p.image.empty() ? std::string("  dockerfile = \"Dockerfile\"\n") : "  image = " + toml_string(p.image) + "\n";
    out +=
        "\n"
        "[http_service]\n"
        "  internal_port = 8080\n"
        "  force_https = true\n"
        "  auto_stop_machines = \"stop\"\n"
        "  auto_start_machines = true\n"
        "  min_machines_running = 0\n"
        "\n"
        "[[http_service.checks]]\n"
        "  grace_period = \"10s\"\n"
        "  interval = \"30s\"\n"
        "  method = \"GET\"\n"
        "  path = \"/\"\n"
        "  timeout = \"5s\"\n";
    return out;
}

}  // namespace r1::providers::fly
