#include "cli/batch_report.hpp"

#include "cli/batch_output.hpp"
#include "cli/browser_output.hpp"
#include "cli/exit_code.hpp"
#include "cli/ndjson.hpp"
#include "cli/output.hpp"
#include "cli/shard.hpp"
#include "engine/classify/classify.hpp"
#include "engine/redact/redact.hpp"
#include "engine/text/text.hpp"
#include "r1/version.hpp"

#include <boost/json/array.hpp>
#include <boost/json/object.hpp>
#include <boost/json/serialize.hpp>

#include <cstdio>
#include <ctime>

namespace r1::cli {
namespace {

namespace json = boost::json;

std::string rfc3339(std::chrono::system_clock::time_point t) {
    std::time_t secs = std::chrono::system_clock::to_time_t(t);
    std::tm utc{};
    ::gmtime_r(&secs, &utc);
    char buf[32];
    std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &utc);
    return buf;
}

json::object task_json(const task_record& t) {
    json::object o;
    o["index"] = t.index;
    o["name"] = t.name;
    o["provider"] = t.provider;
    o["url"] = t.url;
    o["status"] = to_string(t.state);
    if (t.exit_code >= 0) o["exit_code"] = t.exit_code;
    else o["exit_code"] = nullptr;
    o["duration_ms"] = t.duration.count();
    o["detail"] = t.detail;
    o["attempts"] = attempts_array(t.attempts);
    o["attempt_count"] = t.state == task_state::skipped || t.state == task_state::unknown ? 0 : t.attempts.size() + 1;
    json::array criteria;
    for (const auto& c : t.criteria)
        criteria.push_back(json::object{{"id", c.id}, {"passed", c.passed}, {"detail", engine::printable(c.detail, true)}});
    o["criteria"] = std::move(criteria);
    add_task_facts(o, t);
    if (!t.preview.empty()) o["preview"] = t.preview;
    if (t.plan) o["plan"] = plan_json(*t.plan);
    if (!t.output_tail.empty()) o["output_tail"] = t.output_tail;
    add_lifecycle(o, t);
    if (t.browser) o["browser"] = browser_json(*t.browser);
    if (t.state == task_state::skipped) o["skip_reason"] = t.skip_reason.empty() ? "not started" : t.skip_reason;
    if (t.wave) o["wave"] = t.wave;
    return o;
}

/// What a deploy task made and what it replaced, for JUnit's <system-out>: release, previous
/// release, rollback, then the app's logs when a verification failed.
std::string lifecycle_text(const task_record& t) {
    std::string out;
    if (!t.release.empty()) out += "release: " + t.release.label() + "\n";
    if (t.previous) out += "previous release: " + t.previous->label() + "\n";
    if (t.rollback) out += "rollback: " + t.rollback->detail + "\n";
    if (!t.evidence.empty()) out += "\nrecent logs:\n" + t.evidence;
    return out;
}

/// Text fit for XML 1.0: printable (no C0 but tab and newline, no C1, no invalid UTF-8, so no lone
/// surrogate), U+FFFE and U+FFFF (the only other code points XML 1.0's Char production leaves out)
/// shown as U+FFFD, and markup characters escaped. CI systems drop a report that is not well-formed.
std::string xml(std::string_view text) {
    std::string clean = engine::printable(text, false);
    std::string out;
    out.reserve(clean.size());
    for (std::size_t i = 0; i < clean.size(); ++i) {
        char c = clean[i];
        if (c == '\xEF' && i + 2 < clean.size() && clean[i + 1] == '\xBF' && (clean[i + 2] == '\xBE' || clean[i + 2] == '\xBF')) {
            out += "\xEF\xBF\xBD";
            i += 2;
            continue;
        }
        switch (c) {
        case '&': out += "&amp;"; break;
        case '<': out += "&lt;"; break;
        case '>': out += "&gt;"; break;
        case '"': out += "&quot;"; break;
        case '\'': out += "&apos;"; break;
        default: out += c;
        }
    }
    return out;
}

std::string seconds(std::chrono::milliseconds d) {
    char buf[32];
    std::snprintf(buf, sizeof buf, "%.3f", static_cast<double>(d.count()) / 1000.0);
    return buf;
}

}  // namespace

json::object report_settings(const batch_outcome& batch) {
    json::object flags;
    for (const auto& [flag, value] : batch.shared_flags) {
        if (value.empty()) flags[flag] = true;  // a switch
        else flags[flag] = value;
    }
    return json::object{{"command", batch.command}, {"flags", std::move(flags)}};
}

json::value report_shard(const batch_outcome& batch) {
    if (!batch.shard) return nullptr;
    json::array names;
    names.reserve(batch.shard->manifest_tasks.size());
    for (const auto& n : batch.shard->manifest_tasks) names.emplace_back(n);
    return json::object{{"index", batch.shard->index},
                        {"total", batch.shard->total},
                        {"scheme", shard_scheme},
                        {"manifest_tasks", std::move(names)}};
}

json::object report_task(const task_record& t) { return task_json(t); }

std::string report_json(const batch_outcome& batch) { return report_json(batch, {}); }

std::string report_json(const batch_outcome& batch, const boost::json::object& extra,
                        std::vector<boost::json::object>* task_objects) {
    auto counts = count(batch.tasks);
    json::object o;
    o["schema"] = output_schema;
    o["r1_version"] = version;
    o["command"] = batch.command;
    o["dry_run"] = batch.dry_run;
    o["started_at"] = rfc3339(batch.started_at);
    o["duration_ms"] = batch.duration.count();
    o["concurrency"] = batch.concurrency;
    o["exit_code"] = batch.exit_code;
    if (batch.signal != 0) o["interrupted_by"] = signal_name(batch.signal);
    else o["interrupted_by"] = nullptr;
    o["stopped_early"] = batch.stopped_early;
    if (!batch.stopped_by.empty()) o["stopped_by"] = batch.stopped_by;
    else o["stopped_by"] = nullptr;
    o["counts"] = json::object{{"total", counts.total},     {"ok", counts.ok},
                               {"failed", counts.failed},   {"interrupted", counts.interrupted},
                               {"skipped", counts.skipped}, {"unknown", counts.unknown}};
    // A single deploy's report has no manifest: null, and `r1 report merge` refuses it.
    if (!batch.manifest_sha256.empty()) o["manifest_sha256"] = batch.manifest_sha256;
    else o["manifest_sha256"] = nullptr;
    o["settings"] = report_settings(batch);
    o["shard"] = report_shard(batch);
    json::array waves;
    for (const auto& w : batch.waves) {
        json::object wo{{"tasks", w.tasks}, {"canary", w.canary}};
        if (!w.gate.empty()) wo["gate"] = w.gate;
        else wo["gate"] = nullptr;
        if (!w.gate_detail.empty()) wo["gate_detail"] = w.gate_detail;
        waves.push_back(std::move(wo));
    }
    o["rollout"] = json::object{{"waves", std::move(waves)},
                                {"max_failures", batch.max_failures ? json::value(batch.max_failures) : json::value(nullptr)}};
    for (const auto& [k, v] : extra) o[k] = v;
    json::array tasks;
    tasks.reserve(batch.tasks.size());
    if (task_objects)
        for (auto& t : *task_objects) tasks.push_back(std::move(t));
    else
        for (const auto& t : batch.tasks) tasks.push_back(task_json(t));
    o["tasks"] = std::move(tasks);
    return json::serialize(o) + "\n";
}

std::string junit_xml(const batch_outcome& batch) {
    std::size_t failures = 0, errors = 0, skipped = 0;
    for (const auto& t : batch.tasks) {
        if (t.state == task_state::failed) (t.exit_code == exit_usage ? errors : failures) += 1;
        else if (t.state == task_state::unknown) ++errors;
        else if (t.state != task_state::ok) ++skipped;
    }
    std::string suite = "r1 " + batch.command + (batch.dry_run ? " (dry-run)" : "");
    std::string counts = " tests=\"" + std::to_string(batch.tasks.size()) + "\" failures=\"" + std::to_string(failures) +
                         "\" errors=\"" + std::to_string(errors) + "\" skipped=\"" + std::to_string(skipped) +
                         "\" time=\"" + seconds(batch.duration) + "\"";
    std::string out = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n";
    out += "<testsuites name=\"r1\"" + counts + ">\n";
    out += "  <testsuite name=\"" + xml(suite) + "\"" + counts + " timestamp=\"" + rfc3339(batch.started_at) + "\">\n";
    for (const auto& t : batch.tasks) {
        out += "    <testcase classname=\"r1." + xml(batch.command) + "." + xml(t.provider) + "\" name=\"" + xml(t.name) +
               "\" time=\"" + seconds(t.duration) + "\"";
        auto lifecycle = lifecycle_text(t);
        if (t.state == task_state::ok && lifecycle.empty()) {
            out += "/>\n";
            continue;
        }
        out += ">\n";
        std::string message = xml(engine::printable(t.detail, true));
        if (t.state == task_state::failed) {
            std::string tag = t.exit_code == exit_usage ? "error" : "failure";
            std::string body = t.output_tail.empty() ? t.detail : t.output_tail;
            if (t.browser)
                for (const auto& c : t.browser->causes) body += "\n" + c;
            out += "      <" + tag + " type=\"exit " + std::to_string(t.exit_code) + "\" message=\"" + message + "\">" +
                   xml(body) + "</" + tag + ">\n";
        } else if (t.state == task_state::unknown) {
            out += "      <error type=\"no result\" message=\"" + message + "\">" + message + "</error>\n";
        } else {
            std::string why = t.state == task_state::interrupted ? message
                              : t.skip_reason.empty()           ? "skipped: not started"
                                                                : xml(t.skip_reason);
            out += "      <skipped message=\"" + why + "\"/>\n";
        }
        if (!lifecycle.empty()) out += "      <system-out>" + xml(lifecycle) + "</system-out>\n";
        out += "    </testcase>\n";
    }
    out += "  </testsuite>\n</testsuites>\n";
    return out;
}

}  // namespace r1::cli
