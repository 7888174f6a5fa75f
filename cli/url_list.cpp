#include "cli/url_list.hpp"

#include "net/url.hpp"

#include <algorithm>
#include <map>

namespace r1::cli {
namespace {

std::string_view trimmed(std::string_view s) {
    while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
    while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\r')) s.remove_suffix(1);
    return s;
}

}  // namespace

fleet_manifest read_url_list(std::string_view text, const manifest_base& base) {
    if (text.size() > max_manifest_bytes) return too_large();
    fleet_builder b{base};
    b.reserve(static_cast<std::size_t>(std::count(text.begin(), text.end(), '\n')) + 1);
    std::map<std::string, std::size_t, std::less<>> seen;
    std::size_t line_no = 0;
    while (!text.empty()) {
        ++line_no;
        auto nl = text.find('\n');
        auto line = trimmed(text.substr(0, nl));
        text = nl == std::string_view::npos ? std::string_view{} : text.substr(nl + 1);
        if (line.empty() || line.front() == '#') continue;
        if (b.task_count() >= max_fleet_tasks) {
            b.problem(line_no, "more than " + std::to_string(max_fleet_tasks) + " URLs in one list");
            break;
        }
        if (auto why = net::describe_url_error(line); !why.empty()) {
            b.problem(line_no, why);
            continue;
        }
        if (auto [it, fresh] = seen.emplace(std::string(line), line_no); !fresh) {
            b.problem(line_no, "duplicate URL (first at line " + std::to_string(it->second) + ")");
            continue;
        }
        fleet_task task;
        b.apply_cli(task.cfg);
        task.cfg.health_url = std::string(line);
        task.cfg.verify_only = true;
        task.line = line_no;
        b.add(std::move(task), line_no);
    }
    auto list = b.finish();
    if (list.tasks.empty() && list.problems.empty()) list.problems.push_back({0, "the list has no URLs"});
    return list;
}

}  // namespace r1::cli
