#include "net/url.hpp"

#include <catch2/catch.hpp>

#include <string>

using r1::net::describe_url_error;
using r1::net::parse_url;
using r1::net::resolve_location;

namespace {

r1::net::url parsed(std::string_view text) {
    auto u = parse_url(text);
    REQUIRE(u.has_value());
    return *u;
}

std::string resolved(std::string_view base, std::string_view location) {
    auto u = resolve_location(parsed(base), location);
    return u ? u->text() : "error: " + u.error().message();
}

}  // namespace

TEST_CASE("url: splits an https URL and defaults the port", "[net][url]") {
    auto u = parsed("https://example.com");
    CHECK(u.scheme == "https");
    CHECK(u.https());
    CHECK(u.host == "example.com");
    CHECK(u.port == 443);
    CHECK(u.target == "/");
    CHECK_FALSE(u.host_is_ip());
    CHECK(parsed("http://example.com").port == 80);
}

TEST_CASE("url: lower-cases scheme and host and keeps path and query but not the fragment", "[net][url][normalize]") {
    auto u = parsed("HTTP://Example.COM:8080/A/b%20c?x=1&Y=2#frag");
    CHECK(u.scheme == "http");
    CHECK(u.host == "example.com");
    CHECK(u.port == 8080);
    CHECK(u.target == "/A/b%20c?x=1&Y=2");
    CHECK(u.text() == "http://example.com:8080/A/b%20c?x=1&Y=2");
    CHECK(parsed("HTTPS://EXAMPLE.COM:443").text() == "https://example.com/");
}

TEST_CASE("url: accepts IP literals and brackets IPv6 again in text()", "[net][url][ip]") {
    auto v6 = parsed("http://[::1]:8080/a/../b?q#frag");
    CHECK(v6.host == "::1");
    CHECK(v6.host_is_ip());
    CHECK(v6.target == "/a/../b?q");
    CHECK(v6.text() == "http://[::1]:8080/a/../b?q");
    auto v4 = parsed("https://127.0.0.1/");
    CHECK(v4.host == "127.0.0.1");
    CHECK(v4.host_is_ip());
    CHECK(v4.text() == "https://127.0.0.1/");
}

TEST_CASE("url: round-trips through text()", "[net][url][roundtrip]") {
    for (auto text : {"https://my-app.fly.dev/", "http://[::1]:8080/x?y", "https://a.example:8443/p/q?r=s",
                      "http://127.0.0.1:1/"}) {
        auto once = parsed(text);
        auto twice = parsed(once.text());
        CHECK(twice.host == once.host);
        CHECK(twice.port == once.port);
        CHECK(twice.target == once.target);
        CHECK(twice.text() == once.text());
    }
}

TEST_CASE("url: rejects what a health check cannot GET with a one-line reason", "[net][url][reject]") {
    CHECK(describe_url_error("") == "URL is empty");
    CHECK(describe_url_error("ftp://example.com/") == "URL must start with http:// or https://");
    CHECK(describe_url_error("example.com") == "URL must start with http:// or https://");
    CHECK(describe_url_error("/healthz") == "URL must start with http:// or https://");
    CHECK(describe_url_error("http:///path") == "URL has no host");
    CHECK(describe_url_error("https://user:pw@host/").find("user name or password") != std::string::npos);
    CHECK(describe_url_error("https://@host/").find("user name or password") != std::string::npos);
    CHECK(describe_url_error("http://host:0/") == "URL port must be a number from 1 to 65535");
    CHECK(describe_url_error("http://host:65536/") == "URL port must be a number from 1 to 65535");
    CHECK(describe_url_error("http://ho%2Fst/") == "URL host is not a valid host name");
    CHECK(describe_url_error("HTTPS://EXAMPLE.COM:A443").starts_with("URL is not valid"));  // found by fuzz_url
    CHECK(describe_url_error("http://host/a b").find("not valid") != std::string::npos);
    // IDNs: raw or percent-encoded UTF-8 in the host asks for punycode; elsewhere, for percent-encoding.
    CHECK(describe_url_error("https://b\xC3\xBC" "cher.example/health").find("punycode form (xn--...)") != std::string::npos);
    CHECK(describe_url_error("https://b%C3%BCcher.example/").find("punycode form") != std::string::npos);
    CHECK(describe_url_error("https://user@b\xC3\xBC" "cher.example/").find("punycode form") != std::string::npos);
    CHECK(describe_url_error("https://example.com/\xC3\xBC") ==
          "URL has non-ASCII characters: percent-encode them in the path and query");
    CHECK(describe_url_error("https://example.com/\xFF\xFE").find("percent-encode") != std::string::npos);
    CHECK(describe_url_error("https://xn--bcher-kva.example/health").empty());
    CHECK(describe_url_error("https://example.com/%C3%BC?q=%FF").empty());
    CHECK(describe_url_error("https://example.com/" + std::string(8192, 'a')) == "URL is longer than 8192 bytes");
    CHECK(describe_url_error("https://example.com/").empty());

    auto bad = parse_url("ftp://x");
    REQUIRE(bad.has_error());
    CHECK(bad.error() == boost::system::errc::invalid_argument);
}

TEST_CASE("url: resolves relative and absolute Location values (RFC 3986)", "[net][url][redirect]") {
    CHECK(resolved("https://h.example/a/b/c", "/ok") == "https://h.example/ok");
    CHECK(resolved("https://h.example/a/b/c", "d") == "https://h.example/a/b/d");
    CHECK(resolved("https://h.example/a/b/c", "../../up") == "https://h.example/up");
    CHECK(resolved("https://h.example/a?x=1", "?y=2") == "https://h.example/a?y=2");
    CHECK(resolved("https://h.example:8443/a", "//other.example/p") == "https://other.example/p");
    CHECK(resolved("https://h.example/a", "http://Other.Example:81/p#f") == "http://other.example:81/p");
    CHECK(resolved("http://[::1]:8080/a", "/b") == "http://[::1]:8080/b");
}

TEST_CASE("url: a Location to another scheme or with credentials is refused", "[net][url][redirect][reject]") {
    auto base = parsed("https://h.example/");
    CHECK(resolve_location(base, "ftp://h.example/").has_error());
    CHECK(resolve_location(base, "https://user:pw@h.example/").has_error());
    CHECK(resolve_location(base, "").has_error());
    CHECK(resolve_location(base, "/has space").has_error());
}
