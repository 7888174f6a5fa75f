#include "cli/deploy_command.hpp"

#include "cli/batch_record.hpp"
#include "cli/batch_report.hpp"
#include "cli/browser_output.hpp"
#include "cli/exit_code.hpp"
#include "cli/fd_limit.hpp"
#include "cli/fd_write.hpp"
#include "cli/output.hpp"
#include "cli/signals.hpp"
#include "engine/safe_file.hpp"
#include "engine/text/text.hpp"
#include "net/beast_client.hpp"
#include "net/tls_context.hpp"
#include "proc/browser/chromium_checker.hpp"
#include "proc/find_executable.hpp"
#include "proc/output_tail.hpp"
#include "proc/real_runner.hpp"
#include "providers/deploy.hpp"

#include <boost/asio/bind_cancellation_slot.hpp>
#include <boost/asio/cancellation_signal.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/this_coro.hpp>

#include <chrono>
#include <cstdlib>
#include <memory>
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

/// The single deploy as a batch of one, for --report and --junit: the same documents, the same shape.
batch_outcome outcome_of(const command& cmd, deploy_result& r, int code, int signal,
                         std::chrono::system_clock::time_point started, std::chrono::milliseconds took,
                         std::string output_tail) {
    task_record t;
    t.name = cmd.deploy.app;
    t.provider = cmd.deploy.provider;
    if (!cmd.deploy.dry_run) t.url = planned_health_url(cmd.deploy);
    t.state = r.ec == error::interrupted || signal != 0 ? task_state::interrupted
              : r.ec                                    ? task_state::failed
                                                        : task_state::ok;
    t.exit_code = code;
    t.duration = took;
    std::string_view why = r.ec && !r.message.empty() ? r.message : r.output;
    if (cmd.deploy.dry_run && !r.ec) {
        t.preview = r.output;
        t.detail = r.plan ? "plan: " + plan_command(*r.plan) : "dry run";
    } else {
        t.detail = engine::printable(engine::tail_chars(why, 300), true);
    }
    if (t.state != task_state::ok && !output_tail.empty()) t.output_tail = engine::printable(output_tail, false);
    t.attempts = r.attempts;
    t.criteria = r.criteria;
    t.release = r.release;
    t.previous = r.previous;
    t.rollback = r.rollback;
    t.evidence = r.evidence;
    if (r.browser) t.browser = std::make_shared<proc::browser::page_report>(*r.browser);
    if (r.plan) t.plan = std::make_shared<providers::deploy_plan>(short_plan(*r.plan));
    batch_outcome b;
    b.command = cmd.what == action::rollback ? "rollback" : "deploy";
    b.dry_run = cmd.deploy.dry_run;
    b.started_at = started;
    b.duration = took;
    b.concurrency = 1;
    b.exit_code = code;
    b.signal = signal;
    b.tasks.push_back(std::move(t));
    return b;
}

}  // namespace

int run_deploy(const command& cmd) {
    // The CLI's pipes and pidfd, git's, the health check's socket: refused up front, in one line,
    // rather than an internal error or a check failed "Too many open files" as if the app were down.
    if (auto fds = budget_fds(1, fds_per_child, "r1 deploy"); !fds.refusal.empty()) return usage_error(fds.refusal);
    // Refused before anything runs, as a batch refuses them; a missing directory is created.
    for (const auto* file : {&cmd.batch.report_file, &cmd.batch.junit_file})
        if (!file->empty())
            if (auto why = engine::check_output_file(*file); !why.empty()) return usage_error(why);
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
    const bool reporting = !cmd.batch.report_file.empty() || !cmd.batch.junit_file.empty();
    proc::output_tail kept{8 * 1024};  // a failed deploy's last output, for the report as a batch keeps it
    deploy_services services{runner, http,
                             [&](std::string_view chunk) {
                                 provider_output.write(chunk);
                                 if (reporting) kept.append(chunk);
                             },
                             path};
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
    const auto started_at = std::chrono::system_clock::now();
    const auto began = std::chrono::steady_clock::now();
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
        // A dry run's plan on stderr, before the criteria, when stdout shows something else (fly:
        // the fly.toml flyctl reads, which the seed printed alone on stdout).
        if (result->plan && result->output != providers::render_plan(*result->plan))
            write_fd(2, providers::render_plan(*result->plan));
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
    if (reporting) {
        auto took = std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - began);
        auto outcome = outcome_of(cmd, *result, code, first_signal, started_at, took, kept.str());
        for (const auto& [file, text] : {std::pair{&cmd.batch.report_file, report_json(outcome)},
                                         std::pair{&cmd.batch.junit_file, junit_xml(outcome)}}) {
            if (file->empty()) continue;
            if (auto why = engine::write_output_file(*file, text); !why.empty()) {
                write_fd(2, "r1: error: " + why + "\n");
                if (first_signal == 0) code = exit_usage;
            }
        }
    }
    return code;
}

}  // namespace r1::cli
