#pragma once
/// Runs one external command and collects its output. A non-zero exit is data, not an error.
#include <boost/asio/awaitable.hpp>
#include <boost/system/result.hpp>

#include <chrono>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace r1::proc {

enum class stream { out, err };

struct run_request {
    std::vector<std::string> argv;  // argv[0] is the program's path; no shell, no $PATH search
    std::string cwd;                // empty: r1's own working directory
    /// "NAME=value" entries set in the child's environment on top of r1's own, which it inherits
    /// whole (credentials reach provider CLIs that way). Never a credential here: a file path, a
    /// switch (wrangler's WRANGLER_OUTPUT_FILE_PATH).
    std::vector<std::string> env;
    std::chrono::steady_clock::time_point deadline = std::chrono::steady_clock::time_point::max();
    /// Between the polite signal (at the deadline or on cancellation) and SIGKILL.
    std::chrono::milliseconds kill_grace{5000};
    /// Called with each chunk as it arrives, so a build log can be shown live. May be empty. A runner
    /// may scrub secrets first (real_runner does), so chunks need not match the child's reads.
    std::function<void(stream, std::string_view)> on_output;
    std::size_t tail_bytes = 64 * 1024;  // how much of each stream's end run_output keeps
    /// Written to the child's stdin on a pipe, which is then closed; a child that exits or closes
    /// its stdin unread is not an error. nullopt: stdin is /dev/null.
    std::optional<std::string> stdin_data;
    /// False: the child gets r1's environment without the variables named like secrets
    /// (engine::env_name_looks_secret), for a program that needs no credentials (git).
    bool pass_secrets = true;
};

struct run_output {
    int exit_code = -1;      // valid when signal == 0
    int signal = 0;          // the signal that ended the child, 0 when it exited
    bool timed_out = false;  // r1 stopped it at the deadline
    bool cancelled = false;  // r1 stopped it because r1 itself was cancelled (SIGINT / SIGTERM)
    std::string out_tail;    // the last tail_bytes of stdout
    std::string err_tail;    // the last tail_bytes of stderr
    std::uint64_t out_bytes = 0;  // bytes the child wrote, before any scrubbing
    std::uint64_t err_bytes = 0;

    bool succeeded() const noexcept { return signal == 0 && exit_code == 0 && !timed_out && !cancelled; }
};

/// The child runs in its own process group; when it ends, is stopped, or r1 is cancelled, the whole
/// group (grandchildren too) is gone before run() returns. Errors are spawn failures (errno codes).
/// Cancellation: total -> SIGINT, partial -> SIGTERM, terminal -> SIGKILL to the group; the deadline
/// sends SIGTERM; SIGKILL follows kill_grace later if the child is still there.
class runner {
public:
    virtual ~runner() = default;
    virtual boost::asio::awaitable<boost::system::result<run_output>> run(run_request req) = 0;
};

}  // namespace r1::proc
