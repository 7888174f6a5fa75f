#pragma once
/// The stateful flyctl stand-in (tests/support/flyctl_standin.py) in a directory of its own: its
/// app state, what each app answers over HTTPS (tls_server::serve_files), and every call it got.
#include "tests/support/processes.hpp"

#include <boost/json/object.hpp>
#include <boost/json/value.hpp>

#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace r1::test {

class flyctl_standin {
public:
    flyctl_standin();
    std::string path() const { return (dir_ / "bin" / "flyctl").string(); }
    std::string state_dir() const { return (dir_ / "state").string(); }
    /// What tls_server::serve_files() should answer from: the app `name` at /files/<name>.
    std::string files_dir() const { return (dir_ / "files").string(); }
    /// FLY_STANDIN_STATE, for r1's environment.
    std::pair<std::string, std::string> env() const { return {"FLY_STANDIN_STATE", state_dir()}; }

    /// An app with `releases` healthy releases made by the stand-in's own deploy (v1...vN, the last
    /// serving); 0 releases: an app created but never deployed. The seeding calls are forgotten.
    void add_app(const std::string& name, int releases = 1);
    /// Sets a key of an app's state (see the script): new_health, deploy_mode, deploy_plan,
    /// flaky_status, image_health, machines...
    void set(const std::string& app, const std::string& key, boost::json::value value);
    /// Sets a key of the whole state: token, deploy_refused, hold ({"deploy": seconds, ...}).
    void set_global(const std::string& key, boost::json::value value);
    boost::json::object app(const std::string& name) const;

    /// Every call since the seeding, as argv ("flyctl", "deploy", ...), in order.
    std::vector<std::vector<std::string>> calls() const;
    /// The calls of one subcommand ("deploy", "status"...).
    std::vector<std::vector<std::string>> calls_of(std::string_view subcommand) const;
    /// Pids of stand-in processes still marked running (see the script's running/ directory).
    std::vector<int> running() const;

private:
    boost::json::object load() const;
    void save(const boost::json::object& state) const;

    temp_dir dir_;
};

}  // namespace r1::test
