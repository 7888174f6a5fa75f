#include "tests/support/flyctl_standin.hpp"

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>

#include <cstdlib>
#include <filesystem>
#include <sstream>
#include <stdexcept>

namespace r1::test {

flyctl_standin::flyctl_standin() {
    std::filesystem::create_directories(dir_ / "bin");
    std::filesystem::create_directories(dir_ / "state");
    std::filesystem::create_directories(dir_ / "files");
    std::filesystem::create_symlink(std::string(R1_SOURCE_DIR) + "/tests/support/flyctl_standin.py", dir_ / "bin" / "flyctl");
    boost::json::object state;
    state["apps"] = boost::json::object{};
    save(state);
}

boost::json::object flyctl_standin::load() const {
    return boost::json::parse(read_file(dir_ / "state" / "state.json")).as_object();
}

void flyctl_standin::save(const boost::json::object& state) const {
    write_file(dir_ / "state" / "state.json", boost::json::serialize(state));
}

void flyctl_standin::add_app(const std::string& name, int releases) {
    auto state = load();
    boost::json::object app;
    app["name"] = name;
    app["health_file"] = files_dir() + "/" + name;
    app["machines"] = boost::json::array{};
    app["releases"] = boost::json::array{};
    app["image_health"] = boost::json::object{};
    app["new_health"] = 200;
    state["apps"].as_object()[name] = std::move(app);
    save(state);
    for (int i = 0; i < releases; ++i) {
        std::string cmd = "FLY_STANDIN_STATE='" + state_dir() + "' '" + path() + "' deploy --app " + name +
                          " --region iad >/dev/null 2>&1";
        if (std::system(cmd.c_str()) != 0) throw std::runtime_error("seeding the stand-in failed: " + cmd);
    }
    std::filesystem::remove(dir_ / "state" / "calls.log");
}

void flyctl_standin::set(const std::string& app, const std::string& key, boost::json::value value) {
    auto state = load();
    state["apps"].as_object()[app].as_object()[key] = std::move(value);
    save(state);
}

void flyctl_standin::set_global(const std::string& key, boost::json::value value) {
    auto state = load();
    state[key] = std::move(value);
    save(state);
}

boost::json::object flyctl_standin::app(const std::string& name) const { return load()["apps"].as_object()[name].as_object(); }

std::vector<std::vector<std::string>> flyctl_standin::calls() const {
    std::vector<std::vector<std::string>> out;
    std::error_code ec;
    if (!std::filesystem::exists(dir_ / "state" / "calls.log", ec)) return out;
    std::istringstream in(read_file(dir_ / "state" / "calls.log"));
    for (std::string line; std::getline(in, line);) {
        std::vector<std::string> argv;
        auto parsed = boost::json::parse(line);  // named: iterating a temporary's array dangles
        for (const auto& a : parsed.as_array()) argv.emplace_back(a.as_string());
        out.push_back(std::move(argv));
    }
    return out;
}

std::vector<std::vector<std::string>> flyctl_standin::calls_of(std::string_view subcommand) const {
    std::vector<std::vector<std::string>> out;
    for (auto& c : calls())
        if (c.size() > 1 && c[1] == subcommand) out.push_back(std::move(c));
    return out;
}

std::vector<int> flyctl_standin::running() const {
    std::vector<int> out;
    std::error_code ec;
    for (const auto& e : std::filesystem::directory_iterator(dir_ / "state" / "running", ec))
        out.push_back(std::stoi(e.path().filename().string()));
    return out;
}

}  // namespace r1::test
