#pragma once
/// One running Chromium and its DevTools connection over --remote-debugging-pipe (fds 3 and 4):
/// the launch, a temporary profile, the read loop that routes responses and events to the check
/// that waits for them, and the end: the whole process group killed, the profile removed.
#include "proc/browser/cdp_message.hpp"

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/json/object.hpp>
#include <boost/system/result.hpp>

#include <chrono>
#include <cstdint>
#include <deque>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include <sys/types.h>

namespace r1::proc::browser {

struct launch_options {
    std::string chromium;                  // the executable's path (found already)
    std::set<std::string> trusted_spki;    // base64 SHA-256 of SubjectPublicKeyInfo, see README "Trust"
    std::chrono::steady_clock::time_point deadline;  // for the start, up to the first answer
    std::string temp_dir;  // where the profile is made; empty: $TMPDIR, else /tmp
};

/// Where one check's messages wait for it: responses to its commands and its page's events. The
/// read loop pushes and cancels `wake`; the check drains `messages` and sleeps on `wake`.
struct inbox {
    explicit inbox(boost::asio::any_io_executor ex) : wake(std::move(ex)) {}
    boost::asio::steady_timer wake;
    std::deque<cdp_message> messages;
    void push(cdp_message m);
};

class browser : public std::enable_shared_from_this<browser> {
public:
    /// The Chromium flags r1 always passes (headless, no sandbox as root, no background traffic, the
    /// pipe, the profile), for the README and the tests.
    static std::vector<std::string> argv_for(const launch_options& opts, const std::string& profile_dir);

    /// Starts Chromium and waits for its first answer. The error is one line: why it did not start.
    static boost::asio::awaitable<boost::system::result<std::shared_ptr<browser>, std::string>> launch(
        launch_options opts);

    ~browser();
    browser(const browser&) = delete;
    browser& operator=(const browser&) = delete;

    /// Sends one command; its response is pushed to `to`. Returns the command's id.
    std::uint64_t send(const std::shared_ptr<inbox>& to, std::string_view method, const boost::json::object& params,
                       std::string_view session_id = {});
    /// The events of `session_id` go to `to` from now on; `unroute` stops that.
    void route(const std::string& session_id, const std::shared_ptr<inbox>& to);
    void unroute(const std::string& session_id);
    /// Browser-level events about pages (downloads) go to every inbox listed here.
    void listen(const std::shared_ptr<inbox>& to);
    void unlisten(const std::shared_ptr<inbox>& to);

    bool alive() const noexcept { return !dead_; }
    /// Why the browser is gone: "chromium was killed by signal 9 (SIGKILL)", "chromium closed the
    /// DevTools pipe", "chromium exited with status 1: <its last stderr line>".
    const std::string& death_cause() const noexcept { return cause_; }
    pid_t pid() const noexcept { return pid_; }
    const std::string& profile_dir() const noexcept { return profile_; }
    const std::set<std::string>& trusted_spki() const noexcept { return trusted_; }
    std::size_t skipped_messages() const noexcept { return reader_.skipped(); }

    /// SIGKILL to Chromium's whole process group, then to any crash handler it started in a session
    /// of its own (found by its database path inside the profile), then reaps Chromium and removes
    /// the profile. Every inbox is woken. Safe to call more than once; the destructor calls it.
    void kill(std::string cause = "chromium was stopped by r1");

private:
    struct state;
    browser(boost::asio::any_io_executor ex, std::string profile);

    // Each holds `self` so the browser outlives its own coroutines; kill() ends them.
    boost::asio::awaitable<void> read_loop(std::shared_ptr<browser> self);
    boost::asio::awaitable<void> write_loop(std::shared_ptr<browser> self);
    boost::asio::awaitable<void> drain_stderr(std::shared_ptr<browser> self);
    boost::asio::awaitable<void> watch_exit(std::shared_ptr<browser> self);
    void dispatch(cdp_message m);
    void die(std::string cause);
    void wake_all();

    boost::asio::any_io_executor ex_;
    std::unique_ptr<state> io_;  // the pipes and the pidfd, on the event loop
    std::string profile_;
    std::set<std::string> trusted_;
    pid_t pid_ = -1;
    bool dead_ = false;
    bool reaped_ = false;
    std::string cause_;
    std::string stderr_tail_;
    frame_reader reader_;
    std::uint64_t next_id_ = 1;
    std::map<std::uint64_t, std::weak_ptr<inbox>> pending_;
    std::map<std::string, std::weak_ptr<inbox>> sessions_;
    std::vector<std::weak_ptr<inbox>> listeners_;
    std::deque<std::string> outgoing_;
    bool writing_ = false;
};

}  // namespace r1::proc::browser
