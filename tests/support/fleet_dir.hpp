#pragma once
/// A fleet manifest in a temporary directory, deployed with the stand-in flyctl, and what the
/// stand-in recorded of each deploy (when it started and ended): for tests of sharding and rollouts.
#include "tests/support/fake_flyctl.hpp"
#include "tests/support/processes.hpp"
#include "tests/support/r1_process.hpp"

#include <boost/json/object.hpp>

#include <string>
#include <vector>

namespace r1::test {

/// One deploy as the stand-in saw it, in the order of its start.
struct deploy_span {
    std::string app;
    long long start_ns = 0, end_ns = 0;  // end 0: never ended (killed)
};

class fleet_dir {
public:
    /// `[defaults]` with the stand-in's path and retries = 0, then `body` (more defaults, [[app]]s).
    void write(const std::string& body, const std::string& file = "fleet.toml") const;
    std::string manifest(const std::string& file = "fleet.toml") const { return (dir_ / file).string(); }
    std::string path(const std::string& name) const { return (dir_ / name).string(); }

    /// `r1 deploy --batch <manifest> --ca-file <test CA>` and `extra`, with the stand-in's environment
    /// (FAKE_FLY_BY_NAME: fail-* apps fail, sleep-* apps sleep 60 s).
    r1_options deploy(std::vector<std::string> extra, const std::string& file = "fleet.toml") const;

    std::vector<deploy_span> deploys() const;
    std::vector<std::string> started_apps() const;
    /// The most deploys of the given apps running at one moment.
    std::size_t max_overlap(const std::vector<std::string>& apps) const;
    const fake_flyctl& fly() const { return fly_; }

private:
    temp_dir dir_;
    fake_flyctl fly_;
};

/// `[[app]]` with `name` and more lines ("health_url = ...").
std::string app(const std::string& name, const std::string& more = "");

/// The report at `path`, parsed.
boost::json::object read_report(const std::string& path);

}  // namespace r1::test
