#pragma once
/// r1's error vocabulary: one enum, usable as both boost::system::error_code and std::error_code.
/// The sentinels (cli_not_found, alias flyctl_not_found; app_name_missing; provider_unsupported) are
/// part of the library API.
#include <boost/system/error_code.hpp>
#include <boost/system/result.hpp>

#include <system_error>

namespace r1 {

enum class error {
    usage = 1,             // bad flags or config
    cli_not_found,         // the provider's CLI is neither at its path option nor on $PATH
    flyctl_not_found = cli_not_found,  // the seed's name, kept: fly's CLI is flyctl
    app_name_missing,      // an operation needs --app and none was given
    provider_unsupported,  // provider is named but not wired, or unknown
    provider_failed,       // provider CLI exited non-zero or was killed
    bad_provider_output,   // CLI output was not what we parse
    unhealthy,             // health check: not 200, empty body, substring missing
    unavailable,           // health check could not get an answer: refused, reset, TLS, DNS
    timed_out,             // a step ran past its deadline
    interrupted,           // SIGINT or SIGTERM
};

const boost::system::error_category& error_category() noexcept;
boost::system::error_code make_error_code(error e) noexcept;

template <class T>
using result = boost::system::result<T>;

}  // namespace r1

template <>
struct boost::system::is_error_code_enum<r1::error> : std::true_type {};
// std::error_code(r1::error) calls make_error_code above; Boost's code converts to std's.
template <>
struct std::is_error_code_enum<r1::error> : std::true_type {};
