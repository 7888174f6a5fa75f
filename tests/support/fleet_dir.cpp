#include "tests/support/fleet_dir.hpp"

#include "tests/support/test_pki.hpp"

#include <boost/json/parse.hpp>

#include <algorithm>
#include <map>
#include <sstream>

namespace r1::test {

void fleet_dir::write(const std::string& body, const std::string& file) const {
    write_file(dir_ / file, "[defaults]\nflyctl = \"" + fly_.path() + "\"\nretries = 0\n" + body);
}

r1_options fleet_dir::deploy(std::vector<std::string> extra, const std::string& file) const {
    r1_options o;
    o.args = {"deploy", "--batch", manifest(file), "--ca-file", ca_path()};
    o.args.insert(o.args.end(), extra.begin(), extra.end());
    o.env = {{"FAKE_FLY_RECORD", fly_.record_dir()},
             {"FAKE_FLY_EVENTS", (dir_ / "events").string()},
             {"FAKE_FLY_BY_NAME", "1"},
             {"FLY_API_TOKEN", "fm2_fleetTOKENvalue0123456789"}};
    return o;
}

std::vector<deploy_span> fleet_dir::deploys() const {
    std::vector<deploy_span> out;
    std::map<std::string, std::size_t> open;
    std::istringstream in(read_file(dir_ / "events"));
    std::string kind, app;
    long long ns = 0;
    while (in >> kind >> app >> ns) {
        if (kind == "start") {
            open[app] = out.size();
            out.push_back({app, ns, 0});
        } else if (auto it = open.find(app); it != open.end()) {
            out[it->second].end_ns = ns;
        }
    }
    std::stable_sort(out.begin(), out.end(), [](const auto& a, const auto& b) { return a.start_ns < b.start_ns; });
    return out;
}

std::vector<std::string> fleet_dir::started_apps() const {
    std::vector<std::string> apps;
    for (const auto& d : deploys()) apps.push_back(d.app);
    return apps;
}

std::size_t fleet_dir::max_overlap(const std::vector<std::string>& apps) const {
    std::vector<std::pair<long long, int>> edges;
    for (const auto& d : deploys()) {
        if (std::find(apps.begin(), apps.end(), d.app) == apps.end()) continue;
        edges.emplace_back(d.start_ns, 1);
        edges.emplace_back(d.end_ns ? d.end_ns : d.start_ns, -1);
    }
    std::sort(edges.begin(), edges.end());  // at a tie an end (-1) sorts first
    int now = 0, most = 0;
    for (auto [t, d] : edges) most = std::max(most, now += d);
    return static_cast<std::size_t>(most);
}

std::string app(const std::string& name, const std::string& more) { return "[[app]]\nname = \"" + name + "\"\n" + more; }

boost::json::object read_report(const std::string& path) { return boost::json::parse(read_file(path)).as_object(); }

}  // namespace r1::test
