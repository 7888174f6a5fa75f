#include "cli/report_read.hpp"

#include "cli/exit_code.hpp"
#include "cli/fleet_tasks.hpp"
#include "cli/ndjson.hpp"
#include "cli/shard.hpp"
#include "engine/text/text.hpp"

#include <boost/json/stream_parser.hpp>
#include <boost/json/value.hpp>

#include <algorithm>
#include <csignal>
#include <ctime>
#include <optional>

namespace r1::cli {
namespace {

namespace json = boost::json;

/// A member's problem, named by its path ("tasks[3].status").
struct bad_member {
    std::string message;
};

class object_reader {
public:
    object_reader(const json::object& o, std::string path) : o_(o), path_(std::move(path)) {}

    const json::value* find(std::string_view key) const { return o_.if_contains(key); }

    std::string where(std::string_view key) const { return (path_.empty() ? "" : path_ + ".") + std::string(key); }

    const json::value& need(std::string_view key) const {
        const auto* v = find(key);
        if (!v) throw bad_member{where(key) + " is missing"};
        return *v;
    }
    std::string string(std::string_view key, bool optional = false) const {
        const auto* v = find(key);
        if (!v && optional) return {};
        if (!v || !v->is_string()) throw bad_member{where(key) + (v ? " must be a string" : " is missing")};
        return std::string(v->as_string());
    }
    bool boolean(std::string_view key) const {
        const auto& v = need(key);
        if (!v.is_bool()) throw bad_member{where(key) + " must be true or false"};
        return v.as_bool();
    }
    /// A whole number from `min` to `max`; null when `nullable` (as nullopt).
    std::optional<std::int64_t> number(std::string_view key, std::int64_t min, std::int64_t max, bool nullable = false,
                                       bool optional = false) const {
        const auto* v = find(key);
        if (!v && optional) return std::nullopt;
        if (!v) throw bad_member{where(key) + " is missing"};
        if (nullable && v->is_null()) return std::nullopt;
        std::int64_t n = 0;
        if (v->is_int64()) n = v->as_int64();
        else if (v->is_uint64() && v->as_uint64() <= static_cast<std::uint64_t>(max)) n = static_cast<std::int64_t>(v->as_uint64());
        else throw bad_member{where(key) + " must be a whole number"};
        if (n < min || n > max)
            throw bad_member{where(key) + " must be from " + std::to_string(min) + " to " + std::to_string(max)};
        return n;
    }
    const json::object& object(std::string_view key) const {
        const auto& v = need(key);
        if (!v.is_object()) throw bad_member{where(key) + " must be an object"};
        return v.as_object();
    }
    const json::array& array(std::string_view key) const {
        const auto& v = need(key);
        if (!v.is_array()) throw bad_member{where(key) + " must be an array"};
        return v.as_array();
    }

private:
    const json::object& o_;
    std::string path_;
};

task_state state_of(const std::string& s, const std::string& where) {
    if (s == "ok") return task_state::ok;
    if (s == "failed") return task_state::failed;
    if (s == "interrupted") return task_state::interrupted;
    if (s == "skipped") return task_state::skipped;
    if (s == "unknown") return task_state::unknown;
    throw bad_member{where + " " + engine::quoted(s) + " is not a task status (ok, failed, interrupted, skipped, unknown)"};
}

int signal_of(const std::string& name) {
    if (name == "SIGINT") return SIGINT;
    if (name == "SIGTERM") return SIGTERM;
    throw bad_member{"interrupted_by " + engine::quoted(name) + " is not SIGINT or SIGTERM"};
}

/// "2025-01-31T12:00:00Z" in seconds since the epoch.
std::int64_t epoch_seconds(const std::string& t) {
    std::tm tm{};
    const char* end = ::strptime(t.c_str(), "%Y-%m-%dT%H:%M:%SZ", &tm);
    if (!end || *end != '\0') throw bad_member{"started_at " + engine::quoted(t) + " is not a UTC time like 2025-01-31T12:00:00Z"};
    return static_cast<std::int64_t>(::timegm(&tm));
}

/// A release as release_json() wrote it ({"id", "version", "image"}), or nothing for null.
providers::release_ref release_of(const json::value& v, const std::string& where) {
    if (v.is_null()) return {};
    if (!v.is_object()) throw bad_member{where + " must be an object or null"};
    object_reader r{v.as_object(), where};
    return {engine::printable(r.string("id", true), true), engine::printable(r.string("version", true), true),
            engine::printable(r.string("image", true), true)};
}

bool is_sha256(std::string_view s) {
    return s.size() == 64 && s.find_first_not_of("0123456789abcdef") == std::string_view::npos;
}

task_record task_of(const json::object& o, std::size_t n, const shard_record* shard) {
    object_reader r{o, "tasks[" + std::to_string(n) + "]"};
    task_record t;
    t.index = static_cast<std::size_t>(*r.number("index", 0, static_cast<std::int64_t>(max_fleet_tasks) - 1));
    std::string name = r.string("name");
    if (name.empty()) throw bad_member{r.where("name") + " is empty"};
    if (shard) {
        if (t.index >= shard->manifest_tasks.size() || shard->manifest_tasks[t.index] != name)
            throw bad_member{r.where("name") + " " + engine::quoted(name) + " is not task " + std::to_string(t.index) +
                             " of the manifest"};
        if (auto held = shard_of(name, shard->total); held != shard->index)
            throw bad_member{r.where("name") + " " + engine::quoted(name) + " belongs to shard " + std::to_string(held) +
                             ", not to this report's shard " + std::to_string(shard->index)};
    }
    t.name = engine::printable(name, true);
    t.provider = engine::printable(r.string("provider"), true);
    t.url = engine::printable(r.string("url"), true);
    t.state = state_of(r.string("status"), r.where("status"));
    auto code = r.number("exit_code", 0, 255, true);
    t.exit_code = code ? static_cast<int>(*code) : -1;
    if (t.state == task_state::failed && !code) throw bad_member{r.where("exit_code") + " is null for a failed task"};
    t.duration = std::chrono::milliseconds(*r.number("duration_ms", 0, std::int64_t{1} << 50));
    t.detail = engine::printable(r.string("detail"), true);
    t.output_tail = r.string("output_tail", true);  // JUnit's failure text
    // No preview: the merged report carries the task's object whole, preview included, and JUnit
    // and the summary never show it; a copy here would be a dry run's largest member twice.
    t.skip_reason = engine::printable(r.string("skip_reason", true), true);
    t.wave = static_cast<std::size_t>(r.number("wave", 0, static_cast<std::int64_t>(max_fleet_tasks), false, true).value_or(0));
    // The deploy lifecycle's members, for JUnit's <system-out> (batch_report.cpp, lifecycle_text).
    if (const auto* v = r.find("release")) t.release = release_of(*v, r.where("release"));
    if (const auto* v = r.find("previous_release"); v && !v->is_null())
        t.previous = release_of(*v, r.where("previous_release"));
    if (const auto* v = r.find("rollback")) {
        if (!v->is_object()) throw bad_member{r.where("rollback") + " must be an object"};
        object_reader rb{v->as_object(), r.where("rollback")};
        rollback_record back;
        back.attempted = rb.boolean("attempted");
        back.ok = rb.boolean("ok");
        back.to = release_of(rb.need("to"), rb.where("to"));
        back.made = release_of(rb.need("made"), rb.where("made"));
        back.detail = engine::printable(rb.string("detail"), true);
        t.rollback = std::move(back);
    }
    t.evidence = r.string("evidence", true);  // many lines: shown as JUnit text, escaped there
    if (const auto* b = r.find("browser")) {
        if (!b->is_object()) throw bad_member{r.where("browser") + " must be an object"};
        proc::browser::page_report page;
        if (const auto* causes = b->as_object().if_contains("causes"); causes && causes->is_array())
            for (const auto& c : causes->as_array())
                if (c.is_string()) page.causes.push_back(engine::printable(c.as_string(), true));
        t.browser = std::make_shared<proc::browser::page_report>(std::move(page));
    }
    return t;
}

/// Checks `doc` and takes its task objects (moved out: a large report is not held twice).
read_report_result read_checked(json::value& doc) {
    if (!doc.is_object()) throw bad_member{"the document is not a JSON object (is it an r1 --report file?)"};
    object_reader r{doc.as_object(), ""};
    if (!r.find("r1_version") || !r.find("tasks")) throw bad_member{"not an r1 --report file (no r1_version or tasks)"};
    read_report_result out;
    auto& b = out.outcome;
    out.r1_version = r.string("r1_version");
    // A report of a later output schema may mean something else by the same names: refused, not
    // guessed at. Reports from before schemas were numbered have none and read as schema 1.
    if (const auto* v = r.find("schema"); v && !(v->is_int64() && v->as_int64() == output_schema))
        throw bad_member{"written by r1 " + engine::printable(out.r1_version, true) + " in output schema " +
                         (v->is_int64() ? std::to_string(v->as_int64()) : std::string("?")) + "; this r1 reads schema " +
                         std::to_string(output_schema)};
    if (!r.find("manifest_sha256"))
        throw bad_member{"written by r1 " + engine::printable(out.r1_version, true) +
                         ", which records no manifest_sha256: run the shards with this r1"};
    b.command = r.string("command");
    if (b.command != "deploy" && b.command != "verify") throw bad_member{"command must be deploy or verify"};
    b.dry_run = r.boolean("dry_run");
    out.started_at = r.string("started_at");
    out.started_s = epoch_seconds(out.started_at);
    b.started_at = std::chrono::system_clock::from_time_t(static_cast<std::time_t>(out.started_s));
    b.duration = std::chrono::milliseconds(*r.number("duration_ms", 0, std::int64_t{1} << 50));
    b.concurrency = static_cast<unsigned>(*r.number("concurrency", 0, 1 << 30));
    b.exit_code = static_cast<int>(*r.number("exit_code", 0, 255));
    const auto& by = r.need("interrupted_by");
    if (!by.is_null() && !by.is_string()) throw bad_member{"interrupted_by must be a string or null"};
    if (by.is_string()) b.signal = signal_of(std::string(by.as_string()));
    b.stopped_early = r.boolean("stopped_early");
    if (const auto* s = r.find("stopped_by"); s && s->is_string()) b.stopped_by = engine::printable(s->as_string(), true);
    if (r.need("manifest_sha256").is_null())
        throw bad_member{"a single deploy's report (no manifest): only the shards of one --batch merge"};
    b.manifest_sha256 = r.string("manifest_sha256");
    if (!is_sha256(b.manifest_sha256)) throw bad_member{"manifest_sha256 is not 64 lowercase hex digits"};
    out.settings = r.object("settings");
    if (const auto* ro = r.find("rollout"); ro && ro->is_object()) out.rollout = ro->as_object();
    const auto& shard = r.need("shard");
    if (!shard.is_null()) {
        if (!shard.is_object()) throw bad_member{"shard must be an object or null"};
        object_reader s{shard.as_object(), "shard"};
        auto rec = std::make_unique<shard_record>();
        rec->total = static_cast<std::size_t>(*s.number("total", 1, static_cast<std::int64_t>(max_shards)));
        rec->index = static_cast<std::size_t>(*s.number("index", 0, static_cast<std::int64_t>(rec->total) - 1));
        if (auto scheme = s.string("scheme"); scheme != shard_scheme)
            throw bad_member{"shard.scheme " + engine::quoted(scheme) + " is not " + std::string(shard_scheme) +
                             " (a report of another r1 version?)"};
        const auto& names = s.array("manifest_tasks");
        if (names.size() > max_fleet_tasks) throw bad_member{"shard.manifest_tasks has more than 100000 tasks"};
        rec->manifest_tasks.reserve(names.size());
        for (const auto& n : names) {
            if (!n.is_string()) throw bad_member{"shard.manifest_tasks holds a value that is not a string"};
            rec->manifest_tasks.emplace_back(n.as_string());
        }
        b.shard = std::move(rec);
    }
    (void)r.array("tasks");  // checked; taken from `doc` itself, whose objects move out below
    auto& tasks = doc.as_object().at("tasks").as_array();
    if (tasks.size() > max_fleet_tasks) throw bad_member{"more than 100000 tasks"};
    b.tasks.reserve(tasks.size());
    out.tasks.reserve(tasks.size());
    for (std::size_t i = 0; i < tasks.size(); ++i) {
        if (!tasks[i].is_object()) throw bad_member{"tasks[" + std::to_string(i) + "] must be an object"};
        b.tasks.push_back(task_of(tasks[i].as_object(), i, b.shard.get()));
        out.tasks.push_back(std::move(tasks[i].as_object()));
    }
    return out;
}

}  // namespace

std::variant<read_report_result, std::string> read_report(std::string_view text) {
    if (text.size() > max_report_bytes)
        return "larger than " + std::to_string(max_report_bytes / (1024 * 1024)) + " MiB";
    json::stream_parser p;  // default options: UTF-8 checked, depth at most 32, no comments
    boost::system::error_code ec;
    std::size_t used = p.write_some(text.data(), text.size(), ec);
    std::string why;
    if (!ec) {
        if (auto extra = text.find_first_not_of(" \t\r\n", used); extra != std::string_view::npos && p.done()) {
            used = extra;
            why = "more after the JSON document (one report per file)";
        } else {
            p.finish(ec);
        }
    }
    if (ec || !why.empty() || !p.done()) {
        auto before = text.substr(0, std::min(used, text.size()));
        std::size_t line = 1 + static_cast<std::size_t>(std::count(before.begin(), before.end(), '\n'));
        auto nl = before.rfind('\n');
        std::size_t column = 1 + (nl == std::string_view::npos ? before.size() : before.size() - nl - 1);
        return "not valid JSON at line " + std::to_string(line) + ", column " + std::to_string(column) + ": " +
               (!why.empty() ? why : ec ? engine::printable(ec.message(), true) : std::string("incomplete document"));
    }
    auto doc = p.release();
    try {
        return read_checked(doc);
    } catch (const bad_member& bad) {  // a report r1 cannot read: the member and why
        return bad.message;
    }
}

}  // namespace r1::cli
