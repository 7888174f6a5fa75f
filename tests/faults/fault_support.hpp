#pragma once
/// Shared by the fault-injection tests: r1 run as a user runs it, against the stand-in flyctl and
/// loopback servers, with the pids each stand-in recorded checked in /proc afterwards.
#include "tests/support/fake_flyctl.hpp"
#include "tests/support/output_checks.hpp"
#include "tests/support/processes.hpp"
#include "tests/support/r1_process.hpp"

#include <boost/json/parse.hpp>
#include <boost/json/value.hpp>
#include <boost/json/value_to.hpp>

#include <algorithm>
#include <chrono>
#include <csignal>
#include <filesystem>
#include <initializer_list>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include <sys/stat.h>

namespace r1::test::faults {

using sclock = std::chrono::steady_clock;

#if defined(__SANITIZE_ADDRESS__)
// ASan's shadow memory and allocator regions (~95 MiB for one r1 whatever its output: measured flat
// from 100 to 300 MB of flood) and its quarantine of freed blocks (the flood tests cap it at 1 MiB),
// not r1's buffers.
inline constexpr long rss_ceiling_kb = 192 * 1024;
#else
inline constexpr long rss_ceiling_kb = 32 * 1024;
#endif

/// `r1 deploy` of demo-app with the stand-in in `mode`, no retries unless `extra` sets them.
inline r1_options deploy_opts(const fake_flyctl& fly, const std::string& mode, std::vector<std::string> extra) {
    r1_options o;
    o.args = {"deploy", "--app", "demo-app", "--flyctl", fly.path(), "--retries", "0"};
    o.args.insert(o.args.end(), extra.begin(), extra.end());
    o.env = {{"FAKE_FLY_RECORD", fly.record_dir()}, {"FAKE_FLY_MODE", mode}};
    return o;
}

/// Every pid in a file of pids, one per line (empty when the file is missing).
inline std::vector<pid_t> pids_in(const std::filesystem::path& file) {
    std::vector<pid_t> pids;
    std::istringstream in(read_file(file));
    for (pid_t p; in >> p;) pids.push_back(p);
    return pids;
}

/// The pids in `file` once it holds `n` of them (waits up to `ms`).
inline std::vector<pid_t> wait_for_pids(const std::filesystem::path& file, std::size_t n, int ms = 10'000) {
    auto until = sclock::now() + std::chrono::milliseconds(ms);
    auto pids = pids_in(file);
    while (pids.size() < n && sclock::now() < until) {
        std::this_thread::sleep_for(std::chrono::milliseconds(10));
        pids = pids_in(file);
    }
    return pids;
}

/// The survivors among `pids` after `ms` (zombies count as gone).
inline std::vector<pid_t> survivors(const std::vector<pid_t>& pids, int ms = 500) {
    std::vector<pid_t> alive;
    for (auto p : pids)
        if (!wait_until_gone(p, ms)) alive.push_back(p);
    return alive;
}

inline double seconds_since(sclock::time_point t) {
    return std::chrono::duration<double>(sclock::now() - t).count();
}

/// How r1 ended after the test sent it `signals`, in order, and how long it took from the first.
struct signalled_run {
    r1_result result;
    double seconds = 0;
};

inline signalled_run signal_and_wait(r1_process& r1p, std::initializer_list<int> signals) {
    auto sent = sclock::now();
    for (int sig : signals) r1p.signal(sig);
    auto result = r1p.wait();
    return {std::move(result), seconds_since(sent)};
}

/// A script in `dir` that runs `fly` in `mode`, recording under `record`: lets each app of a batch
/// behave differently while sharing one environment.
inline std::string mode_wrapper(const std::filesystem::path& dir, const fake_flyctl& fly, const std::string& mode,
                                const std::string& record) {
    auto path = dir / ("flyctl-" + mode);
    write_file(path, "#!/bin/sh\nFAKE_FLY_MODE=" + mode + " FAKE_FLY_RECORD=" + record + " exec " + fly.path() +
                         " \"$@\"\n");
    ::chmod(path.c_str(), 0755);
    return path.string();
}

}  // namespace r1::test::faults
