#pragma once
/// The verification gate between a rollout's waves: every app deployed so far gets its health check
/// again, many at once, before the next wave may start.
#include "engine/health_check.hpp"

#include <boost/asio/awaitable.hpp>

#include <cstddef>
#include <vector>

namespace r1::net {
class http_client;
}

namespace r1::cli {

struct gate_check {
    std::size_t task = 0;  // whose check it is, handed back in the result
    engine::health_config check;
};

struct gate_result {
    std::size_t task = 0;
    engine::health_report report;
};

/// Runs every check, at most `concurrency` at once, on the calling coroutine's executor; results in
/// the order of `checks`. An interrupt (total cancellation) stops the checks in flight and starts no
/// more: those report r1::error::interrupted.
boost::asio::awaitable<std::vector<gate_result>> recheck(net::http_client& http, std::vector<gate_check> checks,
                                                         unsigned concurrency);

}  // namespace r1::cli
