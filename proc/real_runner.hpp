#pragma once
/// The runner that starts real processes: posix_spawn into a new process group, pipes read on the loop.
#include "engine/redact/redact.hpp"
#include "proc/runner.hpp"

namespace r1::proc {

class real_runner final : public runner {
public:
    /// Each of the child's streams is scrubbed as it arrives, before the tail, on_output or anyone
    /// else sees it: provider CLIs print tokens (debug lines, HTTP traces, config dumps).
    explicit real_runner(const engine::redactor& redact = engine::process_redactor()) : redact_(redact) {}

    boost::asio::awaitable<boost::system::result<run_output>> run(run_request req) override;

private:
    const engine::redactor& redact_;
};

}  // namespace r1::proc
