// r1's entry point: parses the command line and hands it to its command.
#include "cli/args.hpp"
#include "cli/batch_command.hpp"
#include "cli/classify_command.hpp"
#include "cli/deploy_command.hpp"
#include "cli/docs.hpp"
#include "cli/exit_code.hpp"
#include "cli/fd_write.hpp"
#include "cli/version_text.hpp"
#include "cli/report_merge.hpp"
#include "cli/task_log.hpp"
#include "cli/watch_command.hpp"
#include "engine/redact/redact.hpp"
#include "proc/spawn.hpp"
#include "providers/registry.hpp"

#include <csignal>
#include <exception>
#include <iostream>

int main(int argc, char** argv) {
    if (auto shim = r1::proc::run_exec_shim(argc, argv)) return *shim;  // r1 re-executed to start a child
    r1::proc::harden_process();  // before anything: no core dumps while secrets are in memory
    // Before the first byte is written: every provider's token formats and credential variables.
    r1::engine::install_secret_formats(r1::providers::registry::builtin().secret_formats());
    std::signal(SIGPIPE, SIG_IGN);  // a closed stdout must be an error value, not a silent death
    r1::cli::set_command_line(argc, argv);  // the first line of each --log-dir file
    std::vector<std::string_view> args(argv + 1, argv + argc);
    auto parsed = r1::cli::parse_args(args);
    if (auto* problem = std::get_if<r1::cli::usage_problem>(&parsed)) {
        r1::cli::write_fd(2, "r1: error: " + problem->message + "\n");  // may quote an argument: scrubbed
        return r1::cli::exit_usage;
    }
    const auto& cmd = std::get<r1::cli::command>(parsed);
    try {
        switch (cmd.what) {
        case r1::cli::action::show_help: std::cout << r1::cli::main_help(); return r1::cli::exit_ok;
        case r1::cli::action::show_deploy_help: std::cout << r1::cli::deploy_help(); return r1::cli::exit_ok;
        case r1::cli::action::show_verify_help: std::cout << r1::cli::verify_help(); return r1::cli::exit_ok;
        case r1::cli::action::show_report_help: std::cout << r1::cli::report_help(); return r1::cli::exit_ok;
        case r1::cli::action::show_rollback_help: std::cout << r1::cli::rollback_help(); return r1::cli::exit_ok;
        case r1::cli::action::show_version: std::cout << r1::cli::version_text(); return r1::cli::exit_ok;
        case r1::cli::action::show_man: std::cout << r1::cli::man_page(); return r1::cli::exit_ok;
        case r1::cli::action::show_completion: std::cout << r1::cli::completion_script(cmd.shell); return r1::cli::exit_ok;
        case r1::cli::action::deploy:
        case r1::cli::action::rollback: return r1::cli::run_deploy(cmd);
        case r1::cli::action::batch: return r1::cli::run_batch(cmd);
        case r1::cli::action::watch: return r1::cli::run_watch(cmd);
        case r1::cli::action::report_merge: return r1::cli::run_report_merge(cmd);
        case r1::cli::action::classify:
            return r1::cli::run_classify({args.begin() + 1, args.end()}, std::cin, std::cout, std::cerr);
        }
    } catch (const std::exception& e) {  // a bug: say so plainly rather than abort with a core dump
        r1::cli::write_fd(2, std::string("r1: internal error: ") + e.what() + "\n");
        return r1::cli::exit_internal;
    }
    return r1::cli::exit_ok;
}
