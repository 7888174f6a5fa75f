#pragma once
/// A blocking loopback HTTP client for tests that need to send exactly the bytes they choose
/// (garbage, a dripped request, huge headers) or read a plain answer: no parser of its own.
#include <string>
#include <string_view>

namespace r1::test {

/// Connects to 127.0.0.1:port, sends `request` as is, reads until the server closes or `ms`
/// passes, and returns every byte read ("" when nothing came).
std::string raw_exchange(unsigned short port, std::string_view request, int ms = 10'000);

/// "GET <target> HTTP/1.1" with Host and Connection: close; returns the whole response.
std::string http_get(unsigned short port, std::string_view target, int ms = 10'000);

/// The body of a response (after the blank line), "" when there is none.
std::string body_of(const std::string& response);

/// The status code of a response's first line, 0 when it is not one.
unsigned status_of(const std::string& response);

/// A connected socket to 127.0.0.1:port (-1 on failure); the caller closes it.
int connect_loopback(unsigned short port);

/// Percent-encodes everything but unreserved characters (RFC 3986), for a query value.
std::string url_encode(std::string_view v);

}  // namespace r1::test
