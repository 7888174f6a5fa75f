#pragma once
/// The stand-in provider CLIs of tests/standins/ set up for one test: an app directory named after
/// the app (the stand-ins read the app from it), a record directory, an events file, and the flags
/// and environment that point r1 at them.
#include "tests/support/processes.hpp"
#include "tests/support/r1_process.hpp"

#include <map>
#include <string>
#include <vector>

namespace r1::test {

/// tests/standins/<cli>.
std::string standin_path(const std::string& cli);

class standin_env {
public:
    standin_env();
    ~standin_env();  // stops the stand-in docker's "containers" (loopback servers) still running

    /// Creates <root>/apps/<app> (with `files`: name -> content) and returns its path.
    std::string app_dir(const std::string& app, const std::map<std::string, std::string>& files = {});
    std::string record_dir() const { return (root_ / "record").string(); }
    std::string events_file() const { return (root_ / "events").string(); }
    std::string tmp_dir() const { return (root_ / "tmp").string(); }
    std::string docker_state() const { return (root_ / "record" / "docker-state").string(); }
    /// Each recorded run: "cli | arg | arg".
    std::vector<std::string> calls() const;
    std::string recorded_env(const std::string& cli) const;
    /// Most runs of one CLI in flight at once, from the events file.
    int max_overlap(const std::string& cli) const;

    /// r1 with the stand-ins' variables and TMPDIR set; `mode` is R1_STANDIN_MODE.
    r1_options options(std::vector<std::string> args, const std::string& mode = "ok") const;

private:
    temp_dir dir_;
    std::filesystem::path root_;
};

/// Two free consecutive loopback ports P and P+1 (bound, then closed again); returns P.
unsigned short free_port_pair();

/// True when text holds no part of `secret` of 12 bytes or more.
bool holds_no_part_of(const std::string& text, const std::string& secret);

}  // namespace r1::test
