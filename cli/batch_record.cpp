#include "cli/batch_record.hpp"

#include "cli/exit_code.hpp"

namespace r1::cli {

std::string_view to_string(task_state s) noexcept {
    switch (s) {
    case task_state::pending: return "pending";
    case task_state::running: return "running";
    case task_state::ok: return "ok";
    case task_state::failed: return "failed";
    case task_state::interrupted: return "interrupted";
    case task_state::skipped: return "skipped";
    case task_state::unknown: return "unknown";
    }
    return "pending";
}

batch_counts count(const std::vector<task_record>& tasks) {
    batch_counts c;
    c.total = tasks.size();
    for (const auto& t : tasks) {
        switch (t.state) {
        case task_state::ok: ++c.ok; break;
        case task_state::failed: ++c.failed; break;
        case task_state::interrupted: ++c.interrupted; break;
        case task_state::running: ++c.running; break;
        case task_state::pending:
        case task_state::skipped: ++c.skipped; break;
        case task_state::unknown: ++c.unknown; break;
        }
    }
    return c;
}

int batch_exit_code(const std::vector<task_record>& tasks, int signal) {
    if (signal != 0) return exit_code_for_signal(signal);
    int worst = exit_ok;
    for (const auto& t : tasks) {
        if (t.state == task_state::failed && outranks(t.exit_code, worst)) worst = t.exit_code;
        if (t.state == task_state::unknown && outranks(exit_incomplete, worst)) worst = exit_incomplete;
    }
    return worst;
}

}  // namespace r1::cli
