#include "providers/rollback_rule.hpp"

#include "engine/text/duration.hpp"

namespace r1::providers {

rollback_decision decide_rollback(const rollback_inputs& in) {
    using std::chrono::milliseconds;
    auto age = engine::format_duration(std::max(in.since_deploy_start, milliseconds(1)));
    if (in.health_passed) return {false, "the health check passes"};
    if (!in.have_target) return {false, "first deploy: there is no earlier release to go back to"};
    if (in.since_deploy_start < rollback_min_age)
        return {false, "the release failed " + age + " after the deploy started, before the " +
                           engine::format_duration(rollback_min_age) + " a rollback waits for"};
    if (in.browser == browser_evidence::ran && in.console_errors == 0)
        return {false, "the browser saw no console errors"};
    std::string why = "the health check still fails " + age + " after the deploy started";
    if (in.browser == browser_evidence::ran)
        why += " and the page logged " + std::to_string(in.console_errors) + " console error" +
               (in.console_errors == 1 ? "" : "s");
    if (in.browser == browser_evidence::not_run) why += " (the browser could not run: no 200)";
    return {true, why};
}

}  // namespace r1::providers
