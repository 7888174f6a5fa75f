#pragma once
/// A scripted proc::runner for unit tests: replies by argv prefix and records every call.
#include "proc/runner.hpp"

#include <string>
#include <utility>
#include <vector>

namespace r1::test {

class fake_runner final : public proc::runner {
public:
    /// Calls whose argv (after argv[0]) starts with `prefix` get `reply`; its out/err also go to on_output.
    void reply(std::vector<std::string> prefix, proc::run_output out) { replies_.emplace_back(std::move(prefix), std::move(out)); }
    const std::vector<proc::run_request>& calls() const noexcept { return calls_; }

    boost::asio::awaitable<boost::system::result<proc::run_output>> run(proc::run_request req) override;

private:
    std::vector<std::pair<std::vector<std::string>, proc::run_output>> replies_;
    std::vector<proc::run_request> calls_;
};

}  // namespace r1::test
