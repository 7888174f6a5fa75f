#pragma once
/// Structured signals: the codes tools print (curl exit codes, Asio/Beast/system category tags,
/// OpenSSL packed errors, Cloudflare API and edge codes) and what each means for a retry.
/// Internal to engine/classify; the scanner in classify.cpp finds the codes, these tables judge them.
#include "engine/classify/rules.hpp"

#include <cstdint>
#include <string_view>

namespace r1::engine::classify_signals {

using classify_rules::tier;

struct rule {
    tier level = tier::none;
    std::string_view signal;
};

/// `curl: (N)`, `cURL error N`: curl's exit code N (CURLcode).
rule curl_code(std::uint64_t code) noexcept;

/// `[system:N]`, `[generic:N]`, `asio.system:N`: an errno value, as Linux, macOS or Windows number
/// it; only values that mean the same network failure wherever they occur are judged.
rule errno_code(std::uint64_t code) noexcept;

/// `[asio.ssl:N]`: OpenSSL's packed error (library and reason), 1.1 or 3.x layout.
rule asio_ssl_code(std::uint64_t code) noexcept;

/// `[asio.ssl.stream:N]`: asio::ssl::error::stream_errors.
rule asio_ssl_stream_code(std::uint64_t code) noexcept;

/// `[asio.misc:N]`, `[asio.netdb:N]`, `[asio.addrinfo:N]`: asio::error::misc_errors,
/// netdb_errors and addrinfo_errors.
rule asio_misc_code(std::uint64_t code) noexcept;
rule asio_netdb_code(std::uint64_t code) noexcept;
rule asio_addrinfo_code(std::uint64_t code) noexcept;

/// `[beast.http:N]`: boost::beast::http::error.
rule beast_http_code(std::uint64_t code) noexcept;

/// `error:0A00010B:SSL routines::...`: the hexadecimal code of an OpenSSL error-queue line.
rule openssl_queue_code(std::uint64_t code) noexcept;

/// A Cloudflare API error code (`[code: 10000]`, `"code":7003`) or edge error (`Error 1101`).
rule cloudflare_code(std::uint64_t code) noexcept;

}  // namespace r1::engine::classify_signals
