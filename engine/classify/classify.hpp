#pragma once
/// Failure classifier: reads a provider CLI's or server's output and says whether retrying can help
/// (transient), cannot (permanent), or it cannot tell (unknown), naming the rule that decided.
/// Pure, no allocation, one linear pass; see "Precedence" below.
#include <cstddef>
#include <string_view>

namespace r1::engine {

enum class failure_class { transient, permanent, unknown };

struct verdict {
    failure_class cls = failure_class::unknown;
    std::string_view signal;                      // static name of the deciding rule, empty when unknown
    std::size_t where = std::string_view::npos;  // byte offset of the deciding match in the input
};

/// Classifies `text`: any bytes, any length, ANSI colour codes, CRLF and invalid UTF-8 included.
///
/// Text is read as words: runs of ASCII letters, digits and `_`, where `-` between two of them
/// joins (so `release_command_timeout`, `api-503` and `time-out` are one word each). Phrases match
/// whole words, case-insensitively, with any punctuation or white space between them. ANSI escape
/// sequences are invisible; bytes >= 0x80 separate words.
///
/// A three-digit number counts as an HTTP status only where it stands as one:
///   after a context word (`HTTP 503`, `status 504`, `status code: 502`, `"status":503`,
///   `returned 504`, `error 503`, `code 500`, `status of 503`), after an HTTP version
///   (`HTTP/1.1 503`), in parentheses alone (`(429)`), or before its reason phrase
///   (`503 Service Unavailable`, `<title>502 Bad Gateway`).
/// Never inside ports (`:5021`, `host:503`), ids, SHAs, versions (`v1.503.2`), byte counts
/// (`503 bytes`) or names (`api-503`).
///
/// Precedence: every rule belongs to a tier; the lowest tier found anywhere in the text wins, and
/// within a tier the leftmost match (so the class never depends on order, only the signal does).
///   0 decisive permanent  auth (`http-401`, `http-403`, `http-407`, "unauthorized", "invalid
///                         token"...), `tls-verify`, `billing` (`http-402`, quota, payment):
///                         retrying cannot fix a bad token, so an auth failure inside a 502 page
///                         is permanent.
///   1 decisive transient  `rate-limit`, `http-429`, `http-408`, `http-425`, `http-502`,
///                         `http-503`, `http-504`, `timeout` (timed out, i/o timeout...),
///                         `deadline-exceeded`, `connection-reset`, `connection-refused`,
///                         `connection-aborted`, `connection-closed`, `broken-pipe`, `eof`,
///                         `network-unreachable`, `dns-temporary`, `try-again`, `capacity`,
///                         `lease-contention`.
///   2 permanent           `dns-nxdomain`, `not-found`, `config-invalid`, `unsupported`,
///                         `build-failed`, `exit-status`, `app-crashing`, `disk-full`,
///                         `too-large`, `http-4xx` (any other 4xx).
///   3 weak transient      `timeout` (the bare word), `unavailable`, `http-500`, `http-5xx`,
///                         `network` ("fetch failed").
/// So `release_command_timeout is invalid` is permanent (config-invalid; the word is not
/// "timeout"), and "invalid config: timeout must be..." too (tier 2 beats a bare tier-3 word).
///
/// "no such host" is permanent (`dns-nxdomain`): the resolver got an authoritative answer that the
/// name does not exist, which a retry will not change. The original list called it transient; a
/// resolver that could not get an answer says so differently (EAI_AGAIN, "server misbehaving",
/// "Temporary failure in name resolution", "lookup ...: i/o timeout"), and those are transient
/// `dns-temporary`. A 500 is weak transient: often a passing server fault, and any clearer
/// permanent signal beside it wins.
verdict classify(std::string_view text) noexcept;

/// "transient", "permanent" or "unknown".
std::string_view to_string(failure_class cls) noexcept;

namespace detail {
/// classify() that also counts its inner steps (bytes read plus phrase comparisons), so tests and
/// the fuzzer can check the work stays linear in the input size.
verdict classify_counted(std::string_view text, std::size_t& steps) noexcept;
}  // namespace detail

}  // namespace r1::engine
