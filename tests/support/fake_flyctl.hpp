#pragma once
/// A stand-in flyctl: a shell script that behaves like `flyctl deploy` and records what it was given.
#include "tests/support/processes.hpp"

#include <string>
#include <vector>

namespace r1::test {

/// Writes `<dir>/bin/<name>` (executable). What it does is chosen by FAKE_FLY_MODE in its environment:
///   ok (default): prints a build log, exits 0      fail: prints to stderr, exits 1
///   binary: random bytes on stderr, then fails     sleep: sleeps 60 s
///   flood: 50 MB of output on stdout and stderr, then fails
///   long-error: 40 lines of UTF-8 on stderr, exits 2
///   commit: makes a new commit in its working directory (HEAD moves mid-deploy), exits 0
///   family: starts a background grandchild (pid in <record>/grandchild.pid), then sleeps 60 s
///   killed: kills itself with SIGKILL            segv: kills itself with SIGSEGV (no core file)
///   close-stdout: closes stdout, 1 s later fails with a line on stderr
///   close-both: closes stdout and stderr, then waits on a background sleep (pids in all.pids)
///   stubborn: ignores SIGINT and SIGTERM, waits on a background sleep that ignores them too
///   daemon: leaves a daemon in its group holding the pipes (pid in daemon.pid), exits 0
///   setsid-daemon: leaves a daemon in a session of its own holding the pipes (daemon.pid), then
///     exits 0, or prints $FAKE_FLY_ERROR on stderr and exits 1 when that is set
///   rate-limited: fails with "429 Too Many Requests" (transient), appends its pid to deploys
/// The modes from killed on write their pid to flyctl.pid once under way (close-both and stubborn
/// after their background child, whose pid is in all.pids with theirs).
///   leak / leak-fail: writes its pid to <record>/leak-<app>.pid, sleeps FAKE_FLY_LEAK_HOLD seconds
///     (so a test can read its /proc/<pid>/cmdline), then prints FLY_API_TOKEN and R1_TEST_DB_PASSWORD
///     on both streams: plain, as `Authorization: FlyV1` / `Bearer` lines, an env dump, JSON and YAML
///     config dumps, and split across two writes 0.3 s apart; leak-fail (or leak for an app named
///     *-fail) then fails quoting both on stderr, else exits 0
/// A deploy that exits 0 makes a release (release-<app> in the record), printing its release line
/// when FLY_EMIT_RELEASE_JSON is set; `status`, `releases` and `logs` answer from it (one machine
/// running that release), each call appended to <record>/queries, the deploy's argv untouched.
/// It records argv (one per line), cwd and its environment under FAKE_FLY_RECORD. For batches:
/// FAKE_FLY_EVENTS=FILE appends "start <app> <ns>" and "end <app> <ns>" lines; FAKE_FLY_SLEEP=S
/// sleeps S seconds first; FAKE_FLY_BY_NAME=1 picks the mode from the app name (fail-*, sleep-*, family-*).

/// Shell lines for a hand-written stand-in flyctl, right after its `#!/bin/sh`: they answer the
/// lifecycle's queries as flyctl does for an app never deployed (`status --json`: no machines,
/// `releases --json`: none, `logs`: nothing) and exit 0, so the rest of the script is only what
/// `flyctl deploy` does. r1 asks `flyctl status` before every fly deploy (its pre-flight).
inline constexpr const char* flyctl_queries_sh =
    "case \"$1\" in\n"
    "  status) printf '{\"ID\":\"app\",\"Name\":\"app\",\"Deployed\":false,\"Status\":\"pending\",\"Version\":0,"
    "\"Machines\":[]}\\n'; exit 0 ;;\n"
    "  releases) echo '[]'; exit 0 ;;\n"
    "  logs) exit 0 ;;\n"
    "esac\n";

class fake_flyctl {
public:
    explicit fake_flyctl(std::string name = "flyctl");
    std::string bin_dir() const { return (dir_ / "bin").string(); }
    std::string path() const { return (dir_ / "bin" / name_).string(); }
    std::string record_dir() const { return (dir_ / "record").string(); }
    std::vector<std::string> recorded_argv() const;
    std::string recorded(const std::string& file) const;
    /// Every app as if never deployed: the next deploy makes v1 again (for runs compared with each other).
    void forget_releases() const;

private:
    temp_dir dir_;
    std::string name_;
};

}  // namespace r1::test
