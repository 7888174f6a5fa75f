#pragma once
/// One batch task's output: a bounded tail in memory (shown under a failed task's line and kept as
/// the reports' output_tail) and, with --log-dir, all of it in the task's file. The file starts with
/// r1's command line (secrets masked) and directory, every line carries the time, and r1's own
/// decisions (the commands it runs, attempts, retries and their waits, criteria) appear among the
/// provider's lines in the order they happened.
#include "proc/output_tail.hpp"
#include "proc/runner.hpp"

#include <cstdint>
#include <string>
#include <string_view>

namespace r1::cli {

/// The file name of a task's log in --log-dir: the app's name, or for a URL (`is_url`) a safe form
/// of it with the task's position ("task-3-https___example.com_healthz.log").
std::string log_file_name(std::string_view name, bool is_url, std::size_t index);

class task_output {
public:
    /// `log_fd`: the task's file in --log-dir (owned from here on), or -1.
    task_output(int log_fd, std::size_t tail_bytes);
    ~task_output();
    task_output(const task_output&) = delete;
    task_output& operator=(const task_output&) = delete;

    /// The log's first lines: r1's command line and working directory, then `task` ("task api (fly)
    /// in services/api"). Nothing reaches the tail.
    void header(std::string_view task);
    /// The provider CLI's output, as it arrives: each line in the log as "<time> | <line>".
    void append(std::string_view chunk);
    /// One of r1's own lines ("r1: attempt 2 (env-fix) ..."), as "<time> r1: ..." in the log and,
    /// with `to_tail`, in the tail too.
    void note(std::string_view line, bool to_tail = true);

    std::string tail() const { return tail_.str(); }
    bool tail_empty() const noexcept { return tail_bytes_ == 0; }
    std::uint64_t bytes() const noexcept { return bytes_; }  // the provider's, not r1's notes

private:
    void log(const std::string& text);

    std::uint64_t bytes_ = 0;
    std::uint64_t tail_bytes_ = 0;
    proc::output_tail tail_;
    int fd_ = -1;
    bool at_line_start_ = true;  // in the log: the next provider byte starts a line
};

/// Runs each command through `inner`, noting in `out` what runs (argv, shell-quoted; its directory)
/// and how it ended: the log says which command printed what, and for how long it ran.
class logging_runner final : public proc::runner {
public:
    logging_runner(proc::runner& inner, task_output& out) : inner_(inner), out_(out) {}
    boost::asio::awaitable<boost::system::result<proc::run_output>> run(proc::run_request req) override;

private:
    proc::runner& inner_;
    task_output& out_;
};

/// r1's own argv, recorded once by main() for the logs' first line.
void set_command_line(int argc, const char* const* argv);
/// The recorded argv, each argument shell-quoted where needed and made printable.
std::string command_line();

}  // namespace r1::cli
