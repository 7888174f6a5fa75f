#pragma once
/// How `r1 deploy` reports what happened: text lines for people, NDJSON events for programs.
#include "engine/repair_loop.hpp"
#include "providers/deploy.hpp"

#include <boost/json/value.hpp>

#include <string>
#include <string_view>

namespace r1::cli {

/// "r1: attempt 2 (env-fix) re-checks DEPLOY-HEALTH-200 in 1s: transient [http-503] <detail>\n"
std::string attempt_text(const engine::attempt_record& a);
/// "r1: DEPLOY-HEALTH-200 pass: <detail>\n"
std::string criterion_text(const engine::criterion_result& c);

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
