#include "cli/batch_rollout.hpp"

#include "cli/batch_gate.hpp"
#include "cli/batch_output.hpp"
#include "cli/exit_code.hpp"
#include "engine/error.hpp"
#include "engine/text/text.hpp"
#include "providers/deploy.hpp"

#include <algorithm>
#include <chrono>

namespace r1::cli {

batch_rollout::batch_rollout(const command& cmd, batch_outcome& outcome,
                             std::function<const deploy_config&(std::size_t)> config, std::vector<std::string> regions,
                             std::map<std::string, unsigned, std::less<>> region_caps, services svc)
    : cmd_(cmd), outcome_(outcome), config_(std::move(config)), regions_(std::move(regions)),
      region_caps_(std::move(region_caps)), svc_(std::move(svc)) {}

void batch_rollout::plan(engine::fleet_options& opts, const std::vector<wave_step>& waves) {
    outcome_.max_failures = cmd_.batch.fail_fast ? 1 : cmd_.batch.max_failures;
    std::vector<bool> marked(outcome_.tasks.size());
    for (std::size_t i = 0; i < marked.size(); ++i) marked[i] = config_(i).canary;
    bool any_marked = std::find(marked.begin(), marked.end(), true) != marked.end();
    if (cmd_.batch.canary != 0 || !waves.empty() || any_marked) {
        auto plan = plan_rollout(marked, cmd_.batch.canary, waves);
        if (plan.wave_ends.size() > 1) {  // one wave: nothing to gate
            order_ = std::move(plan.order);
            opts.wave_ends = plan.wave_ends;
            std::size_t begin = 0;
            for (std::size_t w = 0; w < plan.wave_ends.size(); ++w) {
                auto& wave = outcome_.waves.emplace_back();
                wave.tasks = plan.wave_ends[w] - begin;
                wave.canary = w == 0 && plan.canaries > 0;
                for (std::size_t p = begin; p < plan.wave_ends[w]; ++p) outcome_.tasks[order_[p]].wave = w + 1;
                begin = plan.wave_ends[w];
            }
        }
    }
    cap_regions(opts);
}

/// --region-concurrency and [region.CODE]: one group per region that deploys go to; checks and
/// previews (no provider CLI) share one uncapped group.
void batch_rollout::cap_regions(engine::fleet_options& opts) {
    if (region_caps_.empty() && cmd_.batch.region_concurrency == 0) return;
    std::map<std::string, std::size_t, std::less<>> ids;
    std::vector<unsigned> caps{0};  // group 0: no region, no cap
    region_group_.assign(outcome_.tasks.size(), 0);
    for (std::size_t p = 0; p < outcome_.tasks.size(); ++p) {
        std::size_t i = task_at(p);
        const auto& cfg = config_(i);
        if (cfg.dry_run || cfg.verify_only || i >= regions_.size() || regions_[i].empty()) continue;
        auto [it, fresh] = ids.emplace(regions_[i], caps.size());
        if (fresh) {
            auto given = region_caps_.find(regions_[i]);
            caps.push_back(given != region_caps_.end() ? given->second : cmd_.batch.region_concurrency);
        }
        region_group_[p] = static_cast<std::uint32_t>(it->second);
    }
    if (std::all_of(caps.begin(), caps.end(), [](unsigned c) { return c == 0; })) return;
    opts.limits.push_back({[this](std::size_t p) -> std::size_t { return region_group_[p]; }, std::move(caps)});
}

std::string batch_rollout::wave_name(std::size_t w) const {
    return "wave " + std::to_string(w + 1) + "/" + std::to_string(outcome_.waves.size()) +
           (outcome_.waves[w].canary ? " (canaries)" : "");
}

void batch_rollout::wave_started(std::size_t w) {
    svc_.event(wave_start_json(outcome_, w));
    auto n = outcome_.waves[w].tasks;
    svc_.say("r1: " + wave_name(w) + ": " + std::to_string(n) + (n == 1 ? " task\n" : " tasks\n"));
}

boost::asio::awaitable<bool> batch_rollout::gate(std::size_t w) {
    auto& wave = outcome_.waves[w];
    const std::size_t tolerated = wave.canary || outcome_.max_failures == 0 ? 0 : outcome_.max_failures - 1;
    std::size_t failed = 0;
    const task_record* first_failed = nullptr;
    std::vector<gate_check> checks;
    auto now = std::chrono::steady_clock::now();
    for (std::size_t i = 0; i < outcome_.tasks.size(); ++i) {
        const auto& r = outcome_.tasks[i];
        if (r.wave == 0 || r.wave > w + 1) continue;
        if (r.state == task_state::failed) {
            ++failed;
            if (!first_failed || (r.wave == w + 1 && first_failed->wave != w + 1)) first_failed = &r;
        } else if (r.state == task_state::ok && !config_(i).dry_run && !r.url.empty()) {
            checks.push_back({i, health_check_of(config_(i), r.url, now)});
        }
    }
    if (failed > tolerated) {
        std::string who = first_failed->name + " (exit " + std::to_string(first_failed->exit_code) + ")";
        co_return gate_failed(w, wave.canary ? "canary " + who + " failed"
                                             : who + " failed" +
                                                   (failed > 1 ? " with " + std::to_string(failed - 1) + " more" : "") +
                                                   (outcome_.max_failures
                                                        ? " (--max-failures " + std::to_string(outcome_.max_failures) + ")"
                                                        : ""));
    }
    auto results = co_await recheck(svc_.http, std::move(checks), svc_.gate_concurrency);
    std::size_t sick = 0;
    std::string first_sick;  // "web is no longer healthy: health check: got HTTP 503 ..."
    for (auto& res : results) {
        if (res.report.ec == error::interrupted) {
            wave.gate = "interrupted";
            co_return false;
        }
        if (!res.report.ec) continue;
        // It deployed and was healthy; now it is not: the task fails as a health check does.
        auto& r = outcome_.tasks[res.task];
        r.state = task_state::failed;
        r.exit_code = exit_code_for(res.report.ec, 0);
        r.detail = detail_line("gate after " + wave_name(w) + ": " + res.report.line);
        svc_.now_failed(res.task);
        if (first_sick.empty()) first_sick = r.name + " is no longer healthy: " + res.report.line;
        ++sick;
        svc_.event(task_end_json(r));
    }
    if (sick > 0) co_return gate_failed(w, first_sick + (sick > 1 ? " (and " + std::to_string(sick - 1) + " more)" : ""));
    wave.gate = "passed";
    wave.gate_detail = results.empty() ? std::string(outcome_.dry_run ? "dry run: nothing to check" : "nothing to check")
                                       : std::to_string(results.size()) + (results.size() == 1 ? " app" : " apps") +
                                             " deployed so far healthy";
    svc_.event(wave_gate_json(outcome_, w));
    svc_.say("r1: " + wave_name(w) + " passed its gate: " + wave.gate_detail + "\n");
    co_return true;
}

bool batch_rollout::gate_failed(std::size_t w, std::string why) {
    auto& wave = outcome_.waves[w];
    wave.gate = "failed";
    wave.gate_detail = engine::printable(why, true);
    gate_reason_ = "not started: " + std::string(wave.canary ? "" : wave_name(w) + " failed its gate: ") + wave.gate_detail;
    svc_.event(wave_gate_json(outcome_, w));
    svc_.say("r1: " + wave_name(w) + " failed its gate: " + wave.gate_detail + "; the rest are not started\n");
    return false;
}

std::string batch_rollout::stop_reason(const engine::fleet_summary& fleet) {
    switch (fleet.stop) {
    case engine::fleet_stop::none: return "not started";
    case engine::fleet_stop::interrupted:
        outcome_.stopped_by = "interrupt";
        return "not started: interrupted by " + signal_name(fleet.signal);
    case engine::fleet_stop::failures:
        outcome_.stopped_by = cmd_.batch.fail_fast ? "fail-fast" : "max-failures";
        return cmd_.batch.fail_fast ? "not started: --fail-fast stopped the batch at the first failure"
                                    : "not started: --max-failures " + std::to_string(outcome_.max_failures) +
                                          " reached (" + std::to_string(fleet.failed) + " failed)";
    case engine::fleet_stop::gate:
        outcome_.stopped_by = outcome_.waves[fleet.gate_wave].canary ? "canary" : "gate";
        return gate_reason_.empty() ? "not started: a wave's gate failed" : gate_reason_;
    }
    return "not started";
}

}  // namespace r1::cli
