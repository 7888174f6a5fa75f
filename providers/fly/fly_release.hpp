#pragma once
/// What r1 decides from flyctl's answers, pure: which machines a deploy manages, what serves now,
/// whether a release serves everywhere, what an error of `flyctl status` means, which release a
/// rollback puts back. No process, no event loop.
#include "providers/fly/fly_json.hpp"

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace r1::providers::fly {

/// flyctl deploy leaves the release-command, test and console machines alone (fly-go
/// machine_types.go: fly_app_release_command, fly_app_test_machine_command, fly_app_console).
bool managed_by_deploy(const machine& m);

/// The release that serves now: the one most started managed machines run (a tie goes to the
/// newer), with the image they run; machines in any state when none is started. Nothing when no
/// machine names a release.
std::optional<release> serving_release(const app_status& status);

/// Machines a deploy updates but does not start: stopped or suspended ones, and standbys
/// (flyctl internal/command/deploy/machines_launchinput.go shouldSkipLaunch).
std::vector<std::string> resting_machines(const app_status& status);

/// Whether `wanted` serves on every machine the deploy manages: each runs its image and version,
/// is started (or rests, when it rested before the deploy, as flyctl leaves it), and its checks
/// pass. `detail` says where it serves, or names the machines that do not and why.
struct release_view {
    bool live = false;
    unsigned ready = 0;  // managed machines as asked
    unsigned total = 0;  // managed machines
    std::string detail;
};
release_view judge_release(const app_status& status, const release& wanted, const std::vector<std::string>& resting);

/// What a failed `flyctl status` / `releases` said, by its stderr.
enum class cli_problem { other, credentials, app_missing };
cli_problem classify_cli_error(std::string_view stderr_text);

/// `releases` entry `version`, or nothing.
std::optional<release> release_numbered(const std::vector<release>& releases, int version);

/// What `r1 rollback` without --to puts back: the newest complete release older than `current`
/// whose image differs from `current_image` (a secrets change makes a release of the same image).
std::optional<release> previous_release(const std::vector<release>& releases, int current,
                                        std::string_view current_image);

}  // namespace r1::providers::fly
