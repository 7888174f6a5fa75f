#pragma once
/// When --auto-rollback rolls a release back: the seed's strict predicate, as one pure function.
#include <chrono>
#include <string>

namespace r1::providers {

/// A release must have failed for this long, counted from the start of the deploy step, before
/// it is rolled back: a fast failure is re-checked until then, so a late recovery is kept.
inline constexpr std::chrono::seconds rollback_min_age{30};

/// What the browser check (issue 18) said about the page, when it is on.
enum class browser_evidence {
    off,      // no browser check asked for
    not_run,  // asked for, but it runs only after a 200, and the health check never gave one
    ran,      // ran: console_errors is its count
};

struct rollback_inputs {
    bool health_passed = false;  // DEPLOY-HEALTH-200 passed in the last evaluation
    std::chrono::milliseconds since_deploy_start{0};
    browser_evidence browser = browser_evidence::off;
    unsigned console_errors = 0;
    bool have_target = false;  // the pre-flight found a release serving before the deploy
};

struct rollback_decision {
    bool roll_back = false;
    std::string why;  // why, or why not, in words for the operator
};

/// Rolls back only when all hold: the health check is not 200 after the warm-up, at least 30 s
/// have passed since the deploy started, and (with the browser on) the page logged console
/// errors. A browser that could not run because HTTP failed counts as errors seen: a page that
/// does not answer 200 is worse news than one that logs errors. A first deploy has nothing to go
/// back to.
rollback_decision decide_rollback(const rollback_inputs& in);

}  // namespace r1::providers
