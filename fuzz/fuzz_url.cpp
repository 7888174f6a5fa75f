// The health URL parser: never crashes, accepts only http(s) with a host, and what it accepts
// round-trips through text() to the same parts; redirects resolve to parseable URLs.
#include "fuzz/check.hpp"
#include "net/url.hpp"

#include <cstdint>
#include <cstdlib>
#include <string_view>

using r1::fuzz::check;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    std::string_view in{reinterpret_cast<const char*>(data), size};
    auto split = in.find('\n');
    auto first = in.substr(0, split);
    auto parsed = r1::net::parse_url(first);
    check(parsed.has_value() == r1::net::describe_url_error(first).empty());
    if (!parsed) return 0;
    check(parsed->scheme == "http" || parsed->scheme == "https");
    check(!parsed->host.empty());
    check(!parsed->target.empty() && parsed->target.front() == '/');
    auto again = r1::net::parse_url(parsed->text());
    check(again.has_value());
    check(again->host == parsed->host && again->port == parsed->port && again->target == parsed->target);
    if (split != std::string_view::npos) {
        if (auto next = r1::net::resolve_location(*parsed, in.substr(split + 1)))
            check(r1::net::parse_url(next->text()).has_value());
    }
    return 0;
}
