#pragma once
/// URL handling for health checks: parse an http(s) URL into what a GET needs, resolve redirects.
#include <boost/system/result.hpp>

#include <cstdint>
#include <string>
#include <string_view>

namespace r1::net {

/// An absolute http or https URL, split into the parts a GET needs.
struct url {
    std::string scheme;  // "http" or "https"
    std::string host;    // name or IP literal, without brackets
    std::uint16_t port = 0;
    std::string target;  // path and query, at least "/"; never the fragment

    bool https() const noexcept { return scheme == "https"; }
    bool host_is_ip() const noexcept;
    /// The URL as text (default ports omitted, IPv6 bracketed); used in messages and redirect checks.
    std::string text() const;
};

inline constexpr std::size_t max_url_length = 8192;

/// Parses an absolute http/https URL. Errors are boost::system::errc::invalid_argument with
/// the reason available through describe_url_error().
boost::system::result<url> parse_url(std::string_view text);

/// Why `text` is not an acceptable URL, in one line ("" when it is).
std::string describe_url_error(std::string_view text);

/// Resolves a Location header against the URL that returned it (RFC 3986 reference resolution).
boost::system::result<url> resolve_location(const url& base, std::string_view location);

}  // namespace r1::net
