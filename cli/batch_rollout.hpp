#pragma once
/// The rollout side of a batch: the launch order (canaries first) and its waves, the region caps,
/// the verification gate between waves, and the words for the tasks that never started.
#include "cli/batch_record.hpp"
#include "cli/command.hpp"
#include "cli/rollout.hpp"
#include "engine/fleet.hpp"

#include <boost/asio/awaitable.hpp>

#include <cstdint>
#include <functional>
#include <map>
#include <string>
#include <vector>

namespace r1::net {
class http_client;
}

namespace r1::cli {

class batch_rollout {
public:
    struct services {
        net::http_client& http;
        unsigned gate_concurrency;                      // health checks at once in a gate
        std::function<void(const std::string&)> say;    // a line for people (nothing with --output json)
        std::function<void(const std::string&)> event;  // an NDJSON line (nothing in text mode)
        std::function<void(std::size_t task)> now_failed;  // a task the gate found unhealthy
    };

    /// `config(i)` is task i's settings; `regions[i]` where deploy i goes ("" or past the end: nowhere).
    batch_rollout(const command& cmd, batch_outcome& outcome, std::function<const deploy_config&(std::size_t)> config,
                  std::vector<std::string> regions, std::map<std::string, unsigned, std::less<>> region_caps,
                  services svc);

    /// Orders the launch, cuts it into waves (outcome.waves, each task's wave) and caps the regions.
    void plan(engine::fleet_options& opts, const std::vector<wave_step>& waves);

    /// The task at launch position `p`: canaries and waves reorder the launch, never the records.
    std::size_t task_at(std::size_t p) const { return order_.empty() ? p : order_[p]; }

    void wave_started(std::size_t wave);

    /// Between waves, with no task running: the failures against the budget (none for canaries),
    /// then every app that ended ok so far must pass its health check again.
    boost::asio::awaitable<bool> gate(std::size_t wave);

    /// Why the tasks never launched were not, for their records; sets outcome.stopped_by.
    std::string stop_reason(const engine::fleet_summary& fleet);

private:
    void cap_regions(engine::fleet_options& opts);
    std::string wave_name(std::size_t wave) const;
    bool gate_failed(std::size_t wave, std::string why);

    const command& cmd_;
    batch_outcome& outcome_;
    std::function<const deploy_config&(std::size_t)> config_;
    std::vector<std::string> regions_;
    std::map<std::string, unsigned, std::less<>> region_caps_;
    services svc_;
    std::vector<std::size_t> order_;           // launch position -> task; empty: file order
    std::vector<std::uint32_t> region_group_;  // launch position -> its region's group, when capped
    std::string gate_reason_;                  // a failed gate's words for the tasks it kept back
};

}  // namespace r1::cli
