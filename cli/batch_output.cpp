#include "cli/batch_output.hpp"

#include "cli/browser_output.hpp"
#include "cli/exit_code.hpp"
#include "cli/ndjson.hpp"
#include "cli/output.hpp"
#include "engine/text/duration.hpp"
#include "engine/text/text.hpp"

#include <boost/json/object.hpp>
#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>

#include <algorithm>
#include <cstdio>

namespace r1::cli {
namespace {

namespace json = boost::json;

std::string seconds(std::chrono::milliseconds d) {
    char buf[32];
    if (d < std::chrono::seconds(10)) std::snprintf(buf, sizeof buf, "%.2fs", static_cast<double>(d.count()) / 1000.0);
    else if (d < std::chrono::minutes(10)) std::snprintf(buf, sizeof buf, "%.1fs", static_cast<double>(d.count()) / 1000.0);
    else return engine::format_duration(std::chrono::duration_cast<std::chrono::seconds>(d));
    return buf;
}

std::string status_word(const task_record& t) {
    switch (t.state) {
    case task_state::ok: return "ok";
    case task_state::failed: return "FAILED";
    case task_state::interrupted: return "INTERRUPTED";
    case task_state::skipped: return "skipped";
    case task_state::unknown: return "UNKNOWN";
    default: return std::string(to_string(t.state));
    }
}

std::string code_text(const task_record& t) { return t.exit_code >= 0 ? std::to_string(t.exit_code) : "-"; }

std::string cut(std::string_view s, std::size_t n) {
    if (n < 4) n = 4;
    // Cut on a UTF-8 boundary: tail_chars keeps the end; here we want the start.
    if (s.size() <= n) return std::string(s);
    std::size_t end = n - 3;
    while (end > 0 && (static_cast<unsigned char>(s[end]) & 0xC0) == 0x80) --end;
    return std::string(s.substr(0, end)) + "...";
}

std::string pad(std::string s, std::size_t n) {
    if (s.size() < n) s.append(n - s.size(), ' ');
    return s;
}

json::object task_fields(const task_record& t, std::size_t index, std::string_view event) {
    auto o = event_object(event);
    o["index"] = index;
    o["app"] = t.name;
    o["provider"] = t.provider;
    if (!t.url.empty()) o["url"] = t.url;
    return o;
}

std::string line(const json::object& o) { return event_line(o); }

}  // namespace

std::string detail_line(std::string_view text) {
    constexpr std::size_t detail_chars = 300;
    auto head_end = text.find(": ");
    if (text.size() <= detail_chars || head_end == std::string_view::npos || head_end + 2 > detail_chars / 2)
        return engine::printable(engine::tail_chars(text, detail_chars), true);
    auto head = text.substr(0, head_end + 2);
    return engine::printable(std::string(head) + engine::tail_chars(text.substr(head.size()), detail_chars - head.size()),
                             true);
}

std::string task_line(const task_record& t, std::size_t done, std::size_t total) {
    std::string width = std::to_string(total);
    std::string n = std::to_string(done);
    if (n.size() < width.size()) n.insert(0, width.size() - n.size(), ' ');
    return "[" + n + "/" + width + "] " + pad(status_word(t), 6) + " " + t.name + " (" + t.provider + ", exit " +
           code_text(t) + ", " + seconds(t.duration) + "): " + t.detail + "\n";
}

std::string output_block(const task_record& t, std::size_t max_lines) {
    std::vector<std::string_view> lines;
    std::string_view rest = t.output_tail;
    while (!rest.empty()) {
        auto nl = rest.find('\n');
        auto l = rest.substr(0, nl);
        if (!l.empty() && l.back() == '\r') l.remove_suffix(1);
        lines.push_back(l);
        rest = nl == std::string_view::npos ? std::string_view{} : rest.substr(nl + 1);
    }
    while (!lines.empty() && lines.back().find_first_not_of(" \t") == std::string_view::npos) lines.pop_back();
    std::size_t first = lines.size() > max_lines ? lines.size() - max_lines : 0;
    std::string out;
    for (std::size_t i = first; i < lines.size(); ++i) out += "  | " + std::string(lines[i]) + "\n";
    return out;
}

std::string plan_block(const providers::deploy_plan& p) {
    std::string text = providers::render_plan(p);
    std::string out;
    std::string_view rest = text;
    rest.remove_prefix(std::min(rest.size(), rest.find('\n') + 1));  // "# r1 deploy ...: dry run" is the task line's
    while (!rest.empty()) {
        auto nl = rest.find('\n');
        out += "  | " + std::string(rest.substr(0, nl)) + "\n";
        rest.remove_prefix(nl == std::string_view::npos ? rest.size() : nl + 1);
    }
    return out;
}

std::string progress_line(const batch_counts& c, std::chrono::milliseconds elapsed,
                          std::span<const running_task> longest, std::size_t width, bool with_rate) {
    std::size_t done = c.ok + c.failed + c.interrupted;
    double secs = std::max(0.001, static_cast<double>(elapsed.count()) / 1000.0);
    char rate[32];
    std::snprintf(rate, sizeof rate, "%.1f/s", static_cast<double>(done) / secs);
    std::string line = "r1: " + std::to_string(done) + "/" + std::to_string(c.total) + " done  " +
                       std::to_string(c.ok) + " ok  " + std::to_string(c.failed) + " failed  " +
                       std::to_string(c.running) + " running  " + seconds(elapsed) +
                       (with_rate ? "  " + std::string(rate) : std::string());
    if (longest.empty()) return line;
    // Columns, not bytes: a name may hold UTF-8. One column is kept free, so the cursor never wraps.
    auto columns = [](std::string_view s) {
        std::size_t n = 0;
        for (unsigned char ch : s) n += (ch & 0xC0) != 0x80;
        return n;
    };
    const std::size_t room = width == 0 ? std::string::npos : width - 1;
    std::string names;
    std::size_t shown = 0;
    for (const auto& t : longest) {
        std::string item = cut(engine::printable(t.name, true), 32) + " " + seconds(t.elapsed);
        std::string next = names + (shown ? ", " : "  longest: ") + item;
        std::size_t rest = c.running > shown + 1 ? c.running - shown - 1 : 0;
        std::string more = rest ? ", +" + std::to_string(rest) : "";
        if (room != std::string::npos && columns(line) + columns(next) + columns(more) > room) break;
        names = std::move(next);
        ++shown;
    }
    if (shown == 0) return line;
    if (c.running > shown) names += ", +" + std::to_string(c.running - shown);
    return line + names;
}

std::string summary_table(const batch_outcome& batch, std::size_t width) {
    constexpr std::size_t max_failed_rows = 200, max_ok_rows = 20;
    std::vector<const task_record*> failed, rest;
    for (const auto& t : batch.tasks) (t.state == task_state::ok ? rest : failed).push_back(&t);
    auto rank = [](const task_record* t) {
        switch (t->state) {
        case task_state::failed: return 0;
        case task_state::unknown: return 1;
        case task_state::interrupted: return 2;
        default: return 3;
        }
    };
    std::stable_sort(failed.begin(), failed.end(), [&](auto* a, auto* b) { return rank(a) < rank(b); });

    std::size_t shown_failed = std::min(failed.size(), max_failed_rows);
    std::size_t shown_ok = batch.tasks.size() <= 50 ? rest.size() : std::min(rest.size(), max_ok_rows);
    std::size_t name_w = 3, provider_w = 8;
    auto widen = [&](const task_record* t) {
        name_w = std::max(name_w, std::min<std::size_t>(t->name.size(), 48));
        provider_w = std::max(provider_w, t->provider.size());
    };
    for (std::size_t i = 0; i < shown_failed; ++i) widen(failed[i]);
    for (std::size_t i = 0; i < shown_ok; ++i) widen(rest[i]);

    auto row = [&](std::string status, std::string name, std::string provider, std::string code, std::string dur,
                   std::string detail) {
        std::string r = pad(std::move(status), 11) + " " + pad(cut(name, name_w), name_w) + "  " +
                        pad(std::move(provider), provider_w) + "  " + pad(std::move(code), 4) + "  " + pad(std::move(dur), 8) + "  ";
        std::size_t room = width > r.size() + 10 ? width - r.size() : 10;
        return r + cut(detail, room) + "\n";
    };
    std::string out = row("STATUS", "APP", "PROVIDER", "CODE", "DURATION", "DETAIL");
    auto add = [&](const task_record* t) {
        bool ran = t->state != task_state::skipped && t->state != task_state::unknown;
        std::string detail = t->state != task_state::skipped ? t->detail
                             : t->skip_reason.empty()       ? std::string("not started")
                                                            : t->skip_reason;
        out += row(status_word(*t), t->name, t->provider, code_text(*t), ran ? seconds(t->duration) : "-", detail);
    };
    for (std::size_t i = 0; i < shown_failed; ++i) add(failed[i]);
    if (failed.size() > shown_failed)
        out += "... and " + std::to_string(failed.size() - shown_failed) + " more not ok (see --report)\n";
    for (std::size_t i = 0; i < shown_ok; ++i) add(rest[i]);
    if (rest.size() > shown_ok) out += "... and " + std::to_string(rest.size() - shown_ok) + " more ok\n";

    auto c = count(batch.tasks);
    double secs = std::max(0.001, static_cast<double>(batch.duration.count()) / 1000.0);
    char rate[32];
    std::snprintf(rate, sizeof rate, "%.1f/s", static_cast<double>(c.ok + c.failed + c.interrupted) / secs);
    // A dry run starts nothing, so a rate would measure only how fast r1 prints plans.
    out += "r1: " + std::to_string(c.total) + (c.total == 1 ? " task in " : " tasks in ") + seconds(batch.duration) +
           (batch.dry_run ? std::string(" (dry run: nothing started)") : " (" + std::string(rate) + ")") + ": " +
           std::to_string(c.ok) + " ok, " + std::to_string(c.failed) + " failed";
    if (c.interrupted) out += ", " + std::to_string(c.interrupted) + " interrupted";
    if (c.skipped) out += ", " + std::to_string(c.skipped) + " not started";
    if (c.unknown) out += ", " + std::to_string(c.unknown) + " without a result (shard report missing)";
    if (batch.stopped_by == "fail-fast") out += " (--fail-fast)";
    else if (batch.stopped_by == "max-failures") out += " (--max-failures " + std::to_string(batch.max_failures) + ")";
    else if (batch.stopped_by == "canary") out += " (a canary failed)";
    else if (batch.stopped_by == "gate") out += " (a wave's gate failed)";
    out += "; exit " + std::to_string(batch.exit_code) + "\n";
    return out;
}

std::string batch_start_json(const batch_outcome& batch, std::size_t loops) {
    auto o = event_object("batch.start");
    o["command"] = batch.command;
    o["dry_run"] = batch.dry_run;
    o["total"] = batch.tasks.size();
    o["concurrency"] = batch.concurrency;
    o["loops"] = loops;
    if (batch.shard) o["shard"] = json::object{{"index", batch.shard->index}, {"total", batch.shard->total}};
    if (!batch.waves.empty()) o["waves"] = batch.waves.size();
    if (batch.max_failures) o["max_failures"] = batch.max_failures;
    return line(o);
}

std::string task_skipped_json(const task_record& t) {
    auto o = task_fields(t, t.index, "task.skipped");
    o["status"] = to_string(t.state);
    o["reason"] = t.skip_reason;
    return line(o);
}

std::string wave_start_json(const batch_outcome& batch, std::size_t wave) {
    auto o = event_object("wave.start");
    o["wave"] = wave + 1;
    o["waves"] = batch.waves.size();
    o["tasks"] = batch.waves[wave].tasks;
    o["canary"] = batch.waves[wave].canary;
    return line(o);
}

std::string wave_gate_json(const batch_outcome& batch, std::size_t wave) {
    auto o = event_object("wave.gate");
    o["wave"] = wave + 1;
    o["passed"] = batch.waves[wave].gate == "passed";
    o["detail"] = batch.waves[wave].gate_detail;
    return line(o);
}

void add_task_facts(json::object& o, const task_record& t) {
    run_facts f;
    f.http_status = t.http_status;
    f.cause = t.cause;
    f.final_url = !t.final_url.empty() ? std::string_view(t.final_url)
                  : t.health_time.count() >= 0 ? std::string_view(t.url)
                                               : std::string_view();
    f.deploy_time = t.deploy_time;
    f.health_time = t.health_time;
    if (t.browser) f.browser_time = t.browser->duration;
    if (t.http) {
        using std::chrono::milliseconds;
        f.http = net::phase_times{milliseconds(t.http->resolve), milliseconds(t.http->connect), milliseconds(t.http->tls),
                                  milliseconds(t.http->processing), milliseconds(t.http->transfer)};
    }
    add_facts(o, f);
}

std::string task_start_json(const task_record& t) { return line(task_fields(t, t.index, "task.start")); }

std::string task_end_json(const task_record& t) {
    auto o = task_fields(t, t.index, "task.end");
    o["status"] = to_string(t.state);
    o["code"] = t.exit_code;
    o["ok"] = t.state == task_state::ok;
    o["duration_ms"] = t.duration.count();
    o["detail"] = t.detail;
    o["attempts"] = attempts_array(t.attempts);
    o["attempt_count"] = t.attempts.size() + 1;
    add_task_facts(o, t);
    if (!t.preview.empty()) o["preview"] = t.preview;
    if (t.plan) o["plan"] = plan_json(*t.plan);
    if (!t.output_tail.empty()) o["output_tail"] = t.output_tail;
    add_lifecycle(o, t);
    if (t.browser) o["browser"] = browser_json(*t.browser);
    if (t.wave) o["wave"] = t.wave;
    return line(o);
}

std::string task_event_json(const providers::lifecycle_event& e, const task_record& t, std::size_t index) {
    auto o = json::parse(event_json(e)).as_object();
    o["index"] = index;
    o["app"] = t.name;
    return line(o);
}

void add_lifecycle(json::object& o, const task_record& t) {
    if (!t.release.empty()) o["release"] = release_json(t.release);
    if (t.previous) o["previous_release"] = release_json(*t.previous);
    if (t.rollback) o["rollback"] = rollback_json(*t.rollback);
    if (!t.evidence.empty()) o["evidence"] = t.evidence;
}

std::string batch_end_json(const batch_outcome& batch) {
    auto c = count(batch.tasks);
    auto o = event_object("batch.end");
    o["total"] = c.total;
    o["ok"] = c.ok;
    o["failed"] = c.failed;
    o["interrupted"] = c.interrupted;
    o["skipped"] = c.skipped;
    o["exit_code"] = batch.exit_code;
    o["duration_ms"] = batch.duration.count();
    o["stopped_early"] = batch.stopped_early;
    if (!batch.stopped_by.empty()) o["stopped_by"] = batch.stopped_by;
    if (batch.signal != 0) o["signal"] = signal_name(batch.signal);
    return line(o);
}

}  // namespace r1::cli
