#include "proc/real_runner.hpp"

#include "proc/output_tail.hpp"
#include "proc/spawn.hpp"

#include <algorithm>
#include <optional>
#include <string_view>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/posix/stream_descriptor.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>

#include <array>
#include <csignal>
#include <exception>
#include <memory>
#include <optional>

#include <sys/wait.h>
#include <unistd.h>

extern char** environ;

namespace r1::proc {
namespace {

namespace asio = boost::asio;
namespace sys = boost::system;
using clock = std::chrono::steady_clock;
using asio::as_tuple;
using asio::use_awaitable;

// After the child exits, whatever still holds its pipes (a grandchild that left the group) gets this
// long before r1 stops reading, so a stray daemon cannot hold r1 open.
constexpr std::chrono::milliseconds drain_window{2000};

/// What the child's pumps and its exit waiter share with the supervising coroutine.
struct child_state {
    child_state(asio::any_io_executor ex, const spawned_child& c, const run_request& req,
                const engine::redactor& redact)
        : pid(c.pid),
          out(ex, c.out_fd),
          err(ex, c.err_fd),
          wake(ex),
          on_output(req.on_output),
          out_scrub(redact),
          err_scrub(redact),
          out_tail(req.tail_bytes),
          err_tail(req.tail_bytes) {
        if (c.pidfd >= 0) pidfd.emplace(ex, c.pidfd);
        if (c.status_fd >= 0) status.emplace(ex, c.status_fd);
        exec_done = c.status_fd < 0;
    }

    pid_t pid;
    asio::posix::stream_descriptor out;
    asio::posix::stream_descriptor err;
    std::optional<asio::posix::stream_descriptor> pidfd;
    std::optional<asio::posix::stream_descriptor> status;  // the exec shim's status pipe
    asio::steady_timer wake;  // cancelled to wake the supervisor when something happened
    std::function<void(stream, std::string_view)> on_output;
    engine::stream_scrubber out_scrub;  // one per stream: a secret may be split across its reads
    engine::stream_scrubber err_scrub;
    output_tail out_tail;
    output_tail err_tail;
    std::uint64_t out_bytes = 0;
    std::uint64_t err_bytes = 0;
    std::weak_ptr<asio::posix::stream_descriptor> stdin_pipe;  // closed when the child has exited
    int open_streams = 2;
    bool exited = false;
    int wait_status = 0;
    bool exec_done = true;          // the program itself runs (or the shim gave up)
    boost::system::error_code exec_error;  // the shim could not exec the program
};

/// Waits until the exec shim has exec'd the program (end of file on the status pipe) or reported
/// why it could not.
asio::awaitable<void> watch_exec(std::shared_ptr<child_state> s) {
    std::array<char, exec_status_bytes> buf;
    std::size_t got = 0;
    for (;;) {
        auto [ec, n] = co_await s->status->async_read_some(asio::buffer(buf.data() + got, buf.size() - got),
                                                           as_tuple(use_awaitable));
        got += n;
        if (ec || got == buf.size()) break;
    }
    s->exec_error = exec_status_error(buf.data(), got);
    s->status->close();
    s->exec_done = true;
    s->wake.cancel();
}

asio::awaitable<void> pump(std::shared_ptr<child_state> s, stream which) {
    auto& fd = which == stream::out ? s->out : s->err;
    auto& scrub = which == stream::out ? s->out_scrub : s->err_scrub;
    auto& tail = which == stream::out ? s->out_tail : s->err_tail;
    auto& count = which == stream::out ? s->out_bytes : s->err_bytes;
    // Only scrubbed text goes on: the tail (error excerpts, reports) and on_output (the terminal,
    // --log-dir files) never see a secret the child printed.
    auto deliver = [&](const std::string& clean) {
        if (clean.empty()) return;
        tail.append(clean);
        if (s->on_output) s->on_output(which, clean);
    };
    std::array<char, 16 * 1024> buf;
    for (;;) {
        auto [ec, n] = co_await fd.async_read_some(asio::buffer(buf), as_tuple(use_awaitable));
        if (n > 0) {
            count += n;
            deliver(scrub.feed({buf.data(), n}));
        }
        if (ec) break;  // eof once every writer is gone; operation_aborted when the drain window closes
    }
    deliver(scrub.finish());
    fd.close();
    --s->open_streams;
    s->wake.cancel();
}

/// Writes `data` to the child's stdin and closes it. A child that exits or closes stdin first makes
/// the write fail (EPIPE: SIGPIPE is ignored, or the pipe is gone); that is the child's choice.
asio::awaitable<void> feed(std::shared_ptr<asio::posix::stream_descriptor> in, std::string data) {
    co_await asio::async_write(*in, asio::buffer(data), as_tuple(use_awaitable));
    sys::error_code ignored;
    in->close(ignored);
}

/// Waits for the child to exit, then clears the rest of its process group, then reaps it.
/// Reaping last (waitid with WNOWAIT first) keeps the group id from being reused while we signal it.
asio::awaitable<void> wait_exit(std::shared_ptr<child_state> s) {
    for (;;) {
        if (s->pidfd) {
            co_await s->pidfd->async_wait(asio::posix::stream_descriptor::wait_read, as_tuple(use_awaitable));
        } else {  // kernels before 5.3 have no pidfd: poll
            asio::steady_timer poll{s->wake.get_executor(), std::chrono::milliseconds(20)};
            co_await poll.async_wait(as_tuple(use_awaitable));
        }
        siginfo_t info{};
        if (::waitid(P_PID, static_cast<id_t>(s->pid), &info, WEXITED | WNOWAIT | WNOHANG) == 0 &&
            info.si_pid == s->pid)
            break;
    }
    ::kill(-s->pid, SIGKILL);  // daemons and stragglers left in the child's group
    int status = 0;
    while (::waitpid(s->pid, &status, 0) < 0 && errno == EINTR) {
    }
    s->wait_status = status;
    s->exited = true;
    s->wake.cancel();
}

void rethrow_if_failed(std::exception_ptr e) {
    if (e) std::rethrow_exception(e);
}

int signal_for(asio::cancellation_type c) {
    if ((c & asio::cancellation_type::terminal) != asio::cancellation_type::none) return SIGKILL;
    if ((c & asio::cancellation_type::partial) != asio::cancellation_type::none) return SIGTERM;
    return SIGINT;
}

/// r1's environment (without the variables named like secrets unless `pass_secrets`) with each
/// "NAME=value" of `set` put over it (one value per name); nullopt when that is r1's environment
/// unchanged.
std::optional<std::vector<std::string>> child_environment(const std::vector<std::string>& set, bool pass_secrets) {
    if (set.empty() && pass_secrets) return std::nullopt;
    std::vector<std::string> vars;
    if (pass_secrets)
        for (char** e = environ; *e; ++e) vars.emplace_back(*e);
    else
        vars = environment_without_secrets();
    std::erase_if(vars, [&](const std::string& var) {
        std::string_view name = std::string_view{var}.substr(0, var.find('='));
        return std::any_of(set.begin(), set.end(), [&](const std::string& s) {
            return s.size() > name.size() && s[name.size()] == '=' && s.compare(0, name.size(), name) == 0;
        });
    });
    vars.insert(vars.end(), set.begin(), set.end());
    return vars;
}

}  // namespace

asio::awaitable<sys::result<run_output>> real_runner::run(run_request req) {
    spawn_request spawn{.argv = req.argv, .cwd = req.cwd, .env = child_environment(req.env, req.pass_secrets),
                        .stdin_pipe = req.stdin_data.has_value(), .watch_exec = true};
    auto child = spawn_child(spawn);
    if (!child) co_return child.error();

    auto ex = co_await asio::this_coro::executor;
    auto s = std::make_shared<child_state>(ex, *child, req, redact_);
    if (child->in_fd >= 0) {
        // Closed by feed() when written, or by the stream's destructor with the last handler.
        auto in = std::make_shared<asio::posix::stream_descriptor>(ex, child->in_fd);
        s->stdin_pipe = in;
        asio::co_spawn(ex, feed(std::move(in), std::move(*req.stdin_data)), rethrow_if_failed);
    }
    asio::co_spawn(ex, pump(s, stream::out), rethrow_if_failed);
    asio::co_spawn(ex, pump(s, stream::err), rethrow_if_failed);
    asio::co_spawn(ex, wait_exit(s), rethrow_if_failed);
    if (s->status) asio::co_spawn(ex, watch_exec(s), rethrow_if_failed);

    // Whatever the caller allowed, stopping the child and reading its last words still happen.
    co_await asio::this_coro::throw_if_cancelled(false);
    auto cs = co_await asio::this_coro::cancellation_state;

    run_output result;
    int last_signal = 0;  // the strongest signal sent so far
    auto kill_at = clock::time_point::max();
    auto drain_until = clock::time_point::max();
    auto send = [&](int sig) {
        if (last_signal == SIGKILL || sig == last_signal) return;
        ::kill(-s->pid, sig);
        last_signal = sig;
        kill_at = sig == SIGKILL ? clock::time_point::max() : clock::now() + req.kill_grace;
    };

    // A shim that never gets to exec (stopped, starved) is killed where the program would be.
    const auto shim_limit =
        req.deadline > clock::time_point::max() - req.kill_grace ? clock::time_point::max() : req.deadline + req.kill_grace;
    while (!(s->exited && s->open_streams == 0 && s->exec_done)) {
        auto now = clock::now();
        auto wake_at = clock::time_point::max();
        if (!s->exited && !s->exec_done) {
            // Still the exec shim: a polite signal now would end the shim, not reach the program
            // (a few milliseconds; watch_exec wakes us). Only SIGKILL goes at once.
            if (auto c = cs.cancelled(); c != asio::cancellation_type::none && signal_for(c) == SIGKILL) {
                result.cancelled = true;
                send(SIGKILL);
            } else if (now >= shim_limit) {
                result.timed_out = true;
                send(SIGKILL);
            }
            if (last_signal != SIGKILL) wake_at = shim_limit;
        } else if (!s->exited) {
            if (auto c = cs.cancelled(); c != asio::cancellation_type::none) {
                result.cancelled = true;
                send(signal_for(c));
            } else if (now >= req.deadline && last_signal == 0) {
                result.timed_out = true;
                send(SIGTERM);
            }
            if (now >= kill_at) send(SIGKILL);
            wake_at = std::min(last_signal == 0 ? req.deadline : kill_at, wake_at);
        } else {
            if (drain_until == clock::time_point::max()) drain_until = now + drain_window;
            if (now >= drain_until) {
                s->out.cancel();
                s->err.cancel();
            }
            wake_at = drain_until;
        }
        s->wake.expires_at(wake_at);
        co_await s->wake.async_wait(as_tuple(use_awaitable));
    }

    // A grandchild may still hold the child's stdin unread: stop writing to it.
    if (auto in = s->stdin_pipe.lock()) {
        sys::error_code ignored;
        in->close(ignored);
    }
    // Through the exec shim, a program that could not be exec'd is a spawn error here too.
    if (s->exec_error) co_return s->exec_error;
    if (WIFEXITED(s->wait_status)) result.exit_code = WEXITSTATUS(s->wait_status);
    if (WIFSIGNALED(s->wait_status)) result.signal = WTERMSIG(s->wait_status);
    result.out_tail = s->out_tail.str();
    result.err_tail = s->err_tail.str();
    result.out_bytes = s->out_bytes;
    result.err_bytes = s->err_bytes;
    co_return result;
}

}  // namespace r1::proc
