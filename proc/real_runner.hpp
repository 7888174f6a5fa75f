#pragma once
/// The runner that starts real processes: posix_spawn into a new process group, pipes read on the loop.
#include "proc/runner.hpp"

namespace r1::proc {

class real_runner final : public runner {
public:
    boost::asio::awaitable<boost::system::result<run_output>> run(run_request req) override;
};

}  // namespace r1::proc
