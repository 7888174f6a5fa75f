#include "cli/watch_command.hpp"

#include "cli/batch_command.hpp"
#include "cli/exit_code.hpp"
#include "cli/fd_limit.hpp"
#include "cli/watch_runtime.hpp"
#include "net/beast_client.hpp"
#include "net/tls_context.hpp"
#include "proc/find_executable.hpp"
#include "cli/fd_write.hpp"
#include "engine/text/duration.hpp"
#include "engine/text/text.hpp"
#include "net/tls_session.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/bind_cancellation_slot.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>

#include <algorithm>
#include <cstdlib>

namespace r1::cli {
namespace watching {

constexpr auto as_result = asio::as_tuple(asio::use_awaitable);

bool watch::load() {
    auto loaded = load_tasks(cmd_);
    if (loaded.problem_count) {
        std::string tail;
        if (!loaded.unreadable)
            tail = "r1: error: " + std::to_string(loaded.problem_count) +
                   (loaded.problem_count == 1 ? " problem" : " problems") + " in " + loaded.source +
                   "; nothing was started\n";
        write_fd(2, loaded.problems + tail);
        return false;
    }
    targets_ = make_targets(loaded.tasks, {});
    plan_.emplace(targets_.size(), rng_);
    return true;
}

bool watch::listen() {
    if (!cmd_.watch.metrics) return true;
    const auto& where = *cmd_.watch.metrics;
    auto l = net::http_listener::open(ctx_.get_executor(), where.host, where.port, net::listener_limits{},
                                      [this](net::listener_request r) { return serve(std::move(r)); });
    if (!l) {
        write_fd(2, "r1: error: cannot listen on " + where.host + ":" + std::to_string(where.port) + ": " +
                        l.error().message() + "\n");
        return false;
    }
    listener_ = std::move(*l);
    return true;
}

int watch::run() {
    // The rate the targets ask for; /probe adds little. Beyond one loop's share, one per core.
    double rate = static_cast<double>(targets_.size()) / std::chrono::duration<double>(cmd_.watch.every).count();
    unsigned loops = 1;
    if (rate > checks_per_loop) {
        loops = std::max(1u, std::thread::hardware_concurrency());
        for (unsigned i = 0; i < loops; ++i) workers_.push_back(std::make_unique<worker>());
    }
    std::string metrics_at = listener_ ? listener_->address() : "";
    if (listener_) {
        listener_->start();
        write_fd(2, "r1: metrics on http://" + metrics_at + "/metrics\n");
    }
    write_fd(2, "r1: watching " + targets_text(targets_.size()) + " every " +
                    engine::format_duration(cmd_.watch.every) + "\n");
    if (cmd_.json_output)
        write_fd(1, watch_start_json(targets_.size(), cmd_.watch.every, metrics_at, concurrency_, loops));

    wait_for_signal();
    asio::co_spawn(ctx_, schedule(), rethrow);
    if (!cmd_.watch.on_change.empty())
        asio::co_spawn(ctx_, run_hooks(), asio::bind_cancellation_slot(hook_cancel_.slot(), rethrow));
    ctx_.run();
    workers_.clear();  // every check has reported back: the loops are idle, join them

    int code = exit_code_for(make_error_code(error::interrupted), signal_);
    if (cmd_.json_output) write_fd(1, watch_end_json(signal_, rounds_ended_, code));
    write_fd(2, "r1: interrupted by " + signal_name(signal_) + " after " + std::to_string(rounds_ended_) +
                    " rounds; checks and commands stopped\n");
    return code;
}

std::vector<target_ptr> watch::make_targets(std::vector<fleet_task>& tasks,
                                     const std::unordered_map<std::string, target_ptr>& existing) {
    std::vector<target_ptr> out;
    out.reserve(tasks.size());
    for (auto& task : tasks) {
        auto& cfg = task.cfg;
        std::string url = cfg.health_url.empty() ? planned_health_url(cfg) : cfg.health_url;
        target_ptr t;
        if (auto it = existing.find(url); it != existing.end()) t = it->second;
        else t = std::make_shared<target>();
        t->url = std::move(url);
        t->name = cfg.app;
        t->expected_body = cfg.expected_body;
        t->timeout = cfg.health_timeout;
        t->allow_insecure_redirects = cfg.allow_insecure_redirects;
        out.push_back(std::move(t));
    }
    return out;
}

void watch::wait_for_signal() {
    signals_.async_wait([this](const boost::system::error_code& ec, int sig) {
        if (ec) return;    // cancelled: everything else has ended
        wait_for_signal();  // first, so that maybe_finish() below can cancel it
        if (sig == SIGHUP) reload();
        else if (signal_ == 0) begin_shutdown(sig);
        else hook_cancel_.emit(asio::cancellation_type::terminal);  // a second signal: no more grace
    });
}

void watch::reload() {
    if (cmd_.batch.file.empty() || cmd_.batch.file == "-") {
        write_fd(2, std::string("r1: SIGHUP: nothing to re-read: the targets came from ") +
                        (cmd_.batch.file.empty() ? "the command line" : "stdin") + "\n");
        return;
    }
    auto loaded = load_tasks(cmd_);
    auto& current = pending_targets_ ? *pending_targets_ : targets_;
    if (loaded.problem_count) {
        ++counters_.reloads_failed;
        write_fd(2, loaded.problems + "r1: error: SIGHUP: " + std::to_string(loaded.problem_count) +
                        (loaded.problem_count == 1 ? " problem" : " problems") + " in " + loaded.source +
                        "; still watching the previous " + targets_text(current.size()) + "\n");
        if (cmd_.json_output) write_fd(1, reload_json(false, current.size(), 0, 0, loaded.problem_count));
        return;
    }
    std::unordered_map<std::string, target_ptr> existing;
    for (auto& t : current) existing.emplace(t->url, t);
    auto next = make_targets(loaded.tasks, existing);
    std::size_t kept = 0;
    for (auto& t : next) kept += existing.count(t->url);
    std::size_t added = next.size() - kept, removed = current.size() - kept;
    ++counters_.reloads_ok;
    write_fd(2, "r1: reloaded " + loaded.source + ": " + targets_text(next.size()) + " (" +
                    std::to_string(added) + " added, " + std::to_string(removed) + " removed) from the next round\n");
    if (cmd_.json_output) write_fd(1, reload_json(true, next.size(), added, removed, 0));
    pending_targets_ = std::move(next);
}

void watch::begin_shutdown(int sig) {
    signal_ = sig;
    stopping_ = true;
    sched_timer_.cancel();
    hook_wake_.cancel();
    hook_cancel_.emit(asio::cancellation_type::total);  // the running command gets SIGINT
    if (listener_) listener_->stop();
    queue_.clear();
    for (auto& w : workers_)
        asio::post(w->ctx, [&lw = *w] {
            for (auto& c : lw.checks) c.emit(asio::cancellation_type::terminal);
        });
    for (auto& c : local_checks_) c.emit(asio::cancellation_type::terminal);
    maybe_finish();
}

void watch::maybe_finish() {
    if (stopping_ && outstanding_ == 0 && !hook_running_) signals_.cancel();
}

}  // namespace watching

int run_watch(const command& cmd) {
    auto fail = [](std::string_view message) {
        write_fd(2, "r1: error: " + std::string(message) + "\n");
        return exit_usage;
    };
    std::vector<std::string> hook_argv;
    if (!cmd.watch.on_change.empty()) {
        const char* path = std::getenv("PATH");
        auto found = proc::find_executable(cmd.watch.on_change.front(), path ? path : "");
        if (!found)
            return fail("--on-change " + engine::printable(cmd.watch.on_change.front(), true) +
                        ": no such executable (give a path, or a program on $PATH)");
        hook_argv = cmd.watch.on_change;
        hook_argv.front() = *found;
    }
    auto tls = net::make_tls_context(cmd.ca_file);
    if (!tls) return fail(tls.error());

    unsigned concurrency = cmd.batch.concurrency ? cmd.batch.concurrency : default_verify_concurrency;
    rlim_t limit = raise_fd_limit();
    constexpr rlim_t per_check = 2;
    if (limit < minimum_fds + watching::reserved_fds / 4 + per_check)
        return fail("the open-file limit is " + std::to_string(limit) + " (ulimit -n); r1 verify --every needs at least " +
                    std::to_string(minimum_fds + watching::reserved_fds / 4 + per_check));
    rlim_t room = limit > watching::reserved_fds + per_check ? (limit - watching::reserved_fds) / per_check : 1;
    if (concurrency > room) {
        write_fd(2, "r1: note: concurrency lowered from " + std::to_string(concurrency) + " to " + std::to_string(room) +
                        ": the open-file limit is " + std::to_string(limit) + " (ulimit -n)\n");
        concurrency = static_cast<unsigned>(room);
    }

    net::beast_client http{*tls};
    watching::watch w{cmd, http, concurrency};
    w.set_hook_argv(std::move(hook_argv));
    if (!w.load() || !w.listen()) return exit_usage;
    return w.run();
}

}  // namespace r1::cli
