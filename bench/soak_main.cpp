// Soak: runs one `r1 verify` batch over and over in a single process for a fixed time and prints
// the process's memory, descriptors and threads after each round, so a leak shows as a slope.
// Not a test: bench/soak.sh starts the loopback farm and runs this (see bench/README.md).
//
//   r1_soak SECONDS verify [r1 verify flags and URLs...]
#include "cli/args.hpp"
#include "cli/batch_command.hpp"

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>
#include <string_view>
#include <vector>

#include <fcntl.h>
#include <unistd.h>

namespace {

/// A "Name:   123 kB" field of /proc/self/status, in kB (or a count for Threads).
long status_field(std::string_view name) {
    std::ifstream in("/proc/self/status");
    for (std::string line; std::getline(in, line);)
        if (line.starts_with(name) && line.size() > name.size() && line[name.size()] == ':')
            return std::strtol(line.c_str() + name.size() + 1, nullptr, 10);
    return -1;
}

long open_fds() {
    long n = 0;
    for ([[maybe_unused]] const auto& e : std::filesystem::directory_iterator("/proc/self/fd")) ++n;
    return n - 1;  // the iterator's own descriptor
}

}  // namespace

int main(int argc, char** argv) {
    if (argc < 4) {
        std::fprintf(stderr, "usage: r1_soak SECONDS verify [r1 verify flags and URLs...]\n");
        return 2;
    }
    const double seconds = std::strtod(argv[1], nullptr);
    std::vector<std::string_view> args(argv + 2, argv + argc);
    auto parsed = r1::cli::parse_args(args);
    if (auto* problem = std::get_if<r1::cli::usage_problem>(&parsed)) {
        std::fprintf(stderr, "r1_soak: %s\n", problem->message.c_str());
        return 2;
    }
    const auto& cmd = std::get<r1::cli::command>(parsed);
    if (cmd.what != r1::cli::action::batch) {
        std::fprintf(stderr, "r1_soak: give an r1 verify command\n");
        return 2;
    }

    // r1's own per-task lines go to /dev/null; this report goes to the original stdout.
    int report_fd = ::dup(1);
    int null_fd = ::open("/dev/null", O_WRONLY | O_CLOEXEC);
    if (report_fd < 0 || null_fd < 0 || ::dup2(null_fd, 1) < 0) {
        std::perror("r1_soak: redirecting stdout");
        return 2;
    }
    FILE* report = ::fdopen(report_fd, "w");
    std::setvbuf(report, nullptr, _IOLBF, 0);
    std::fprintf(report, "round elapsed_s round_s exit rss_kb hwm_kb fds threads\n");

    const auto start = std::chrono::steady_clock::now();
    int worst = 0;
    for (int round = 1;; ++round) {
        auto t0 = std::chrono::steady_clock::now();
        int code = r1::cli::run_batch(cmd);
        auto t1 = std::chrono::steady_clock::now();
        if (code != 0 && worst == 0) worst = code;
        std::fprintf(report, "%d %.1f %.2f %d %ld %ld %ld %ld\n", round,
                     std::chrono::duration<double>(t1 - start).count(), std::chrono::duration<double>(t1 - t0).count(),
                     code, status_field("VmRSS"), status_field("VmHWM"), open_fds(), status_field("Threads"));
        if (code == 130 || code == 143) break;
        if (std::chrono::duration<double>(t1 - start).count() >= seconds) break;
    }
    return worst;
}
