#include "proc/browser/browser.hpp"

#include "engine/redact/redact.hpp"
#include "engine/text/text.hpp"
#include "proc/spawn.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/posix/stream_descriptor.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>

#include <array>
#include <chrono>
#include <cerrno>
#include <csignal>
#include <cstdlib>
#include <cstring>
#include <exception>
#include <filesystem>
#include <optional>

#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

extern char** environ;

namespace r1::proc::browser {
namespace {

namespace asio = boost::asio;
namespace json = boost::json;
namespace sys = boost::system;
using sclock = std::chrono::steady_clock;
using asio::as_tuple;
using asio::use_awaitable;

constexpr std::size_t stderr_keep = 4096;  // the end of Chromium's stderr, for the cause when it dies

void rethrow_if_failed(std::exception_ptr e) {
    if (e) std::rethrow_exception(e);
}

struct owned_fd {
    int fd = -1;
    owned_fd() = default;
    explicit owned_fd(int f) : fd(f) {}
    owned_fd(owned_fd&& o) noexcept : fd(std::exchange(o.fd, -1)) {}
    owned_fd& operator=(owned_fd&& o) noexcept {
        if (this != &o) {
            if (fd >= 0) ::close(fd);
            fd = std::exchange(o.fd, -1);
        }
        return *this;
    }
    ~owned_fd() {
        if (fd >= 0) ::close(fd);
    }
    int release() { return std::exchange(fd, -1); }
};

bool make_pipe(owned_fd& read_end, owned_fd& write_end) {
    int fds[2];
    if (::pipe2(fds, O_CLOEXEC) != 0) return false;
    read_end.fd = fds[0];
    write_end.fd = fds[1];
    return true;
}

/// A fresh, private directory for the profile: $TMPDIR (else /tmp)/r1-chromium-XXXXXX, mode 0700.
std::optional<std::string> make_profile_dir(const std::string& temp_dir) {
    const char* tmp = std::getenv("TMPDIR");
    std::string base = !temp_dir.empty() ? temp_dir : tmp && *tmp ? tmp : "/tmp";
    std::string pattern = base + "/r1-chromium-XXXXXX";
    if (!::mkdtemp(pattern.data())) return std::nullopt;
    std::error_code ec;
    std::filesystem::create_directory(pattern + "/tmp", ec);  // Chromium's TMPDIR
    return pattern;
}

/// r1's environment for Chromium, less what it has no business seeing: secret-looking variables
/// (provider tokens reach provider CLIs only). HOME, TMPDIR and the XDG directories point into the
/// profile, so nothing Chromium writes (its crash database, its singleton socket) lands outside it:
/// a killed Chromium cleans up nothing itself.
std::vector<std::string> chromium_env(const std::string& profile) {
    std::vector<std::string> env;
    for (char** e = environ; e && *e; ++e) {
        std::string_view entry = *e;
        auto name = entry.substr(0, entry.find('='));
        if (name == "HOME" || name == "TMPDIR" || name == "XDG_CONFIG_HOME" || name == "XDG_CACHE_HOME" ||
            name == "XDG_DATA_HOME")
            continue;
        if (engine::env_name_looks_secret(name)) continue;
        env.emplace_back(entry);
    }
    env.push_back("HOME=" + profile);
    env.push_back("TMPDIR=" + profile + "/tmp");
    env.push_back("XDG_CONFIG_HOME=" + profile + "/config");
    env.push_back("XDG_CACHE_HOME=" + profile + "/cache");
    env.push_back("XDG_DATA_HOME=" + profile + "/data");
    return env;
}

std::string last_line(std::string_view text) {
    while (!text.empty() && (text.back() == '\n' || text.back() == '\r')) text.remove_suffix(1);
    auto nl = text.rfind('\n');
    auto line = nl == std::string_view::npos ? text : text.substr(nl + 1);
    return engine::printable(line.substr(0, 300), true);
}

std::string exit_cause(const siginfo_t& info, const std::string& stderr_tail) {
    if (info.si_code != CLD_EXITED) {
        // Worded as providers::describe_ending words a provider CLI's end: "(SIGKILL)".
        const char* name = ::sigabbrev_np(info.si_status);
        return "chromium was killed by signal " + std::to_string(info.si_status) +
               (name ? std::string(" (SIG") + name + ")" : "");
    }
    // An exit of its own usually says why on its last line; after a signal that line is only noise.
    std::string cause = "chromium exited with status " + std::to_string(info.si_status);
    if (auto line = last_line(stderr_tail); !line.empty()) cause += ": " + line;
    return cause;
}

/// A /proc file, whole; empty when the process is gone (reads then fail with ESRCH, which a stream
/// would turn into an exception).
std::string read_proc_file(const std::string& path) {
    std::string out;
    int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) return out;
    char buf[4096];
    for (;;) {
        auto n = ::read(fd, buf, sizeof buf);
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) break;
        out.append(buf, static_cast<std::size_t>(n));
    }
    ::close(fd);
    return out;
}

/// Whether a NUL-separated command line names `path` itself or something inside it (not a sibling
/// that merely starts with the same characters, like `p-10` for `p-1`).
bool mentions(const std::string& cmdline, const std::string& path) {
    for (auto at = cmdline.find(path); at != std::string::npos; at = cmdline.find(path, at + 1)) {
        auto end = at + path.size();
        if (end == cmdline.size() || cmdline[end] == '/' || cmdline[end] == '\0') return true;
    }
    return false;
}

/// SIGKILLs every live process of this user whose command line mentions `profile`, and says how many
/// there were. Crash handlers double-fork and call setsid, so the group kill misses them; the
/// group's own members are only signalled by it and may still be running for a moment after.
/// Zombies are not counted: they run nothing and their parent (or init) reaps them.
std::size_t kill_strays(const std::string& profile) {
    std::size_t found = 0;
    DIR* proc = ::opendir("/proc");
    if (!proc) return found;
    const uid_t me = ::geteuid();
    while (auto* entry = ::readdir(proc)) {
        const char* name = entry->d_name;
        if (*name < '1' || *name > '9') continue;
        std::string dir = std::string("/proc/") + name;
        struct stat st {};
        if (::stat(dir.c_str(), &st) != 0 || st.st_uid != me) continue;
        if (!mentions(read_proc_file(dir + "/cmdline"), profile)) continue;
        auto stat_line = read_proc_file(dir + "/stat");
        auto paren = stat_line.rfind(')');
        if (paren == std::string::npos || paren + 2 >= stat_line.size() || stat_line[paren + 2] == 'Z') continue;
        ::kill(static_cast<pid_t>(std::strtol(name, nullptr, 10)), SIGKILL);
        ++found;
    }
    ::closedir(proc);
    return found;
}

}  // namespace

void inbox::push(cdp_message m) {
    messages.push_back(std::move(m));
    wake.cancel();
}

struct browser::state {
    state(asio::any_io_executor ex, int to_chromium, int from_chromium, const spawned_child& child)
        : out(ex, to_chromium), in(ex, from_chromium), child_out(ex, child.out_fd), child_err(ex, child.err_fd) {
        if (child.pidfd >= 0) pidfd.emplace(ex, child.pidfd);
    }
    asio::posix::stream_descriptor out;  // our end of Chromium's fd 3: commands
    asio::posix::stream_descriptor in;   // our end of Chromium's fd 4: responses and events
    asio::posix::stream_descriptor child_out;
    asio::posix::stream_descriptor child_err;
    std::optional<asio::posix::stream_descriptor> pidfd;
};

std::vector<std::string> browser::argv_for(const launch_options& opts, const std::string& profile_dir) {
    std::vector<std::string> argv{
        opts.chromium,
        "--headless",
        "--disable-gpu",
        "--disable-quic",
        "--no-first-run",
        "--no-default-browser-check",
        // No traffic of Chromium's own: update checks, sync, field trials, component downloads.
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--disable-default-apps",
        "--disable-extensions",
        "--mute-audio",
        "--hide-scrollbars",
        "--window-size=1280,800",
        // DevTools on fds 3 and 4 only: no TCP port another local user could drive the browser through.
        "--remote-debugging-pipe",
        "--user-data-dir=" + profile_dir,
    };
    // Chromium's sandbox needs user namespaces and refuses to run as root at all.
    if (::geteuid() == 0) argv.emplace_back("--no-sandbox");
    if (!opts.trusted_spki.empty()) {
        std::string list;
        for (const auto& s : opts.trusted_spki) list += (list.empty() ? "" : ",") + s;
        argv.push_back("--ignore-certificate-errors-spki-list=" + list);
    }
    argv.emplace_back("about:blank");
    return argv;
}

browser::browser(asio::any_io_executor ex, std::string profile) : ex_(std::move(ex)), profile_(std::move(profile)) {}

browser::~browser() { kill(); }

asio::awaitable<sys::result<std::shared_ptr<browser>, std::string>> browser::launch(launch_options opts) {
    auto ex = co_await asio::this_coro::executor;
    auto profile = make_profile_dir(opts.temp_dir);
    if (!profile) co_return std::string("cannot create a temporary profile: ") + std::strerror(errno);

    owned_fd to_read, to_write, from_read, from_write;
    if (!make_pipe(to_read, to_write) || !make_pipe(from_read, from_write)) {
        std::filesystem::remove_all(*profile);
        co_return std::string("cannot create the DevTools pipes: ") + std::strerror(errno);
    }
    spawn_request req{browser::argv_for(opts, *profile), {}, chromium_env(*profile), {{to_read.fd, 3}, {from_write.fd, 4}}};
    auto child = spawn_child(req);
    if (!child) {
        std::filesystem::remove_all(*profile);
        co_return "cannot start " + engine::printable(opts.chromium, true) + ": " + child.error().message();
    }
    // Chromium has its copies; ours close now, so its exit is our EOF.
    to_read = owned_fd{};
    from_write = owned_fd{};

    std::shared_ptr<browser> b{new browser(ex, *profile)};
    b->pid_ = child->pid;
    b->trusted_ = opts.trusted_spki;
    b->io_ = std::make_unique<state>(ex, to_write.release(), from_read.release(), *child);
    asio::co_spawn(ex, b->read_loop(b), rethrow_if_failed);
    asio::co_spawn(ex, b->drain_stderr(b), rethrow_if_failed);
    asio::co_spawn(ex, b->watch_exit(b), rethrow_if_failed);

    // Ready when it answers; Browser.getVersion is the cheapest question.
    co_await asio::this_coro::throw_if_cancelled(false);
    auto cs = co_await asio::this_coro::cancellation_state;
    auto box = std::make_shared<inbox>(ex);
    auto id = b->send(box, "Browser.getVersion", {});
    for (;;) {
        for (auto& m : box->messages)
            if (m.id == id) {
                if (m.error) {
                    b->kill();
                    co_return "chromium refused Browser.getVersion: " + engine::printable(*m.error, true);
                }
                co_return b;
            }
        box->messages.clear();
        if (!b->alive()) co_return "chromium did not start: " + b->death_cause();
        if (cs.cancelled() != asio::cancellation_type::none) {
            b->kill("interrupted");
            co_return std::string("interrupted while chromium was starting");
        }
        if (sclock::now() >= opts.deadline) {
            b->kill("chromium did not answer in time");
            co_return std::string("chromium did not answer on the DevTools pipe in time");
        }
        box->wake.expires_at(opts.deadline);
        co_await box->wake.async_wait(as_tuple(use_awaitable));
    }
}

std::uint64_t browser::send(const std::shared_ptr<inbox>& to, std::string_view method, const json::object& params,
                            std::string_view session_id) {
    auto id = next_id_++;
    if (dead_) return id;  // the caller sees alive() false and gives up
    pending_[id] = to;
    outgoing_.push_back(encode_command(id, method, params, session_id));
    if (!writing_) {
        writing_ = true;
        asio::co_spawn(ex_, write_loop(shared_from_this()), rethrow_if_failed);
    }
    return id;
}

void browser::route(const std::string& session_id, const std::shared_ptr<inbox>& to) { sessions_[session_id] = to; }
void browser::unroute(const std::string& session_id) { sessions_.erase(session_id); }
void browser::listen(const std::shared_ptr<inbox>& to) { listeners_.push_back(to); }
void browser::unlisten(const std::shared_ptr<inbox>& to) {
    std::erase_if(listeners_, [&](const std::weak_ptr<inbox>& w) {
        auto s = w.lock();
        return !s || s == to;
    });
}

asio::awaitable<void> browser::write_loop(std::shared_ptr<browser> /*self*/) {
    while (!outgoing_.empty() && !dead_) {
        auto [ec, n] = co_await asio::async_write(io_->out, asio::buffer(outgoing_.front()), as_tuple(use_awaitable));
        if (ec) {
            die("cannot write to chromium's DevTools pipe: " + ec.message());
            break;
        }
        outgoing_.pop_front();
    }
    writing_ = false;
}

asio::awaitable<void> browser::read_loop(std::shared_ptr<browser> /*self*/) {
    std::array<char, 64 * 1024> buf;
    for (;;) {
        auto [ec, n] = co_await io_->in.async_read_some(asio::buffer(buf), as_tuple(use_awaitable));
        if (n > 0) {
            reader_.feed({buf.data(), n});
            while (auto text = reader_.next()) {
                if (auto m = parse_message(*text)) dispatch(std::move(*m));
            }
        }
        if (ec) {
            // Give the exit watcher a moment to say how Chromium ended: a crash reads better than EOF.
            if (!dead_) {
                asio::steady_timer settle{ex_, std::chrono::milliseconds(200)};
                for (int i = 0; i < 5 && !dead_; ++i) {
                    siginfo_t info{};
                    if (::waitid(P_PID, static_cast<id_t>(pid_), &info, WEXITED | WNOWAIT | WNOHANG) == 0 && info.si_pid == pid_) {
                        die(exit_cause(info, stderr_tail_));
                        break;
                    }
                    settle.expires_after(std::chrono::milliseconds(40));
                    co_await settle.async_wait(as_tuple(use_awaitable));
                }
            }
            die("chromium closed the DevTools pipe");
            co_return;
        }
    }
}

asio::awaitable<void> browser::drain_stderr(std::shared_ptr<browser> self) {
    // stdout is read too, and dropped: a full pipe would stall Chromium.
    auto drain = [](std::shared_ptr<browser> b, bool keep) -> asio::awaitable<void> {
        auto& fd = keep ? b->io_->child_err : b->io_->child_out;
        std::array<char, 4096> buf;
        for (;;) {
            auto [ec, n] = co_await fd.async_read_some(asio::buffer(buf), as_tuple(use_awaitable));
            if (keep && n > 0) {
                b->stderr_tail_.append(buf.data(), n);
                if (b->stderr_tail_.size() > stderr_keep) b->stderr_tail_.erase(0, b->stderr_tail_.size() - stderr_keep);
            }
            if (ec) co_return;
        }
    };
    asio::co_spawn(ex_, drain(self, false), rethrow_if_failed);
    co_await drain(self, true);
}

asio::awaitable<void> browser::watch_exit(std::shared_ptr<browser> /*self*/) {
    for (;;) {
        if (dead_) co_return;
        if (io_->pidfd) {
            auto [ec] = co_await io_->pidfd->async_wait(asio::posix::stream_descriptor::wait_read, as_tuple(use_awaitable));
            if (ec == asio::error::operation_aborted || ec == asio::error::bad_descriptor) co_return;
        } else {  // kernels before 5.3 have no pidfd: poll
            asio::steady_timer poll{ex_, std::chrono::milliseconds(50)};
            co_await poll.async_wait(as_tuple(use_awaitable));
        }
        if (dead_) co_return;
        siginfo_t info{};
        if (::waitid(P_PID, static_cast<id_t>(pid_), &info, WEXITED | WNOWAIT | WNOHANG) == 0 && info.si_pid == pid_) {
            die(exit_cause(info, stderr_tail_));
            co_return;
        }
    }
}

void browser::dispatch(cdp_message m) {
    if (m.id) {
        auto it = pending_.find(*m.id);
        if (it == pending_.end()) return;
        auto to = it->second.lock();
        pending_.erase(it);
        if (to) to->push(std::move(m));
        return;
    }
    if (!m.session_id.empty()) {
        auto it = sessions_.find(m.session_id);
        if (it == sessions_.end()) return;
        if (auto to = it->second.lock()) to->push(std::move(m));
        return;
    }
    // Browser-level events that may concern a page: downloads and crashed targets.
    if (m.method.starts_with("Browser.download") || m.method == "Target.targetCrashed" ||
        m.method == "Target.detachedFromTarget") {
        for (auto& w : listeners_)
            if (auto to = w.lock()) to->push(m);
    }
}

void browser::die(std::string cause) {
    if (dead_) return;
    kill(std::move(cause));
}

void browser::wake_all() {
    for (auto& [id, w] : pending_)
        if (auto to = w.lock()) to->wake.cancel();
    for (auto& [id, w] : sessions_)
        if (auto to = w.lock()) to->wake.cancel();
    for (auto& w : listeners_)
        if (auto to = w.lock()) to->wake.cancel();
}

void browser::kill(std::string cause) {
    if (!dead_) {
        dead_ = true;
        cause_ = std::move(cause);
    }
    if (pid_ > 0 && !reaped_) {
        // The group first, while Chromium is unreaped and its group id cannot be reused.
        ::kill(-pid_, SIGKILL);
        kill_strays(profile_);
        int status = 0;
        while (::waitpid(pid_, &status, 0) < 0 && errno == EINTR) {
        }
        reaped_ = true;
        // Until the last of them has died, nothing of this browser may be said to be gone, and a
        // dying renderer could still write into the profile removed below. SIGKILL takes
        // milliseconds; the bound only keeps an unkillable (D-state) process from hanging r1.
        for (auto until = std::chrono::steady_clock::now() + std::chrono::seconds(2);
             kill_strays(profile_) > 0 && std::chrono::steady_clock::now() < until;)
            ::usleep(2000);
    }
    if (io_) {
        sys::error_code ignored;
        io_->out.close(ignored);
        io_->in.close(ignored);
        io_->child_out.close(ignored);
        io_->child_err.close(ignored);
        if (io_->pidfd) io_->pidfd->close(ignored);
    }
    if (!profile_.empty()) {
        std::error_code ec;
        std::filesystem::remove_all(profile_, ec);
    }
    outgoing_.clear();
    wake_all();
}

}  // namespace r1::proc::browser
