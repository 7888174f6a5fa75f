#include "tests/support/fake_runner.hpp"

#include <algorithm>

namespace r1::test {

boost::asio::awaitable<boost::system::result<proc::run_output>> fake_runner::run(proc::run_request req) {
    calls_.push_back(req);
    for (const auto& [prefix, out] : replies_) {
        if (req.argv.size() < prefix.size() + 1) continue;
        if (!std::equal(prefix.begin(), prefix.end(), req.argv.begin() + 1)) continue;
        if (req.on_output) {
            if (!out.out_tail.empty()) req.on_output(proc::stream::out, out.out_tail);
            if (!out.err_tail.empty()) req.on_output(proc::stream::err, out.err_tail);
        }
        co_return out;
    }
    co_return make_error_code(boost::system::errc::no_such_file_or_directory);
}

}  // namespace r1::test
