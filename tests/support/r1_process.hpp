#pragma once
/// Runs the real r1 binary as a child, the way an operator or a CI job would, and collects the result.
#include <atomic>
#include <mutex>
#include <string>
#include <string_view>
#include <thread>
#include <utility>
#include <vector>

#include <sys/types.h>

namespace r1::test {

/// tests/support/output_dump.hpp
struct report_before {
    bool existed = false;
    unsigned long long inode = 0, size = 0;
    long long mtime_ns = 0;
};

struct r1_options {
    std::vector<std::string> args;
    std::vector<std::pair<std::string, std::string>> env;  // set (or override) in r1's environment
    std::vector<std::string> unset_env;
    /// A program (absolute path) and its arguments that r1 runs under, execing r1 in its own place
    /// (same pid, so signals and exit codes are r1's): `unshare -n` runs it in an empty network
    /// namespace, so a real provider CLI cannot reach anything; with_private_resolver() gives it
    /// its own resolv.conf and hosts.
    std::vector<std::string> wrapper;
    std::string cwd;          // empty: the test's own
    std::string stdin_data;   // what r1 reads on stdin (empty: /dev/null)
    int timeout_ms = 60'000;  // r1 is killed past it and the test fails
    /// > 0: RLIMIT_NOFILE, soft and hard, set to this in the child before exec (`ulimit -n N`, which
    /// r1 cannot raise again), and no descriptor but 0, 1 and 2 inherited from the test process.
    int max_open_files = 0;
    /// r1's stderr is a pseudo-terminal (raw mode: bytes pass unchanged), so isatty(2) holds in r1;
    /// what r1 writes there comes back in r1_result::err. Not with max_open_files.
    bool stderr_terminal = false;
};

struct r1_result {
    int exit_code = -1;  // -1 when r1 was killed by a signal
    int signal = 0;
    bool core_dumped = false;  // the kernel wrote a core dump when the signal ended r1
    std::string out;
    std::string err;
    long max_rss_kb = 0;  // peak VmHWM seen while r1 ran (sampled every few ms)
    bool timed_out = false;
};

/// A started r1; wait() collects it. The destructor kills it if still running.
class r1_process {
public:
    explicit r1_process(r1_options opts);
    ~r1_process();
    r1_process(const r1_process&) = delete;
    r1_process& operator=(const r1_process&) = delete;

    pid_t pid() const noexcept { return pid_; }
    void signal(int sig) const;
    /// Waits up to `ms` for `text` to appear on r1's stderr (a file, or the terminal with
    /// stderr_terminal): r1 reached a phase it reports.
    bool wait_for_err(std::string_view text, int ms = 10'000) const;
    /// Waits up to `ms` until `text` appears on r1's stdout at least `times` times.
    bool wait_for_out(std::string_view text, int ms = 10'000, std::size_t times = 1) const;
    /// What r1 has written so far, while it runs (stderr: also when it is a terminal).
    std::string out_so_far() const;
    std::string err_so_far() const;
    r1_result wait();

private:
    void start_limited(char** argv, char** envp);
    void open_terminal();
    void stop_terminal();

    r1_options opts_;
    report_before report_before_;  // the --report path before r1 ran (tests/support/output_dump.hpp)
    pid_t pid_ = -1;
    std::string out_path_;
    std::string err_path_;
    std::string in_path_;
    int tty_master_ = -1;
    int tty_slave_ = -1;  // kept open here too, so the master never reads EIO before r1 opens it
    std::thread tty_reader_;
    std::atomic<bool> tty_stop_{false};
    mutable std::mutex tty_mutex_;
    std::string tty_output_;
};

r1_result run_r1(r1_options opts);

/// A 127.0.0.1 port nothing listens on (bound, then closed).
unsigned short refused_port();

/// "http://127.0.0.1:<refused_port()>/": a health URL whose check fails at once, refused.
inline std::string refused_http_url() { return "http://127.0.0.1:" + std::to_string(refused_port()) + "/"; }

}  // namespace r1::test
