#include "cli/task_log.hpp"

#include "cli/fd_write.hpp"
#include "cli/ndjson.hpp"
#include "engine/text/duration.hpp"
#include "engine/text/text.hpp"
#include "providers/adapter_kit.hpp"

#include <cctype>
#include <cstdio>
#include <filesystem>
#include <vector>

#include <unistd.h>

namespace r1::cli {

std::string log_file_name(std::string_view name, bool is_url, std::size_t index) {
    if (!is_url) return std::string(name) + ".log";
    std::string safe;
    for (char c : name.substr(0, 80))
        safe += (std::isalnum(static_cast<unsigned char>(c)) || c == '.' || c == '-') ? c : '_';
    return "task-" + std::to_string(index + 1) + "-" + safe + ".log";
}
namespace {

std::vector<std::string>& recorded_argv() {
    static std::vector<std::string> argv;
    return argv;
}

std::string now_text() { return timestamp_ms(std::chrono::system_clock::now()); }

std::string elapsed_text(std::chrono::steady_clock::duration d) {
    char buf[32];
    std::snprintf(buf, sizeof buf, "%.2fs", std::chrono::duration<double>(d).count());
    return buf;
}

}  // namespace

void set_command_line(int argc, const char* const* argv) {
    auto& out = recorded_argv();
    out.assign(argv, argv + argc);
}

std::string command_line() {
    auto argv = recorded_argv();
    if (!argv.empty()) argv.front() = std::filesystem::path(argv.front()).filename().string();
    return providers::shell_words(argv);
}

task_output::task_output(int log_fd, std::size_t tail_bytes) : tail_(tail_bytes), fd_(log_fd) {}

task_output::~task_output() {
    if (fd_ >= 0) ::close(fd_);
}

void task_output::log(const std::string& text) {
    // write_fd masks secrets again (r1's argv, a token a provider echoed). A full disk loses the
    // log, not the deploy.
    if (fd_ >= 0 && !write_fd(fd_, text)) {
        ::close(fd_);
        fd_ = -1;
    }
}

void task_output::header(std::string_view task) {
    if (fd_ < 0) return;
    std::error_code ec;
    auto cwd = std::filesystem::current_path(ec);
    auto ts = now_text();
    log(ts + " r1: " + command_line() + "\n" + ts + " r1: in " + engine::printable(ec ? "?" : cwd.string(), true) +
        "\n" + ts + " r1: " + std::string(task) + "\n");
}

void task_output::append(std::string_view chunk) {
    bytes_ += chunk.size();
    tail_bytes_ += chunk.size();
    tail_.append(chunk);
    if (chunk.empty()) return;
    if (fd_ < 0) {
        at_line_start_ = chunk.back() == '\n';
        return;
    }
    const std::string stamp = now_text() + " | ";
    std::string out;
    out.reserve(chunk.size() + 64);
    while (!chunk.empty()) {
        if (at_line_start_) out += stamp;
        auto nl = chunk.find('\n');
        auto piece = chunk.substr(0, nl == std::string_view::npos ? chunk.size() : nl + 1);
        out.append(piece);
        at_line_start_ = nl != std::string_view::npos;
        chunk.remove_prefix(piece.size());
    }
    log(out);
}

void task_output::note(std::string_view line, bool to_tail) {
    std::string text(line);
    if (text.empty() || text.back() != '\n') text += '\n';
    const bool mid_line = !at_line_start_;  // the provider's unfinished line ends here
    at_line_start_ = true;
    if (to_tail) {
        if (mid_line) tail_.append("\n");
        tail_.append(text);
        tail_bytes_ += text.size();
    }
    if (fd_ < 0) return;
    std::string out = mid_line ? "\n" : "";
    std::string_view rest = text;
    const std::string stamp = now_text() + " ";
    while (!rest.empty()) {
        auto nl = rest.find('\n');
        out += stamp + std::string(rest.substr(0, nl + 1));
        rest.remove_prefix(nl + 1);
    }
    log(out);
}

boost::asio::awaitable<boost::system::result<proc::run_output>> logging_runner::run(proc::run_request req) {
    std::string program = req.argv.empty() ? std::string() : std::filesystem::path(req.argv.front()).filename().string();
    out_.note("r1: run: " + providers::shell_words(req.argv) +
                  (req.cwd.empty() ? std::string() : " (in " + engine::printable(req.cwd, true) + ")"),
              false);
    auto began = std::chrono::steady_clock::now();
    auto ran = co_await inner_.run(std::move(req));
    auto took = elapsed_text(std::chrono::steady_clock::now() - began);
    if (!ran) {
        out_.note("r1: " + engine::printable(program, true) + " could not start: " + ran.error().message(), false);
    } else {
        const auto& o = *ran;
        std::string how = o.cancelled   ? "was stopped: r1 was interrupted"
                          : o.timed_out ? "was stopped at its deadline"
                          : o.signal    ? "was killed by signal " + std::to_string(o.signal)
                                        : "exited " + std::to_string(o.exit_code);
        out_.note("r1: " + engine::printable(program, true) + " " + how + " after " + took, false);
    }
    co_return ran;
}

}  // namespace r1::cli
