#include "cli/batch_gate.hpp"

#include "engine/error.hpp"
#include "net/http_client.hpp"

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/deferred.hpp>
#include <boost/asio/experimental/parallel_group.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>

#include <algorithm>
#include <exception>
#include <memory>

namespace r1::cli {
namespace {

namespace asio = boost::asio;

struct shared_work {
    std::vector<gate_check> checks;
    std::vector<gate_result> results;
    std::size_t next = 0;  // the one executor's: no lock
};

/// Takes checks until none is left or the gate is interrupted.
asio::awaitable<void> checker(net::http_client& http, std::shared_ptr<shared_work> work) {
    // Total cancellation, an interrupt's first signal, must reach the check in flight.
    co_await asio::this_coro::reset_cancellation_state(asio::enable_total_cancellation());
    co_await asio::this_coro::throw_if_cancelled(false);
    auto cs = co_await asio::this_coro::cancellation_state;
    while (work->next < work->checks.size()) {
        std::size_t i = work->next++;
        auto& result = work->results[i];
        result.task = work->checks[i].task;
        if (cs.cancelled() != asio::cancellation_type::none) {
            result.report.ec = make_error_code(error::interrupted);
            result.report.line = "health check: interrupted";
            continue;
        }
        result.report = co_await engine::check_health(http, std::move(work->checks[i].check));
    }
}

}  // namespace

asio::awaitable<std::vector<gate_result>> recheck(net::http_client& http, std::vector<gate_check> checks,
                                                  unsigned concurrency) {
    auto work = std::make_shared<shared_work>();
    work->results.resize(checks.size());
    work->checks = std::move(checks);
    if (work->checks.empty()) co_return std::move(work->results);
    auto ex = co_await asio::this_coro::executor;
    using op = decltype(asio::co_spawn(ex, checker(http, work), asio::deferred));
    std::vector<op> ops;
    std::size_t n = std::min<std::size_t>(std::max(1u, concurrency), work->checks.size());
    for (std::size_t i = 0; i < n; ++i) ops.push_back(asio::co_spawn(ex, checker(http, work), asio::deferred));
    // wait_for_all: an interrupt reaches every checker through the group, and each ends on its own.
    auto [order, errors] = co_await asio::experimental::make_parallel_group(std::move(ops))
                               .async_wait(asio::experimental::wait_for_all(), asio::use_awaitable);
    (void)order;
    for (const auto& e : errors)
        if (e) std::rethrow_exception(e);  // a bug in a check: the fleet rethrows it after the rest ended
    co_return std::move(work->results);
}

}  // namespace r1::cli
