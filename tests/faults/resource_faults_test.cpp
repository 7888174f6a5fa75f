// r1 short of resources: few file descriptors (`ulimit -n 64`) under a large verify batch, and
// reports written to a full device or a read-only directory. The real binary, real sockets.
#include "tests/support/output_checks.hpp"
#include "tests/support/fault_server.hpp"
#include "tests/support/processes.hpp"
#include "tests/support/r1_process.hpp"
#include "tests/support/test_pki.hpp"

#include <boost/json/parse.hpp>
#include <boost/json/value.hpp>
#include <catch2/catch.hpp>

#include <chrono>
#include <filesystem>
#include <sstream>
#include <string>

#include <fcntl.h>
#include <linux/fs.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <unistd.h>

using namespace std::chrono_literals;
using r1::test::fault;
using r1::test::fault_server;
using r1::test::fault_tls;
using r1::test::run_r1;
using r1::test::temp_dir;
using r1::test::count_of;
using r1::test::ca_path;
namespace json = boost::json;

namespace {

/// A directory nothing can be created in, whoever runs the tests: mode 0555 stops an ordinary user;
/// root ignores modes, so it is also made immutable (chattr +i) when the file system allows. If
/// neither holds, `path()` is /sys, where no one creates files either.
class read_only_dir {
public:
    read_only_dir() {
        auto dir = base_.path() / "locked";
        std::filesystem::create_directory(dir);
        ::chmod(dir.c_str(), 0555);
        if (::geteuid() == 0) set_immutable(dir, true);
        if (creatable(dir)) {
            if (::geteuid() == 0) set_immutable(dir, false);
            ::chmod(dir.c_str(), 0755);
            path_ = "/sys";
        } else {
            locked_ = dir;
        }
    }
    ~read_only_dir() {
        if (locked_.empty()) return;
        if (::geteuid() == 0) set_immutable(locked_, false);
        ::chmod(locked_.c_str(), 0755);
    }
    read_only_dir(const read_only_dir&) = delete;
    read_only_dir& operator=(const read_only_dir&) = delete;
    std::filesystem::path path() const { return locked_.empty() ? path_ : locked_; }

private:
    static void set_immutable(const std::filesystem::path& dir, bool on) {
        int fd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (fd < 0) return;
        int flags = 0;
        if (::ioctl(fd, FS_IOC_GETFLAGS, &flags) == 0) {
            flags = on ? (flags | FS_IMMUTABLE_FL) : (flags & ~FS_IMMUTABLE_FL);
            ::ioctl(fd, FS_IOC_SETFLAGS, &flags);
        }
        ::close(fd);
    }
    static bool creatable(const std::filesystem::path& dir) {
        auto probe = dir / "probe";
        int fd = ::open(probe.c_str(), O_WRONLY | O_CREAT | O_CLOEXEC, 0644);
        if (fd < 0) return false;
        ::close(fd);
        ::unlink(probe.c_str());
        return true;
    }

    temp_dir base_;
    std::filesystem::path locked_;
    std::filesystem::path path_;
};

bool is_char_device(const char* path) {
    struct stat st{};
    return ::stat(path, &st) == 0 && S_ISCHR(st.st_mode);
}

}  // namespace

TEST_CASE("resource faults: with ulimit -n 64, a 500-URL verify at --concurrency 256 lowers concurrency and "
          "completes every task",
          "[faults][resources][fds]") {
    fault_server server{fault::ok, fault_tls{}};
    std::string list;
    for (int i = 0; i < 500; ++i) list += server.url("/health?i=" + std::to_string(i)) + "\n";
    temp_dir dir;
    auto report_path = (dir / "report.json").string();
    auto junit_path = (dir / "junit.xml").string();

    auto r = run_r1({.args = {"verify", "--batch", "-", "--ca-file", ca_path(), "--concurrency", "256", "--report",
                              report_path, "--junit", junit_path},
                     .stdin_data = list,
                     .timeout_ms = 240'000,
                     .max_open_files = 64});
    INFO(r.err);
    CHECK(r.signal == 0);
    CHECK(r.exit_code == 0);
    CHECK(r.err.find("r1: note: concurrency lowered from 256 to ") != std::string::npos);
    CHECK(r.err.find("the open-file limit is 64 (ulimit -n)") != std::string::npos);
    CHECK(r.out.find("r1: 500 tasks in ") != std::string::npos);
    CHECK(r.out.find("500 ok, 0 failed; exit 0\n") != std::string::npos);
    CHECK(server.requests() == 500);

    auto report = json::parse(r1::test::read_file(report_path));
    CHECK(report.at("tasks").as_array().size() == 500);
    CHECK(report.at("counts").at("ok") == 500);
    CHECK(report.at("concurrency").as_int64() <= 16);
    CHECK(count_of(r1::test::read_file(junit_path), "<testcase ") == 500);
}

TEST_CASE("resource faults: an open-file limit too low for any task is refused in one line, exit 2, nothing started",
          "[faults][resources][fds][minimum]") {
    fault_server server{fault::ok};
    std::string list;
    for (int i = 0; i < 50; ++i) list += server.url("/health?i=" + std::to_string(i)) + "\n";
    for (int limit : {6, 8, 12}) {
        INFO("ulimit -n " << limit);
        auto r = run_r1({.args = {"verify", "--batch", "-"}, .stdin_data = list, .max_open_files = limit});
        CHECK(r.exit_code == 2);
        CHECK(r.err == "r1: error: the open-file limit is " + std::to_string(limit) +
                           " (ulimit -n); a batch needs at least 18\n");
        CHECK(r.out.empty());
    }
    CHECK(server.connections() == 0);
    SECTION("at the minimum, every task runs, one at a time") {
        auto r = run_r1({.args = {"verify", "--batch", "-"}, .stdin_data = list, .max_open_files = 18});
        INFO(r.err);
        CHECK(r.exit_code == 0);
        CHECK(r.err == "r1: note: concurrency lowered from 256 to 1: the open-file limit is 18 (ulimit -n)\n");
        CHECK(r.out.find("50 ok, 0 failed; exit 0\n") != std::string::npos);
        CHECK(server.requests() == 50);
    }
}

TEST_CASE("resource faults: a single deploy under an open-file limit too low is refused, not misreported",
          "[faults][resources][fds][minimum]") {
    // Before, ulimit -n 7 gave "internal error" (exit 70) and 8 a health check failed "Too many open
    // files" (exit 1): an outage report for an app nobody had looked at.
    fault_server server{fault::ok};
    for (int limit : {6, 8, 12}) {
        INFO("ulimit -n " << limit);
        auto r = run_r1({.args = {"deploy", "--verify-only", "--health-url", server.url("/health")},
                         .max_open_files = limit});
        CHECK(r.exit_code == 2);
        CHECK(r.err == "r1: error: the open-file limit is " + std::to_string(limit) +
                           " (ulimit -n); r1 deploy needs at least 24\n");
    }
    CHECK(server.connections() == 0);
    auto r = run_r1({.args = {"deploy", "--verify-only", "--health-url", server.url("/health")}, .max_open_files = 24});
    INFO(r.err);
    CHECK(r.exit_code == 0);
}

TEST_CASE("resource faults: with ulimit -n 64, 600 failing checks of every kind leak no descriptor",
          "[faults][resources][fds][leak]") {
    // Were a failure path to keep its socket, a few dozen failures would exhaust 64 descriptors and
    // the later tasks would fail with "Too many open files" instead of their own cause.
    fault_server reset{fault::reset_after_request, fault_tls{}};
    fault_server handshake_reset{fault::reset_in_handshake};
    fault_server garbage{fault::garbage, fault_tls{}};
    fault_server truncated{fault::truncated_body, fault_tls{}};
    fault_server expired{fault::ok, fault_tls{.cert = r1::test::pki().expired}};
    auto refused = "https://127.0.0.1:" + std::to_string(r1::test::refused_port()) + "/health";
    std::vector<std::pair<std::string, std::string>> faults{
        {reset.url(), "connection reset by peer"},
        {handshake_reset.url(), "connection reset by peer"},
        {garbage.url(), "bad HTTP response"},
        {truncated.url(), "connection closed before a complete response"},
        {expired.url(), "certificate has expired"},
        {refused, "connection refused"},
    };
    std::string list;
    std::vector<std::string> causes;  // of each task, in file order
    for (int i = 0; i < 100; ++i)
        for (const auto& [url, cause] : faults) {
            list += url + "?i=" + std::to_string(i) + "\n";
            causes.push_back(cause);
        }
    temp_dir dir;
    auto report_path = (dir / "report.json").string();
    auto r = run_r1({.args = {"verify", "--batch", "-", "--ca-file", ca_path(), "--concurrency", "256", "--report",
                              report_path, "--timeout", "20s"},
                     .stdin_data = list,
                     .timeout_ms = 240'000,
                     .max_open_files = 64});
    INFO(r.err);
    CHECK(r.signal == 0);
    CHECK(r.exit_code == 1);
    CHECK(r.out.find("0 ok, 600 failed; exit 1\n") != std::string::npos);
    CHECK(r.out.find("Too many open files") == std::string::npos);

    auto report = json::parse(r1::test::read_file(report_path));
    const auto& tasks = report.at("tasks").as_array();
    REQUIRE(tasks.size() == causes.size());
    std::size_t wrong = 0;
    for (std::size_t i = 0; i < tasks.size(); ++i) {
        std::string detail(tasks[i].at("detail").as_string());
        bool right = tasks[i].at("status") == "failed" && tasks[i].at("exit_code") == 1 &&
                     detail.find(causes[i]) != std::string::npos;
        if (!right && wrong++ < 5) UNSCOPED_INFO("task " << i << ": " << detail);
    }
    CHECK(wrong == 0);
}

TEST_CASE("resource faults: a report or JUnit file on a full device fails clearly, exit 2, the run's output intact",
          "[faults][resources][report]") {
    REQUIRE(is_char_device("/dev/full"));
    fault_server server{fault::ok, fault_tls{}};
    auto url = server.url();
    for (std::string flag : {"--report", "--junit"}) {
        INFO(flag);
        auto r = run_r1({.args = {"verify", "--ca-file", ca_path(), url, flag, "/dev/full"}});
        CHECK(r.exit_code == 2);
        CHECK(r.err == "r1: error: cannot write /dev/full: No space left on device\n");
        CHECK(r.out.find("] ok ") != std::string::npos);
        CHECK(r.out.find("1 ok, 0 failed; exit 0\n") != std::string::npos);
        // Written in place, never replaced by a renamed temporary file.
        CHECK(is_char_device("/dev/full"));
        CHECK_FALSE(std::filesystem::exists("/dev/full.r1-tmp"));
    }
    CHECK(server.requests() == 2);
}

TEST_CASE("resource faults: a report in a read-only directory is refused before anything runs, exit 2",
          "[faults][resources][report][read-only]") {
    read_only_dir locked;
    fault_server server{fault::ok, fault_tls{}};
    for (std::string flag : {"--report", "--junit"}) {
        INFO(flag << " in " << locked.path());
        auto path = (locked.path() / "r1-report").string();
        auto r = run_r1({.args = {"verify", "--ca-file", ca_path(), server.url(), flag, path}});
        CHECK(r.exit_code == 2);
        CHECK(r.err.starts_with("r1: error: cannot write " + path + ": "));
        CHECK(count_of(r.err, "\n") == 1);
        CHECK(r.out.empty());
        CHECK_FALSE(std::filesystem::exists(path));
    }
    CHECK(server.requests() == 0);
}

TEST_CASE("resource faults: a report that becomes unwritable mid-run fails clearly, exit 2, the run's output intact",
          "[faults][resources][report][late]") {
    // The directory is writable when r1 checks at start, and gone read-only by the time it reports:
    // the check happens while the first task is held in a silent handshake.
    temp_dir dir;
    auto report_path = (dir / "out" / "report.json").string();
    std::filesystem::create_directory(dir / "out");
    fault_server stall{fault::silent};
    r1::test::r1_process r1{{.args = {"verify", "--ca-file", ca_path(), "--timeout", "3s", stall.url(), "--report",
                                      report_path}}};
    REQUIRE(stall.wait_for_connections(1, 30s));
    std::filesystem::remove_all(dir / "out");  // gone as a full disk or a lost mount would make it
    auto r = r1.wait();
    CHECK(r.exit_code == 2);
    CHECK(r.err == "r1: error: cannot write " + report_path + ": No such file or directory\n");
    CHECK(r.out.find("FAILED") != std::string::npos);
    CHECK(r.out.find("0 ok, 1 failed; exit 1\n") != std::string::npos);
}
