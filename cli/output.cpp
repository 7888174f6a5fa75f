#include "cli/output.hpp"

#include "cli/browser_output.hpp"

#include "engine/text/duration.hpp"

#include <boost/json/object.hpp>
#include <boost/json/serialize.hpp>

namespace r1::cli {
namespace {

std::string line(const boost::json::object& o) { return boost::json::serialize(o) + "\n"; }

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

std::string attempt_json(const engine::attempt_record& a) {
    boost::json::object o;
    o["event"] = "attempt";
    o["number"] = a.number;
    o["step"] = a.step;
    o["tier"] = engine::to_string(a.level);
    o["class"] = engine::to_string(a.cls);
    o["signal"] = a.signal;
    o["delay_ms"] = a.delay.count();
    o["detail"] = a.detail;
    return line(o);
}

std::string criterion_json(const engine::criterion_result& c) {
    boost::json::object o;
    o["event"] = "criterion";
    o["id"] = c.id;
    o["passed"] = c.passed;
    o["detail"] = c.detail;
    return line(o);
}

std::string result_json(const deploy_result& r, int exit_code, bool dry_run) {
    boost::json::object o;
    o["event"] = "result";
    o["exit_code"] = exit_code;
    o["ok"] = exit_code == 0;
    if (dry_run)
        o["preview"] = r.output;
    else
        o["health"] = r.output;
    o["message"] = r.message;
    o["attempts"] = r.attempts.size() + 1;
    if (r.browser) o["browser"] = browser_json(*r.browser);
    return line(o);
}

}  // namespace r1::cli
