#include "cli/exit_code.hpp"

#include "engine/error.hpp"

namespace r1::cli {

int exit_code_for(const boost::system::error_code& ec, int interrupt_signal) {
    if (interrupt_signal != 0) return 128 + interrupt_signal;
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
    case error::interrupted: return 128 + 2;  // interrupted without a signal we saw: say SIGINT
    }
    return exit_provider_failed;
}

}  // namespace r1::cli
