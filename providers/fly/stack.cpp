#include "providers/fly/stack.hpp"

#include "providers/toml.hpp"

#include <cerrno>
#include <charconv>
#include <cstring>
#include <filesystem>
#include <fstream>

#include <fcntl.h>
#include <unistd.h>

namespace r1::providers::fly {
namespace {

namespace fs = std::filesystem;

constexpr std::size_t max_read = 64 * 1024;

bool is_file(const fs::path& p) {
    std::error_code ec;
    return fs::is_regular_file(p, ec);
}

std::string head_of(const fs::path& p) {
    std::ifstream in(p, std::ios::binary);
    std::string text(max_read, '\0');
    in.read(text.data(), static_cast<std::streamsize>(text.size()));
    text.resize(static_cast<std::size_t>(in.gcount()));
    return text;
}

/// The first `EXPOSE <port>` at the start of a line, as flyctl's portRegex `(?m)^EXPOSE\s+(\d+)`.
unsigned exposed_port(std::string_view dockerfile) {
    std::size_t at = 0;
    while (at < dockerfile.size()) {
        auto nl = dockerfile.find('\n', at);
        auto line = dockerfile.substr(at, nl == std::string_view::npos ? std::string_view::npos : nl - at);
        at = nl == std::string_view::npos ? dockerfile.size() : nl + 1;
        if (!line.starts_with("EXPOSE")) continue;
        auto rest = line.substr(6);
        std::size_t spaces = rest.find_first_not_of(" \t");
        if (spaces == 0 || spaces == std::string_view::npos) continue;
        rest.remove_prefix(spaces);
        unsigned port = 0;
        auto [end, err] = std::from_chars(rest.data(), rest.data() + rest.size(), port);
        if (err == std::errc() && end != rest.data() && port >= 1 && port <= 65535) return port;
    }
    return 0;
}

}  // namespace

detected_stack detect_stack(const std::string& dir) {
    fs::path d{dir};
    detected_stack s;
    for (const char* name : {"Dockerfile", "Containerfile"})
        if (is_file(d / name)) {
            unsigned port = exposed_port(head_of(d / name));
            s = {stack_kind::dockerfile, "Dockerfile", name, port ? port : 8080u, ""};
            if (port) s.evidence += ", EXPOSE " + std::to_string(port);
            return s;
        }
    if (is_file(d / "go.mod")) return {stack_kind::go, "Go", "go.mod", 8080, "go"};
    bool package = is_file(d / "package.json");
    // flyctl's scanner/nextjs.go: next.config.js, or "next" in package.json.
    if (is_file(d / "next.config.js") || is_file(d / "next.config.mjs"))
        return {stack_kind::nextjs, "Next.js", is_file(d / "next.config.js") ? "next.config.js" : "next.config.mjs", 8080,
                "node"};
    if (package && head_of(d / "package.json").find("\"next\"") != std::string::npos)
        return {stack_kind::nextjs, "Next.js", "package.json names next", 8080, "node"};
    if (package) return {stack_kind::node, "Node.js", "package.json", 8080, "node"};
    if (is_file(d / "index.html")) return {stack_kind::static_site, "static site", "index.html", 8080, "static"};
    return s;
}

std::string render_stack_fly_toml(const detected_stack& stack, const fly_toml_params& p) {
    std::string out = "# fly.toml written by r1 for a " + stack.family + " app (" + stack.evidence + ")\n";
    out += "# See https://fly.io/docs/reference/configuration/\n";
    out += "app = " + toml_string(p.app.empty() ? std::string(app_name_placeholder) : p.app) + "\n";
    out += "primary_region = " + toml_string(p.region) + "\n\n";
    out += "[build]\n";
    // flyctl's builtin builders (node, go, static) listen on 8080 (defaultbuiltins.go).
    std::string dockerfile = stack.evidence.substr(0, stack.evidence.find(','));  // Dockerfile or Containerfile
    out += stack.builtin.empty() ? "  dockerfile = " + toml_string(dockerfile) + "\n"
                                 : "  builtin = " + toml_string(stack.builtin) + "\n";
    out += "\n[http_service]\n  internal_port = " + std::to_string(stack.port) + "\n";
    out +=
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

std::string write_new_file(const std::string& path, std::string_view content) {
    int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0644);
    if (fd < 0) return "cannot write " + path + ": " + std::strerror(errno);
    std::size_t done = 0;
    while (done < content.size()) {
        auto n = ::write(fd, content.data() + done, content.size() - done);
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) {
            std::string why = std::strerror(errno);
            ::close(fd);
            ::unlink(path.c_str());
            return "cannot write " + path + ": " + why;
        }
        done += static_cast<std::size_t>(n);
    }
    if (::close(fd) != 0) return "cannot write " + path + ": " + std::strerror(errno);
    return {};
}

}  // namespace r1::providers::fly
