#include "net/url.hpp"

#include <boost/url/ipv4_address.hpp>
#include <boost/url/ipv6_address.hpp>
#include <boost/url/parse.hpp>
#include <boost/url/url.hpp>

#include <algorithm>
#include <cctype>
#include <variant>

namespace r1::net {
namespace {

namespace urls = boost::urls;
using boost::system::errc::invalid_argument;

char lower(char c) noexcept { return static_cast<char>(std::tolower(static_cast<unsigned char>(c))); }

std::string lowered(std::string_view s) {
    std::string out(s);
    std::transform(out.begin(), out.end(), out.begin(), lower);
    return out;
}

bool starts_with_nocase(std::string_view s, std::string_view prefix) {
    return s.size() >= prefix.size() && lowered(s.substr(0, prefix.size())) == prefix;
}

// Only what DNS and text() can carry back unchanged: a percent-decoded host such as "a%2Fb"
// would change meaning when printed again, and IDNs belong in their punycode form anyway.
bool plain_host_name(std::string_view host) {
    return std::all_of(host.begin(), host.end(), [](char c) {
        return std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '.' || c == '_';
    });
}

bool has_non_ascii(std::string_view s) {
    return std::any_of(s.begin(), s.end(), [](char c) { return static_cast<unsigned char>(c) >= 0x80; });
}

constexpr std::string_view idn_reason =
    "URL host is not ASCII: write an internationalised domain name in its punycode form (xn--...)";

std::uint16_t default_port(std::string_view scheme) { return scheme == "https" ? 443 : 80; }

/// Either the parsed URL or the one-line reason it is not acceptable.
using parsed = std::variant<url, std::string>;

parsed parse(std::string_view text) {
    if (text.empty()) return std::string("URL is empty");
    if (text.size() > max_url_length)
        return "URL is longer than " + std::to_string(max_url_length) + " bytes";
    // Checked before the grammar so "example.com" and "ftp://x" get the reason that helps.
    if (!starts_with_nocase(text, "http://") && !starts_with_nocase(text, "https://"))
        return std::string("URL must start with http:// or https://");
    // RFC 3986 has no room for raw UTF-8; say what to do instead of "invalid character".
    if (has_non_ascii(text)) {
        auto rest = text.substr(text.find("://") + 3);
        if (has_non_ascii(rest.substr(0, rest.find_first_of("/?#")))) return std::string(idn_reason);
        return std::string("URL has non-ASCII characters: percent-encode them in the path and query");
    }

    auto rv = urls::parse_uri(urls::string_view(text.data(), text.size()));
    if (!rv) return std::string("URL is not valid (RFC 3986): ") + rv.error().message();
    const urls::url_view& u = *rv;

    url out;
    out.scheme = lowered(u.scheme());
    if (u.has_userinfo())
        return std::string("URL must not contain a user name or password (user:pass@)");

    switch (u.host_type()) {
    case urls::host_type::ipv4: out.host = u.host_ipv4_address().to_string(); break;
    case urls::host_type::ipv6: out.host = u.host_ipv6_address().to_string(); break;
    case urls::host_type::name: {
        std::string host = u.host();
        if (has_non_ascii(host)) return std::string(idn_reason);  // percent-encoded UTF-8
        if (!plain_host_name(host)) return std::string("URL host is not a valid host name");
        out.host = lowered(host);
        break;
    }
    default: return std::string("URL host form is not supported");
    }
    if (out.host.empty()) return std::string("URL has no host");

    out.port = default_port(out.scheme);
    if (u.has_port() && !u.port().empty()) {
        auto digits = u.port();
        unsigned long value = 0;
        bool ok = digits.size() <= 5 && std::all_of(digits.begin(), digits.end(), [](char c) {
                      return c >= '0' && c <= '9';
                  });
        if (ok) value = std::stoul(std::string(digits));
        if (!ok || value == 0 || value > 65535) return std::string("URL port must be a number from 1 to 65535");
        out.port = static_cast<std::uint16_t>(value);
    }

    // Percent-encoded as given: the server sees exactly the path and query the operator wrote.
    auto path = u.encoded_path();
    // Boost.URL 1.81 takes "http://host:A443" as host "host", empty port and path "A443".
    if (!path.empty() && path.front() != '/') return std::string("URL is not valid (RFC 3986): bad port or path");
    out.target.reserve(1 + path.size() + (u.has_query() ? 1 + u.encoded_query().size() : 0));
    if (path.empty()) out.target.push_back('/');
    out.target.append(path.data(), path.size());
    if (u.has_query()) {
        out.target.push_back('?');
        out.target.append(u.encoded_query().data(), u.encoded_query().size());
    }
    return out;
}

}  // namespace

bool url::host_is_ip() const noexcept {
    urls::string_view h(host.data(), host.size());
    return urls::parse_ipv4_address(h).has_value() || urls::parse_ipv6_address(h).has_value();
}

std::string url::text() const {
    std::string out = scheme;
    out += "://";
    bool ipv6 = host.find(':') != std::string::npos;  // only an IPv6 literal has one; it needs brackets
    if (ipv6) out += '[';
    out += host;
    if (ipv6) out += ']';
    if (port != default_port(scheme)) {
        out += ':';
        out += std::to_string(port);
    }
    out += target;
    return out;
}

boost::system::result<url> parse_url(std::string_view text) {
    auto p = parse(text);
    if (auto* u = std::get_if<url>(&p)) return std::move(*u);
    return boost::system::errc::make_error_code(invalid_argument);
}

std::string describe_url_error(std::string_view text) {
    auto p = parse(text);
    if (auto* reason = std::get_if<std::string>(&p)) return std::move(*reason);
    return {};
}

boost::system::result<url> resolve_location(const url& base, std::string_view location) {
    if (location.empty() || location.size() > max_url_length)
        return boost::system::errc::make_error_code(invalid_argument);
    auto ref = urls::parse_uri_reference(urls::string_view(location.data(), location.size()));
    if (!ref) return boost::system::errc::make_error_code(invalid_argument);
    auto base_text = base.text();
    auto base_view = urls::parse_uri(base_text);
    if (!base_view) return boost::system::errc::make_error_code(invalid_argument);

    urls::url dest;
    if (auto rv = urls::resolve(*base_view, *ref, dest); !rv)
        return boost::system::errc::make_error_code(invalid_argument);
    // The result goes through the same checks as a URL typed by the operator: a redirect to
    // ftp:// or to user:pass@host is refused like one on the command line.
    return parse_url(std::string_view(dest.buffer().data(), dest.buffer().size()));
}

}  // namespace r1::net
