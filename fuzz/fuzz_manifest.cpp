// The fleet manifest and URL list readers. Beyond "no crash": a refused file gets only problems,
// each one printable line with a real line number; an accepted manifest has valid, unique app names,
// and writing its tasks back out as TOML and reading that again gives the same tasks.
#include "fuzz/check.hpp"
#include "cli/manifest.hpp"
#include "cli/url_list.hpp"
#include "net/url.hpp"
#include "providers/fly/app_name.hpp"
#include "providers/toml.hpp"

#include <algorithm>
#include <cstdint>
#include <set>
#include <string>
#include <string_view>

using r1::fuzz::check;
using namespace r1::cli;
using r1::providers::toml_string;

namespace {

void check_problems(const fleet_manifest& m, std::string_view text) {
    std::size_t lines = static_cast<std::size_t>(std::count(text.begin(), text.end(), '\n')) + 1;
    if (!m.problems.empty()) check(m.tasks.empty());
    for (const auto& p : m.problems) {
        check(!p.message.empty());
        check(p.line <= lines);
        for (unsigned char c : p.message) check(c >= 0x20 && c != 0x7F);
    }
}


std::string duration_text(std::chrono::milliseconds d) { return "\"" + std::to_string(d.count()) + "ms\""; }

std::string render(const std::vector<fleet_task>& tasks) {
    std::string out;
    for (const auto& t : tasks) {
        const auto& c = t.cfg;
        out += "[[app]]\nname = " + toml_string(t.name) + "\nprovider = " + toml_string(c.provider) +
               "\nregion = " + toml_string(c.region) + "\nimage = " + toml_string(c.image) + "\ndir = " +
               toml_string(c.dir) + "\nhealth_url = " + toml_string(c.health_url) +
               "\nexpected_body = " + toml_string(c.expected_body) + "\nhealth_timeout = " + duration_text(c.health_timeout) +
               "\ndeploy_timeout = " + duration_text(c.deploy_timeout) + "\nretry_budget = " +
               duration_text(c.retry_budget) + "\nretries = " + std::to_string(c.retries) + "\n";
        for (const auto& [key, value] : c.options) out += key + " = " + toml_string(value) + "\n";
    }
    return out;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    std::string_view text{reinterpret_cast<const char*>(data), size};
    (void)looks_like_url_list(text);

    auto m = read_fleet_manifest(text, {});
    check_problems(m, text);
    if (m.problems.empty()) {
        check(!m.tasks.empty());
        std::set<std::string> names;
        for (const auto& t : m.tasks) {
            check(r1::providers::fly::app_name_problem(t.name).empty());
            check(t.cfg.app == t.name);
            check(names.insert(t.name).second);
            if (!t.cfg.health_url.empty()) check(r1::net::describe_url_error(t.cfg.health_url).empty());
        }
        // Expected bodies with a NUL cannot be written back (TOML has no NUL); the reader refuses them too.
        auto again = read_fleet_manifest(render(m.tasks), {});
        check(again.problems.empty());
        check(again.tasks.size() == m.tasks.size());
        for (std::size_t i = 0; i < m.tasks.size(); ++i) {
            const auto& a = m.tasks[i].cfg;
            const auto& b = again.tasks[i].cfg;
            check(m.tasks[i].name == again.tasks[i].name);
            check(a.provider == b.provider && a.region == b.region && a.image == b.image && a.dir == b.dir);
            check(a.options == b.options && a.health_url == b.health_url && a.expected_body == b.expected_body);
            check(a.health_timeout == b.health_timeout && a.deploy_timeout == b.deploy_timeout);
            check(a.retries == b.retries && a.retry_budget == b.retry_budget);
        }
    }

    manifest_base verify;
    verify.verify = true;
    auto list = read_url_list(text, verify);
    check_problems(list, text);
    for (const auto& t : list.tasks) {
        check(r1::net::describe_url_error(t.cfg.health_url).empty());
        check(t.cfg.verify_only);
    }
    return 0;
}
