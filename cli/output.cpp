#include "cli/output.hpp"

#include "cli/browser_output.hpp"
#include "cli/ndjson.hpp"

#include "engine/text/duration.hpp"
#include "engine/text/text.hpp"

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
    if (!f.image.empty() || !f.release.empty() || !f.deployed_url.empty() || !f.alias.empty()) {
        json::object d;
        if (!f.image.empty()) d["image"] = f.image;
        if (!f.release.empty()) d["release"] = f.release;
        if (!f.deployed_url.empty()) d["url"] = f.deployed_url;
        if (!f.alias.empty()) d["alias"] = f.alias;
        o["deployed"] = std::move(d);
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
    if (!r.ec) {  // what a deploy that went through deployed
        f.image = r.reported.image;
        f.release = r.reported.release;
        f.deployed_url = r.reported.url;
        f.alias = r.reported.alias;
    }
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
    if (r.browser) o["browser"] = browser_json(*r.browser);
    return line(o);
}

}  // namespace r1::cli
