#include "cli/exit_code.hpp"

#include "engine/error.hpp"

#include <csignal>

namespace r1::cli {

int exit_code_for(const boost::system::error_code& ec, int interrupt_signal) {
    if (interrupt_signal != 0) return exit_code_for_signal(interrupt_signal);
    if (!ec) return exit_ok;
    if (ec.category() != error_category()) return exit_provider_failed;  // not expected: be loud
    switch (static_cast<error>(ec.value())) {
    case error::usage:
    case error::cli_not_found:
    case error::app_name_missing:
    case error::provider_unsupported: return exit_usage;
    case error::provider_failed:
    case error::bad_provider_output: return exit_provider_failed;
    case error::unhealthy:
    case error::unavailable:
    case error::timed_out: return exit_unhealthy;
    case error::interrupted: return exit_code_for_signal(SIGINT);  // interrupted without a signal we saw
    }
    return exit_provider_failed;
}

int exit_code_for_signal(int signal) { return 128 + signal; }

std::string signal_name(int signal) {
    if (signal == SIGINT) return "SIGINT";
    if (signal == SIGTERM) return "SIGTERM";
    return "signal " + std::to_string(signal);
}

bool outranks(int a, int b) {
    auto rank = [](int code) {
        switch (code) {
        case 128 + SIGTERM: return 6;
        case 128 + SIGINT: return 5;
        case exit_incomplete: return 4;
        case exit_usage: return 3;
        case exit_provider_failed: return 2;
        case exit_ok: return 0;
        default: return code < 0 ? 0 : 1;
        }
    };
    return rank(a) > rank(b);
}

}  // namespace r1::cli
