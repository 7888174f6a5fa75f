#include "providers/docker/docker_plan.hpp"

#include "engine/text/text.hpp"

namespace r1::providers::docker {

std::string image_ref(const docker_settings& s) { return !s.image.empty() ? s.image : s.repository + ":" + s.tag; }

std::vector<std::string> list_argv(const docker_settings& s) {
    return {s.docker, "ps", "--all", "--filter", "label=r1.app=" + s.app, "--format", "{{.Names}}"};
}

std::vector<std::string> build_argv(const docker_settings& s) {
    return {s.docker, "build", "--tag", image_ref(s), "--label", "r1.app=" + s.app, "."};
}

std::vector<std::string> push_argv(const docker_settings& s) { return {s.docker, "push", image_ref(s)}; }

std::vector<std::string> run_argv(const docker_settings& s, char slot) {
    return {s.docker,
            "run",
            "--detach",
            "--name",
            container_name(s.app, slot),
            "--label",
            "r1.app=" + s.app,
            "--restart",
            "unless-stopped",
            "--publish",
            std::to_string(slot_port(s, slot)) + ":" + std::to_string(s.container_port),
            image_ref(s)};
}

std::vector<std::string> remove_argv(const docker_settings& s, const std::string& name) {
    return {s.docker, "rm", "--force", name};
}

std::string container_name(std::string_view app, char slot) { return std::string(app) + "-" + slot; }

unsigned slot_port(const docker_settings& s, char slot) { return slot == 'a' ? s.port : s.port + 1; }

std::string slot_url(const docker_settings& s, char slot) {
    return "http://127.0.0.1:" + std::to_string(slot_port(s, slot)) + s.health_path;
}

slot_choice choose_slot(std::string_view app, std::string_view ps_output) {
    bool a = false, b = false;
    auto name_a = container_name(app, 'a'), name_b = container_name(app, 'b');
    while (!ps_output.empty()) {
        auto nl = ps_output.find('\n');
        auto line = ps_output.substr(0, nl);
        ps_output = nl == std::string_view::npos ? std::string_view{} : ps_output.substr(nl + 1);
        while (!line.empty() && (line.back() == '\r' || line.back() == ' ')) line.remove_suffix(1);
        a = a || line == name_a;
        b = b || line == name_b;
    }
    if (a && b)
        return {'a', std::nullopt,
                "both " + name_a + " and " + name_b + " exist (an earlier deploy was interrupted?): remove the one "
                "that is not serving (docker rm --force NAME) and deploy again"};
    if (a) return {'b', name_a, {}};
    if (b) return {'a', name_b, {}};
    return {'a', std::nullopt, {}};
}

std::string health_path_problem(std::string_view path) {
    if (path.empty() || path.front() != '/') return "--docker-health-path " + engine::quoted(path) + " must start with /";
    if (path.size() > 1024) return "--docker-health-path is longer than 1024 bytes";
    for (char c : path)
        if (static_cast<unsigned char>(c) <= 0x20 || c == 0x7f || static_cast<unsigned char>(c) >= 0x80)
            return "--docker-health-path " + engine::quoted(path) + " holds a space, control or non-ASCII byte (percent-encode it)";
    return {};
}

}  // namespace r1::providers::docker
