#include "cli/report_merge.hpp"

#include "cli/batch_output.hpp"
#include "cli/batch_report.hpp"
#include "cli/exit_code.hpp"
#include "cli/fd_write.hpp"
#include "cli/fleet_tasks.hpp"
#include "cli/input_file.hpp"
#include "cli/report_read.hpp"
#include "cli/shard.hpp"
#include "engine/safe_file.hpp"
#include "engine/text/text.hpp"
#include "r1/version.hpp"

#include <boost/json/array.hpp>
#include <boost/json/serialize.hpp>

#include <algorithm>
#include <map>

namespace r1::cli {
namespace {

namespace json = boost::json;

constexpr std::size_t named_in_messages = 20;  // apps named on stderr; the report has them all

struct shard_file {
    std::string file;   // as given: the merged report's `merged.reports[].file`
    std::string shown;  // the same for messages: an argument is never echoed raw
    read_report_result report;
    std::size_t index() const { return report.outcome.shard ? report.outcome.shard->index : 0; }
    std::size_t total() const { return report.outcome.shard ? report.outcome.shard->total : 1; }
};

int refuse(const std::string& message) {
    write_fd(2, "r1: error: " + message + "\n");
    return exit_usage;
}

std::string name_list(const std::vector<std::string>& names) {
    std::string out;
    for (std::size_t i = 0; i < names.size() && i < named_in_messages; ++i)
        out += (i ? ", " : "") + engine::printable(names[i], true);
    if (names.size() > named_in_messages) out += " and " + std::to_string(names.size() - named_in_messages) + " more";
    return out;
}

std::string flag_value(const json::value& v) {
    if (v.is_string()) return engine::quoted(v.as_string());
    return engine::printable(json::serialize(v), true);
}

/// Why `b` is not a shard of the same run as `a`; "" when it is.
std::string mismatch(const shard_file& a, const shard_file& b) {
    const auto& x = a.report.outcome;
    const auto& y = b.report.outcome;
    if (x.manifest_sha256 != y.manifest_sha256)
        return "different manifests (manifest_sha256 " + x.manifest_sha256.substr(0, 12) + "... and " +
               y.manifest_sha256.substr(0, 12) + "...)";
    if (x.command != y.command) return "one ran r1 " + x.command + ", the other r1 " + y.command;
    if (x.dry_run != y.dry_run) return "one is a dry run, the other is not";
    if (a.total() != b.total())
        return "different shard counts (" + std::to_string(a.total()) + " and " + std::to_string(b.total()) + ")";
    if (x.shard && y.shard && x.shard->manifest_tasks != y.shard->manifest_tasks) return "different task lists";
    if (a.report.settings != b.report.settings) {
        auto flags = [](const json::object& s) {
            const auto* f = s.if_contains("flags");
            return f && f->is_object() ? f->as_object() : json::object{};
        };
        auto fa = flags(a.report.settings), fb = flags(b.report.settings);
        std::map<std::string, std::pair<std::string, std::string>> differ;  // flag -> its value in b, in a
        for (const auto& [k, v] : fb)
            if (!fa.contains(k) || fa.at(k) != v)
                differ[std::string(k)] = {flag_value(v), fa.contains(k) ? flag_value(fa.at(k)) : "not given"};
        for (const auto& [k, v] : fa)
            if (!fb.contains(k)) differ[std::string(k)] = {"not given", flag_value(v)};
        std::string diff;
        for (const auto& [k, v] : differ)
            diff += (diff.empty() ? "" : "; ") + engine::printable(k, true) + " " + v.first + " in " + b.shown + ", " +
                    v.second + " in " + a.shown;
        return "different settings" + (diff.empty() ? std::string() : ": " + diff);
    }
    return "";
}

}  // namespace

int run_report_merge(const command& cmd) {
    // Read and check every report first: a refusal writes nothing.
    std::vector<shard_file> shards;
    std::size_t bytes = 0, tasks = 0;
    for (const auto& file : cmd.reports) {
        auto read = read_input(file, max_report_bytes);
        if (!read.error.empty()) return refuse(read.error);
        bytes += read.text.size();
        if (bytes > max_merge_bytes)
            return refuse("the reports are larger than " + std::to_string(max_merge_bytes / (1024 * 1024)) +
                          " MiB together");
        auto parsed = read_report(read.text);
        std::string shown = engine::printable(file, true);
        if (auto* why = std::get_if<std::string>(&parsed)) return refuse(shown + ": " + *why);
        shards.push_back({file, std::move(shown), std::move(std::get<read_report_result>(parsed))});
        tasks += shards.back().report.outcome.tasks.size();
        if (tasks > max_fleet_tasks) return refuse("the reports hold more than 100000 tasks together");
    }
    for (const auto* path : {&cmd.batch.report_file, &cmd.batch.junit_file})
        if (!path->empty())
            if (auto why = engine::check_output_file(*path); !why.empty()) return refuse(why);

    const auto& first = shards.front();
    for (std::size_t i = 1; i < shards.size(); ++i)
        if (auto why = mismatch(first, shards[i]); !why.empty())
            return refuse(shards[i].shown + " and " + first.shown + " are not shards of one run: " + why +
                          "; nothing was written");

    const std::size_t total = first.total();
    const auto* all = first.report.outcome.shard ? &first.report.outcome.shard->manifest_tasks : nullptr;
    auto held_by = [&](std::size_t shard) {
        std::vector<std::string> names;
        if (all)
            for (const auto& n : *all)
                if (shard_of(n, total) == shard) names.push_back(n);
        return names;
    };
    std::map<std::size_t, std::vector<const shard_file*>> by_index;
    for (const auto& s : shards) by_index[s.index()].push_back(&s);
    for (const auto& [index, files] : by_index) {
        if (files.size() < 2) continue;
        std::string list;
        for (const auto* f : files) list += (list.empty() ? "" : ", ") + f->shown;
        auto names = held_by(index);
        return refuse("shard " + std::to_string(index) + "/" + std::to_string(total) + " is given " +
                      std::to_string(files.size()) + " times (" + list + "); it holds " + std::to_string(names.size()) +
                      (names.size() == 1 ? " task" : " tasks") + (names.empty() ? "" : ": " + name_list(names)) +
                      "; give one report per shard; nothing was written");
    }

    // The merged outcome: every task of the manifest in file order, from its shard's report, or
    // without a result when its shard left none.
    batch_outcome merged;
    const auto& f0 = first.report.outcome;
    merged.command = f0.command;
    merged.dry_run = f0.dry_run;
    merged.manifest_sha256 = f0.manifest_sha256;
    merged.max_failures = 0;
    std::vector<json::object> task_objects;
    json::array reports, missing;
    std::int64_t start = first.report.started_s, end = 0;
    int signal = 0;
    for (const auto& s : shards) {
        const auto& o = s.report.outcome;
        start = std::min(start, s.report.started_s);
        end = std::max(end, s.report.started_s * 1000 + o.duration.count());
        merged.concurrency += o.concurrency;
        merged.stopped_early = merged.stopped_early || o.stopped_early;
        if (merged.stopped_by.empty()) merged.stopped_by = o.stopped_by;
        if (o.signal && (signal == 0 || outranks(exit_code_for_signal(o.signal), exit_code_for_signal(signal))))
            signal = o.signal;
        json::object r{{"file", s.file},           {"index", s.index()},
                       {"exit_code", o.exit_code}, {"interrupted_by", o.signal ? json::value(signal_name(o.signal)) : nullptr},
                       {"tasks", o.tasks.size()},  {"r1_version", s.report.r1_version},
                       {"started_at", s.report.started_at}};
        if (!o.stopped_by.empty()) r["stopped_by"] = o.stopped_by;
        if (!s.report.rollout.empty()) r["rollout"] = s.report.rollout;
        reports.push_back(std::move(r));
    }
    // Task records and objects move from the shards' reports into the merged one: a merge of the
    // largest fleets holds each task once, not once per step.
    std::vector<std::pair<shard_file*, std::size_t>> at;  // manifest position -> its report and task
    if (all) {
        at.assign(all->size(), {nullptr, 0});
        for (auto& s : shards)
            for (std::size_t k = 0; k < s.report.outcome.tasks.size(); ++k) {
                auto index = s.report.outcome.tasks[k].index;
                if (at[index].first)
                    return refuse(s.shown + ": task " + std::to_string(index) + " (" +
                                  engine::printable((*all)[index], true) + ") appears twice; nothing was written");
                at[index] = {&s, k};
            }
        for (std::size_t shard = 0; shard < total; ++shard) {
            if (by_index.contains(shard)) continue;
            auto names = held_by(shard);
            json::array list;
            for (const auto& n : names) list.emplace_back(n);
            missing.push_back(json::object{{"index", shard}, {"tasks", std::move(list)}});
            write_fd(2, "r1: error: shard " + std::to_string(shard) + "/" + std::to_string(total) + " has no report: " +
                            (names.empty() ? std::string("it held no tasks")
                                           : "its " + std::to_string(names.size()) +
                                                 (names.size() == 1 ? " task has" : " tasks have") +
                                                 " no result: " + name_list(names)) +
                            "\n");
        }
        for (std::size_t index = 0; index < all->size(); ++index) {
            if (auto* s = at[index].first) {
                merged.tasks.push_back(std::move(s->report.outcome.tasks[at[index].second]));
                task_objects.push_back(std::move(s->report.tasks[at[index].second]));
                continue;
            }
            std::size_t shard = shard_of((*all)[index], total);
            if (by_index.contains(shard))  // a shard's report lists all its tasks, skipped ones too
                return refuse(by_index[shard].front()->shown + " lacks task " + std::to_string(index) + " (" +
                              engine::printable((*all)[index], true) + ") of its shard; nothing was written");
            task_record t;
            t.index = index;
            t.name = engine::printable((*all)[index], true);
            t.state = task_state::unknown;
            t.detail = "no result: shard " + std::to_string(shard) + "/" + std::to_string(total) + " left no report";
            task_objects.push_back(report_task(t));
            task_objects.back()["name"] = (*all)[index];  // as the manifest spells it
            merged.tasks.push_back(std::move(t));
        }
    } else {
        merged.tasks = std::move(shards.front().report.outcome.tasks);  // one report of a whole fleet: itself
        task_objects = std::move(shards.front().report.tasks);
    }
    merged.started_at = std::chrono::system_clock::from_time_t(static_cast<std::time_t>(start));
    merged.duration = std::chrono::milliseconds(std::max<std::int64_t>(0, end - start * 1000));
    merged.signal = signal;
    merged.exit_code = batch_exit_code(merged.tasks, signal);
    if (merged.stopped_by.empty() && signal) merged.stopped_by = "interrupt";

    json::object extra{{"settings", first.report.settings},
                       {"merged", json::object{{"shards", total}, {"reports", std::move(reports)}, {"missing", std::move(missing)}}}};
    shards.clear();  // what the merged outcome did not take (names, settings) is not needed past here
    write_fd(1, summary_table(merged, 160));
    if (signal) write_fd(2, "r1: a shard was interrupted by " + signal_name(signal) + "\n");
    int code = merged.exit_code;
    auto write = [&](const std::string& path, const std::string& content) {
        if (path.empty()) return;
        if (auto why = engine::write_output_file(path, content); !why.empty()) {
            write_fd(2, "r1: error: " + why + "\n");
            code = exit_usage;
        }
    };
    write(cmd.batch.report_file, report_json(merged, extra, &task_objects));
    write(cmd.batch.junit_file, junit_xml(merged));
    return code;
}

}  // namespace r1::cli
