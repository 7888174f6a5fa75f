#pragma once
/// What flyctl prints as JSON, read into what r1 decides on: the release line of `flyctl deploy`
/// with FLY_EMIT_RELEASE_JSON=1, `flyctl status --json` and `flyctl releases --json`. Pure: no
/// process, no event loop, so fuzz_fly_json can feed it anything. Shapes from flyctl's and fly-go's
/// source (cited at each reader).
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace r1::providers::fly {

/// One release: what a deploy created, or what `releases` lists.
struct release {
    std::string id;
    int version = 0;
    std::string image_ref;  // "registry.fly.io/app:deployment-01H..." (maybe with "@sha256:...")
    std::string status;     // releases only: "complete", "failed", "running", "interrupted"
};

struct machine_check {
    std::string name;
    std::string status;  // "passing", "warning", "critical"
};

struct machine {
    std::string id;
    std::string name;
    std::string state;   // "started", "stopped", "created", "replacing", ...
    std::string region;
    std::string image;   // image_ref as one string: registry/repository:tag[@digest]
    std::string digest;  // image_ref.digest
    int release_version = 0;  // config.metadata.fly_release_version, 0 when absent
    std::string process_group;  // config.metadata.fly_process_group
    bool standby = false;       // config.standbys names another machine: a deploy never starts it
    std::vector<machine_check> checks;
};

struct app_status {
    std::string name;
    int version = 0;  // the app's current release version
    bool deployed = false;
    std::vector<machine> machines;
};

/// The line `{"id":"...","version":N,"image_ref":"..."}` among flyctl deploy's stdout (the last
/// one that parses), or nothing.
std::optional<release> find_release_line(std::string_view stdout_text);

/// `flyctl status --json`; nothing when it is not that shape.
std::optional<app_status> parse_status(std::string_view json);

/// `flyctl releases --json [--image]`, newest first; nothing when it is not that shape.
std::optional<std::vector<release>> parse_releases(std::string_view json);

/// Whether a machine runs `image_ref`: the same repository and tag, and the same digest when both
/// sides name one (a release's ref may carry "@sha256:..." or not).
bool runs_image(const machine& m, std::string_view image_ref);

}  // namespace r1::providers::fly
