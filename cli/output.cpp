#include "cli/output.hpp"

#include "cli/browser_output.hpp"
#include "cli/ndjson.hpp"

#include "engine/text/duration.hpp"
#include "engine/text/text.hpp"
#include "providers/adapter_kit.hpp"

#include <boost/json/array.hpp>
#include <boost/json/object.hpp>
#include <boost/json/serialize.hpp>

namespace r1::cli {
namespace {

std::string line(const boost::json::object& o) { return event_line(o); }

}  // namespace

std::string attempt_text(const engine::attempt_record& a) {
    std::string what = a.step == "deploy" ? "redeploys" : "re-checks " + a.step;
    if (a.step == "deploy" && a.level == engine::tier::env_fix) what = "retries the deploy";
    return "r1: attempt " + std::to_string(a.number) + " (" + std::string(engine::to_string(a.level)) + ") " + what +
           " in " + engine::format_duration(a.delay) + ": " + std::string(engine::to_string(a.cls)) + " [" +
           a.signal + "] " + a.detail + "\n";
}

std::string criterion_text(const engine::criterion_result& c) {
    return "r1: " + c.id + " " + (c.passed ? "pass" : "fail") + ": " + c.detail + "\n";
}

boost::json::object attempt_object(const engine::attempt_record& a) {
    return boost::json::object{{"number", a.number},
                               {"step", a.step},
                               {"tier", engine::to_string(a.level)},
                               {"class", engine::to_string(a.cls)},
                               {"signal", a.signal},
                               {"delay_ms", a.delay.count()},
                               {"detail", engine::printable(a.detail, true)}};
}

boost::json::array attempts_array(const std::vector<engine::attempt_record>& attempts) {
    boost::json::array out;
    out.reserve(attempts.size());
    for (const auto& a : attempts) out.push_back(attempt_object(a));
    return out;
}

void add_facts(boost::json::object& o, const run_facts& f) {
    namespace json = boost::json;
    o["http_status"] = f.http_status ? json::value(f.http_status) : json::value(nullptr);
    o["cause"] = f.cause.empty() ? json::value(nullptr) : json::value(f.cause);
    o["final_url"] = f.final_url.empty() ? json::value(nullptr) : json::value(f.final_url);
    json::object phases;
    if (f.deploy_time.count() >= 0) phases["deploy"] = f.deploy_time.count();
    if (f.health_time.count() >= 0) phases["health"] = f.health_time.count();
    if (f.browser_time.count() >= 0) phases["browser"] = f.browser_time.count();
    o["phases_ms"] = std::move(phases);
    if (f.http) {
        // Whole milliseconds, as every duration r1 writes (a loopback phase is 0).
        auto ms = [](std::chrono::nanoseconds d) { return std::chrono::duration_cast<std::chrono::milliseconds>(d).count(); };
        o["http_ms"] = json::object{{"resolve", ms(f.http->resolve)},
                                    {"connect", ms(f.http->connect)},
                                    {"tls", ms(f.http->tls)},
                                    {"processing", ms(f.http->processing)},
                                    {"transfer", ms(f.http->transfer)}};
    }
}

run_facts facts_of(const deploy_result& r) {
    run_facts f;
    f.http_status = r.http_status;
    f.cause = r.cause;
    f.final_url = r.final_url;
    f.deploy_time = r.deploy_time;
    f.health_time = r.health_time;
    if (r.browser) f.browser_time = r.browser->duration;
    f.http = r.http_phases;
    return f;
}

std::string attempt_json(const engine::attempt_record& a) {
    auto o = event_object("attempt");
    for (auto& [k, v] : attempt_object(a)) o[k] = std::move(v);
    return line(o);
}

std::string criterion_json(const engine::criterion_result& c) {
    auto o = event_object("criterion");
    o["id"] = c.id;
    o["passed"] = c.passed;
    o["detail"] = c.detail;
    return line(o);
}

std::string result_json(const deploy_result& r, int exit_code, bool dry_run) {
    auto o = event_object("result");
    o["exit_code"] = exit_code;
    o["ok"] = exit_code == 0;
    if (dry_run)
        o["preview"] = r.output;
    else
        o["health"] = r.output;
    o["message"] = r.message;
    o["attempts"] = attempts_array(r.attempts);
    o["attempt_count"] = r.attempts.size() + 1;
    add_facts(o, facts_of(r));
    if (!dry_run) {
        o["release"] = release_json(r.release);
        o["previous_release"] = r.previous ? release_json(*r.previous) : boost::json::value(nullptr);
        if (r.rollback) o["rollback"] = rollback_json(*r.rollback);
        if (!r.evidence.empty()) o["evidence"] = r.evidence;
    }
    if (r.browser) o["browser"] = browser_json(*r.browser);
    if (r.plan) o["plan"] = plan_json(*r.plan, true);
    return line(o);
}

namespace {

/// The plan's main command: its first unconditional step (fly: flyctl deploy, after the pre-flight).
const providers::plan_step* main_step(const providers::deploy_plan& p) {
    for (const auto& s : p.steps)
        if (s.when.empty()) return &s;
    return p.steps.empty() ? nullptr : &p.steps.front();
}

boost::json::array strings(const std::vector<std::string>& v) {
    boost::json::array out;
    for (const auto& s : v) out.emplace_back(s);
    return out;
}

boost::json::value or_null(const std::string& s) { return s.empty() ? boost::json::value(nullptr) : boost::json::value(s); }

}  // namespace

boost::json::value plan_json(const providers::deploy_plan& p, bool whole) {
    boost::json::object o;
    const auto* main = main_step(p);
    o["argv"] = main ? strings(main->argv) : boost::json::array();
    if (whole) {
        boost::json::array steps;
        for (const auto& s : p.steps) {
            boost::json::object step;
            step["argv"] = strings(s.argv);
            step["when"] = s.when;
            steps.push_back(std::move(step));
        }
        o["steps"] = std::move(steps);
    }
    if (whole) {
        o["dir"] = p.dir;
        o["env"] = strings(p.env_names);
        o["sets"] = strings(p.env_set);
    }
    o["region"] = or_null(p.region);
    o["region_source"] = or_null(p.region_source);
    o["image"] = or_null(p.image);
    boost::json::object config;
    config["path"] = or_null(p.config_path);
    config["status"] = or_null(p.config_status);
    o["config"] = std::move(config);
    if (whole) {
        o["region_from"] = or_null(p.region_from);
        o["config_state"] = or_null(p.config_state);
    }
    if (whole) {
        o["expects"] = strings(p.expects);
        o["success"] = p.success;
        o["health"] = p.health;
    }
    return o;
}

providers::deploy_plan short_plan(providers::deploy_plan p) {
    if (const auto* main = main_step(p)) {
        providers::plan_step only = *main;
        p.steps = {std::move(only)};
    }
    p.env_set.clear();
    p.expects.clear();
    p.success.clear();
    p.region_from.clear();
    p.config_state.clear();
    p.dir.clear();  // the task's own, as the manifest gave it
    p.env_names.clear();  // the provider's, the same for every task
    p.health.clear();
    p.output.clear();
    p.provider.clear();
    p.app.clear();
    return p;
}

std::string plan_command(const providers::deploy_plan& p) {
    const auto* main = main_step(p);
    return main ? providers::shell_words(main->argv) : std::string();
}

boost::json::value release_json(const providers::release_ref& r) {
    if (r.empty()) return nullptr;
    boost::json::object o;
    o["id"] = r.id;
    o["version"] = r.version;
    o["image"] = r.image;
    return o;
}

boost::json::value rollback_json(const rollback_record& r) {
    boost::json::object o;
    o["attempted"] = r.attempted;
    o["ok"] = r.ok;
    o["to"] = release_json(r.to);
    o["made"] = release_json(r.made);
    o["detail"] = r.detail;
    return o;
}

std::string event_json(const providers::lifecycle_event& e) {
    auto o = event_object(e.name);
    o["ok"] = e.ok;
    if (e.name == providers::event_names::release_poll) {
        o["poll"] = e.poll;
        o["ready"] = e.ready;
        o["total"] = e.total;
    }
    o["detail"] = e.detail;
    if (!e.release.empty()) o["release"] = release_json(e.release);
    return line(o);
}

std::string event_text::operator()(const providers::lifecycle_event& e) {
    namespace names = providers::event_names;
    if (e.name == names::release_poll) {
        // Every poll is an NDJSON event; text shows a poll only when it says something new.
        if (e.detail == last_poll_) return {};
        last_poll_ = e.detail;
        return "r1: release " + (e.release.version.empty() ? std::string("poll") : "v" + e.release.version) + " (poll " +
               std::to_string(e.poll) + "): " + e.detail + "\n";
    }
    // A refused pre-flight is the run's error line already.
    if (e.name == names::preflight) return e.ok ? "r1: pre-flight: " + e.detail + "\n" : std::string();
    if (e.name == names::release) {
        last_poll_.clear();
        return "r1: release: " + e.detail + "\n";
    }
    if (e.name == names::rollback_start || e.name == names::rollback_end) return "r1: rollback: " + e.detail + "\n";
    if (e.name == names::evidence) return {};  // the logs themselves follow the result (evidence_text)
    return "r1: " + e.detail + "\n";
}

std::string evidence_text(std::string_view evidence) {
    std::size_t lines = 0;
    std::string block;
    while (!evidence.empty()) {
        auto nl = evidence.find('\n');
        block += "  | " + std::string(evidence.substr(0, nl)) + "\n";
        ++lines;
        evidence = nl == std::string_view::npos ? std::string_view{} : evidence.substr(nl + 1);
    }
    if (lines == 1) return "r1: the app's last log line:\n" + block;
    return "r1: the app's last " + std::to_string(lines) + " log lines:\n" + block;
}

}  // namespace r1::cli
