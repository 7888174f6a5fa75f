#pragma once
/// Plain Docker as a deploy target: the argv of each step and the two slots a deploy alternates
/// between, so the new container starts beside the old one. Pure: no process, no clock.
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace r1::providers::docker {

/// Everything a deploy of one app needs to know, from its settings.
struct docker_settings {
    std::string docker;       // the CLI's path
    std::string app;
    std::string image;        // --image: run this, build nothing
    std::string repository;   // what a built image is called (default: the app name)
    std::string tag;          // a built image's tag ("r1-20260101T120000Z")
    bool push = false;
    unsigned port = 8080;            // slot a's host port; slot b's is port + 1
    unsigned container_port = 8080;  // what the app listens on inside the container
    std::string health_path = "/";
};

/// The image the container runs: --image, else repository:tag.
std::string image_ref(const docker_settings& s);

/// `docker ps --all --filter label=r1.app=APP --format {{.Names}}`: the app's containers.
std::vector<std::string> list_argv(const docker_settings& s);
/// `docker build --tag REF --label r1.app=APP .` (in the app's directory).
std::vector<std::string> build_argv(const docker_settings& s);
/// `docker push REF`.
std::vector<std::string> push_argv(const docker_settings& s);
/// `docker run --detach --name APP-SLOT --label r1.app=APP --restart unless-stopped --publish
/// PORT:CPORT REF`.
std::vector<std::string> run_argv(const docker_settings& s, char slot);
/// `docker rm --force NAME`.
std::vector<std::string> remove_argv(const docker_settings& s, const std::string& name);

/// "APP-a" or "APP-b".
std::string container_name(std::string_view app, char slot);
/// The host port of a slot.
unsigned slot_port(const docker_settings& s, char slot);
/// http://127.0.0.1:PORT/PATH: where the container of a slot answers on this machine.
std::string slot_url(const docker_settings& s, char slot);

/// Which slot the new container takes and which container it replaces, from the names `docker ps`
/// printed (one per line). Both slots taken (an interrupted deploy) is a problem to fix by hand.
struct slot_choice {
    char fresh = 'a';
    std::optional<std::string> old;  // the container to remove once the new one is healthy
    std::string problem;             // non-empty: nothing is started
};
slot_choice choose_slot(std::string_view app, std::string_view ps_output);

/// Why a health path cannot be used ("" when it can): it starts with '/', has no space or control
/// byte, at most 1024 bytes.
std::string health_path_problem(std::string_view path);

}  // namespace r1::providers::docker
