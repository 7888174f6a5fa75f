// r1's entry point: parses flags, builds the real runner, HTTP client and TLS context, runs the one
// root coroutine, turns Ctrl-C into cancellation, and maps the outcome to an exit code.
#include "cli/args.hpp"
#include "cli/batch_command.hpp"
#include "cli/classify_command.hpp"
#include "cli/exit_code.hpp"
#include "cli/fd_limit.hpp"
#include "cli/fd_write.hpp"
#include "cli/output.hpp"
#include "cli/watch_command.hpp"
#include "net/beast_client.hpp"
#include "net/tls_context.hpp"
#include "proc/real_runner.hpp"
#include "providers/deploy.hpp"
#include "r1/version.hpp"

#include <boost/asio/bind_cancellation_slot.hpp>
#include <boost/asio/cancellation_signal.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/this_coro.hpp>

#include <csignal>
#include <cstdlib>
#include <exception>
#include <iostream>
#include <optional>
#include <random>

#include <unistd.h>

namespace {

namespace asio = boost::asio;

using r1::cli::write_fd;

int usage_error(std::string_view message) {
    write_fd(2, "r1: error: " + std::string(message) + "\n");  // may quote an argument: scrubbed
    return r1::cli::exit_usage;
}

asio::awaitable<r1::deploy_result> root(r1::deploy_config cfg, r1::deploy_services services) {
    // Total cancellation (first SIGINT/SIGTERM) lets the runner stop flyctl politely and clean up;
    // terminal (the second signal) kills at once.
    co_await asio::this_coro::reset_cancellation_state(asio::enable_total_cancellation());
    co_await asio::this_coro::throw_if_cancelled(false);  // each step checks and cleans up itself
    co_return co_await r1::deploy(std::move(cfg), std::move(services));
}

int run_deploy(const r1::cli::command& cmd) {
    // flyctl's pipes and pidfd, git's, the health check's socket: refused up front, in one line,
    // rather than an internal error or a check failed "Too many open files" as if the app were down.
    constexpr rlim_t per_deploy = 8;
    if (auto limit = r1::cli::raise_fd_limit(); limit < r1::cli::minimum_fds + per_deploy)
        return usage_error("the open-file limit is " + std::to_string(limit) + " (ulimit -n); r1 deploy needs at least " +
                           std::to_string(r1::cli::minimum_fds + per_deploy));
    auto tls = r1::net::make_tls_context(cmd.ca_file);
    if (!tls) return usage_error(tls.error());

    asio::io_context ctx;
    r1::proc::real_runner runner;
    r1::net::beast_client http{*tls};
    const char* path = std::getenv("PATH");
    r1::deploy_services services{runner, http, [](std::string_view chunk) { write_fd(2, chunk); },
                                 path ? path : ""};
    services.on_attempt = [json = cmd.json_output](const r1::engine::attempt_record& a) {
        if (json)
            write_fd(1, r1::cli::attempt_json(a));
        else
            write_fd(2, r1::cli::attempt_text(a));
    };
    services.seed = std::random_device{}();

    asio::cancellation_signal cancel;
    asio::signal_set signals{ctx, SIGINT, SIGTERM};
    int first_signal = 0;
    std::function<void(const boost::system::error_code&, int)> on_signal =
        [&](const boost::system::error_code& ec, int sig) {
            if (ec) return;  // the deploy finished and the set was cancelled
            if (first_signal == 0) {
                first_signal = sig;
                cancel.emit(asio::cancellation_type::total);
            } else {
                cancel.emit(asio::cancellation_type::terminal);
            }
            signals.async_wait(on_signal);
        };
    signals.async_wait(on_signal);

    std::optional<r1::deploy_result> result;
    asio::co_spawn(ctx, root(cmd.deploy, services),
                   asio::bind_cancellation_slot(cancel.slot(), [&](std::exception_ptr e, r1::deploy_result r) {
                       signals.cancel();
                       if (e) std::rethrow_exception(e);
                       result = std::move(r);
                   }));
    ctx.run();

    int code = r1::cli::exit_code_for(result->ec, first_signal);
    if (first_signal != 0) {
        result->message = std::string("interrupted by ") + (first_signal == SIGINT ? "SIGINT" : "SIGTERM") +
                          "; child processes stopped";
    }
    if (cmd.json_output) {
        for (const auto& c : result->criteria) write_fd(1, r1::cli::criterion_json(c));
        write_fd(1, r1::cli::result_json(*result, code, cmd.deploy.dry_run));
    } else {
        for (const auto& c : result->criteria) write_fd(2, r1::cli::criterion_text(c));
        if (!result->output.empty())
            write_fd(1, result->output.ends_with('\n') ? result->output : result->output + "\n");
    }
    if (first_signal != 0 || (result->ec && !result->message.empty()))
        write_fd(2, std::string(first_signal != 0 ? "r1: " : "r1: error: ") + result->message + "\n");
    return code;
}

}  // namespace

int main(int argc, char** argv) {
    std::signal(SIGPIPE, SIG_IGN);  // a closed stdout must be an error value, not a silent death
    std::vector<std::string_view> args(argv + 1, argv + argc);
    auto parsed = r1::cli::parse_args(args);
    if (auto* problem = std::get_if<r1::cli::usage_problem>(&parsed)) return usage_error(problem->message);
    const auto& cmd = std::get<r1::cli::command>(parsed);
    try {
        switch (cmd.what) {
        case r1::cli::action::show_help: std::cout << r1::cli::main_help(); return 0;
        case r1::cli::action::show_deploy_help: std::cout << r1::cli::deploy_help(); return 0;
        case r1::cli::action::show_verify_help: std::cout << r1::cli::verify_help(); return 0;
        case r1::cli::action::show_version: std::cout << "r1 " << r1::version << "\n"; return 0;
        case r1::cli::action::deploy: return run_deploy(cmd);
        case r1::cli::action::batch: return r1::cli::run_batch(cmd);
        case r1::cli::action::watch: return r1::cli::run_watch(cmd);
        case r1::cli::action::classify:
            return r1::cli::run_classify({args.begin() + 1, args.end()}, std::cin, std::cout, std::cerr);
        }
    } catch (const std::exception& e) {  // a bug: say so plainly rather than abort with a core dump
        write_fd(2, std::string("r1: internal error: ") + e.what() + "\n");
        return 70;
    }
    return 0;
}
