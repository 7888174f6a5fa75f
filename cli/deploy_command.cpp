#include "cli/deploy_command.hpp"

#include "cli/browser_output.hpp"
#include "cli/exit_code.hpp"
#include "cli/fd_limit.hpp"
#include "cli/fd_write.hpp"
#include "cli/output.hpp"
#include "cli/signals.hpp"
#include "net/beast_client.hpp"
#include "net/tls_context.hpp"
#include "proc/browser/chromium_checker.hpp"
#include "proc/find_executable.hpp"
#include "proc/real_runner.hpp"
#include "providers/deploy.hpp"

#include <boost/asio/bind_cancellation_slot.hpp>
#include <boost/asio/cancellation_signal.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/this_coro.hpp>

#include <cstdlib>
#include <optional>
#include <random>

namespace r1::cli {
namespace {

namespace asio = boost::asio;

int usage_error(std::string_view message) {
    write_fd(2, "r1: error: " + std::string(message) + "\n");  // may quote an argument: scrubbed
    return exit_usage;
}

asio::awaitable<deploy_result> root(deploy_config cfg, deploy_services services, bool rollback, std::string to) {
    // Total cancellation (first SIGINT/SIGTERM) lets the runner stop the provider CLI politely and
    // clean up; terminal (the second signal) kills at once.
    co_await asio::this_coro::reset_cancellation_state(asio::enable_total_cancellation());
    co_await asio::this_coro::throw_if_cancelled(false);  // each step checks and cleans up itself
    auto* browser = services.browser;
    // Not a ?: of two co_awaits: GCC 12 destroys the unused branch's temporaries anyway.
    deploy_result result;
    if (rollback) result = co_await roll_back(std::move(cfg), std::move(to), std::move(services));
    else result = co_await deploy(std::move(cfg), std::move(services));
    if (browser) co_await browser->close();  // Chromium's process group gone, its profile removed
    co_return result;
}

}  // namespace

int run_deploy(const command& cmd) {
    // The CLI's pipes and pidfd, git's, the health check's socket: refused up front, in one line,
    // rather than an internal error or a check failed "Too many open files" as if the app were down.
    if (auto fds = budget_fds(1, fds_per_child, "r1 deploy"); !fds.refusal.empty()) return usage_error(fds.refusal);
    auto tls = net::make_tls_context(cmd.ca_file);
    if (!tls) return usage_error(tls.error());

    const std::string path = proc::search_path();
    std::optional<proc::browser::chromium_checker> browser;
    if (cmd.deploy.browser && !cmd.deploy.dry_run) {
        auto chromium = proc::browser::find_chromium(cmd.chromium, path);
        if (!chromium) return usage_error(proc::browser::chromium_missing_message(cmd.chromium));
        browser.emplace(proc::browser::chromium_options{*chromium, cmd.browser_concurrency, {}});
    }

    asio::io_context ctx;
    proc::real_runner runner;
    net::beast_client http{*tls};
    output_stream provider_output{2};  // the provider CLI's own output, live on stderr
    deploy_services services{runner, http, [&](std::string_view chunk) { provider_output.write(chunk); }, path};
    services.on_attempt = [json = cmd.json_output](const engine::attempt_record& a) {
        if (json) write_fd(1, attempt_json(a));
        else write_fd(2, attempt_text(a));
    };
    services.seed = std::random_device{}();
    event_text as_text;
    services.on_event = [json = cmd.json_output, &as_text](const providers::lifecycle_event& e) {
        if (json) write_fd(1, event_json(e));
        else if (auto text = as_text(e); !text.empty()) write_fd(2, text);
    };
    if (browser) services.browser = &*browser;

    asio::cancellation_signal cancel;
    int first_signal = 0;
    signal_watch signals{ctx, [&](int sig) {
                             const bool first = first_signal == 0;
                             if (first) first_signal = sig;
                             cancel.emit(first ? asio::cancellation_type::total : asio::cancellation_type::terminal);
                         }};

    std::optional<deploy_result> result;
    asio::co_spawn(ctx, root(cmd.deploy, services, cmd.what == action::rollback, cmd.rollback_to),
                   asio::bind_cancellation_slot(cancel.slot(), [&](std::exception_ptr e, deploy_result r) {
                       signals.stop();
                       if (e) std::rethrow_exception(e);
                       result = std::move(r);
                   }));
    ctx.run();
    provider_output.finish();

    int code = exit_code_for(result->ec, first_signal);
    if (first_signal != 0)
        result->message = "interrupted by " + signal_name(first_signal) + "; child processes stopped";
    if (cmd.json_output) {
        for (const auto& c : result->criteria) write_fd(1, criterion_json(c));
        write_fd(1, result_json(*result, code, cmd.deploy.dry_run));
    } else {
        for (const auto& c : result->criteria) write_fd(2, criterion_text(c));
        if (!result->evidence.empty()) write_fd(2, evidence_text(result->evidence));
        if (!result->output.empty())
            write_fd(1, result->output.ends_with('\n') ? result->output : result->output + "\n");
        if (result->browser && result->browser->passed())
            write_fd(1, result->browser->line + "\n" + browser_causes_block(*result->browser));
    }
    if (first_signal != 0 || (result->ec && !result->message.empty()))
        write_fd(2, std::string(first_signal != 0 ? "r1: " : "r1: error: ") + result->message + "\n");
    if (!cmd.json_output && result->browser && !result->browser->passed())
        write_fd(2, browser_causes_block(*result->browser));
    return code;
}

}  // namespace r1::cli
