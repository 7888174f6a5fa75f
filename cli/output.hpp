#pragma once
/// How `r1 deploy` reports what happened: text lines for people, NDJSON events for programs.
#include "engine/repair_loop.hpp"
#include "providers/deploy.hpp"

#include <boost/json/array.hpp>
#include <boost/json/object.hpp>
#include <boost/json/value.hpp>

#include <optional>
#include <string>
#include <string_view>

namespace r1::cli {

/// "r1: attempt 2 (env-fix) re-checks DEPLOY-HEALTH-200 in 1s: transient [http-503] <detail>\n"
std::string attempt_text(const engine::attempt_record& a);
/// "r1: DEPLOY-HEALTH-200 pass: <detail>\n"
std::string criterion_text(const engine::criterion_result& c);

/// An attempt as every output shows it: the `attempt` event's fields, an element of `attempts` in
/// the result and task.end events and in --report.
boost::json::object attempt_object(const engine::attempt_record& a);
/// Every attempt r1 decided (retries: number 2 on), as a list.
boost::json::array attempts_array(const std::vector<engine::attempt_record>& attempts);

/// What a finished deploy or check says for programs, the same in the result and task.end events
/// and in --report: http_status, cause, final_url and phases_ms. What was deployed is the lifecycle's
/// `release` (release_json), beside them.
struct run_facts {
    unsigned http_status = 0;      // 0: no response (null)
    std::string_view cause;        // "": ok (null)
    std::string_view final_url;    // "": no health check ran (null)
    std::chrono::milliseconds deploy_time{-1}, health_time{-1}, browser_time{-1};  // negative: did not run
    std::optional<net::phase_times> http;  // the last health check's HTTP phases: http_ms
};
void add_facts(boost::json::object& o, const run_facts& f);
run_facts facts_of(const deploy_result& r);

/// One NDJSON line each, with stable names: {"event":"attempt",...}, {"event":"criterion",...},
/// {"event":"result",...}. Field names are documented in the README.
std::string attempt_json(const engine::attempt_record& a);
std::string criterion_json(const engine::criterion_result& c);
std::string result_json(const deploy_result& r, int exit_code, bool dry_run);

/// A lifecycle event as an NDJSON line: {"event":"release.poll","ok":false,"poll":3,...}.
std::string event_json(const providers::lifecycle_event& e);
/// The same as a text line for stderr ("r1: pre-flight: v41 (...) serves on 2 machines\n"); ""
/// for an event text mode leaves out (a status poll that says what the last one said).
class event_text {
public:
    std::string operator()(const providers::lifecycle_event& e);

private:
    std::string last_poll_;
};

/// The evidence block: "r1: the app's last N log lines:\n  | ...\n".
std::string evidence_text(std::string_view evidence);

/// A dry run's plan as JSON: {"argv":[the main command],"region","region_source" ("setting",
/// "config", "default"),"image","config":{"path","status" ("exists", "written", "none")}}; `whole`
/// adds "steps":[{"argv","when"}] (every command, with its condition), "dir", "env" (variable
/// names), "sets", "region_from" and "config_state" (the plan's words for people), "expects",
/// "success" and "health", as the single deploy's result event carries them (a batch's records keep
/// the short form: see short_plan).
boost::json::value plan_json(const providers::deploy_plan& p, bool whole = false);
/// The plan's short form, what a batch keeps per task: its main command as its one step, the
/// region, image and config; none of the words for people nor what every task shares.
providers::deploy_plan short_plan(providers::deploy_plan p);
/// The plan's main command as a shell shows it: its first unconditional step ("flyctl deploy ...").
std::string plan_command(const providers::deploy_plan& p);

/// {"id":..,"version":..,"image":..}, or null when empty: for events, the report and JUnit.
boost::json::value release_json(const providers::release_ref& r);
boost::json::value rollback_json(const rollback_record& r);

}  // namespace r1::cli
