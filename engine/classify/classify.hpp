#pragma once
/// Failure classifier: reads a provider CLI's or server's output and says whether retrying can help
/// (transient), cannot (permanent), or it cannot tell (unknown), naming what decided.
/// Pure, no allocation, linear in the input; `explain` says why, for humans (and allocates).
#include <chrono>
#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

namespace r1::engine {

enum class failure_class { transient, permanent, unknown };

struct verdict {
    failure_class cls = failure_class::unknown;
    std::string_view signal;                      // static name of what decided, empty when unknown
    std::size_t where = std::string_view::npos;  // byte offset of the deciding match in the input
};

struct classify_options {
    /// The caller's retry budget. A retry window in the text ("try again in 24 hours",
    /// "Retry-After: 3600", wrangler's "retry_after_ms") longer than this is permanent, since no
    /// retry inside the budget can succeed; a shorter one is transient.
    std::chrono::milliseconds retry_budget = std::chrono::minutes(10);
};

/// Classifies `text`: one line or a whole stderr tail, any bytes, any length, ANSI colour codes,
/// CRLF and invalid UTF-8 included. Three layers, in order:
///
/// 1. Rules (engine/classify/scan.cpp, rules.hpp, signals.cpp), one pass over the text. Phrases
///    match whole words case-insensitively, with any punctuation or white space between them; a
///    word is a run of ASCII letters, digits and `_`, where `-` between two of them joins
///    (`release_command_timeout`, `api-503`, `time-out` are one word each); ANSI escape sequences
///    are invisible. Besides phrases the rules read the codes tools print:
///    - HTTP statuses where they stand as one: after a context word (`HTTP 503`, `status code:
///      502`, `"status":503`, `returned 504`, `error 503`, `code 500`), after an HTTP version
///      (`HTTP/1.1 503`), in parentheses alone (`(429)`), after `->` (`GET /x -> 503`), or before
///      their reason phrase (`503 Service Unavailable`); never inside ports, ids, SHAs, versions,
///      byte counts or names;
///    - curl's exit codes (`curl: (6)`, `cURL error 28`), Boost.System category tags
///      (`[asio.ssl:N]`, `[asio.ssl.stream:1]`, `[asio.netdb:N]`, `[system:104 ...]`,
///      `[beast.http:26]`), OpenSSL error-queue codes (`error:0A00010B:SSL routines::...`),
///      Cloudflare API and edge codes (`[code: 10000]`, `"code":7003`, `Error 1101`);
///    - errno, getaddrinfo and undici names (ECONNRESET, EAI_AGAIN, UND_ERR_SOCKET), gRPC codes
///      (`rpc error: code = Unavailable`), Kamal's exception classes, npm's `E503`;
///    - retry windows (`try again in N <unit>`, `Retry-After: N`, `retry_after_ms`), compared
///      with options.retry_budget: `retry-window-long` (permanent) or `retry-window-short`.
///    Every rule has a tier; the lowest tier matched wins, and within a tier the leftmost:
///      0 decisive permanent  auth, tls-verify, billing, quota, retry-window-long,
///                            local-service-down, documented permanent codes (curl 60, Cloudflare
///                            10000/7003/1101, OpenSSL certificate reasons, Vercel's
///                            FUNCTION_INVOCATION_* and DEPLOYMENT_NOT_FOUND...), and an
///                            authoritative "no such host" once its line shows no provider or
///                            registry host and no resolver fault (`dns-nxdomain`)
///      1 decisive transient  http-429, Cloudflare 522/524, retry-window-short, dns-provider-api,
///                            dns-registry-host, registry-network, dns-temporary,
///                            tls-handshake-eof, held leases and deploy locks, gRPC UNAVAILABLE,
///                            documented transient codes (Cloudflare 971/1015, Vercel INTERNAL_*)
///      2 transient           timeouts, resets, refused/failed connections, EOF (OpenSSL's
///                            unexpected EOF after the handshake too), 502-504, rate-limit
///                            without a window, try-again, capacity, "an internal error occurred"...
///      3 permanent           not-found, "could not resolve host" (no cause given), config-invalid,
///                            build-failed, exit-status, app-crashing, other 4xx...
///      4 weak transient      a bare "timeout", "unavailable", 500, other 5xx, "fetch failed"
///    A tail is read as a deploy prints it: lines whose level word is warn, warning, info,
///    debug, note, notice, hint or trace are asides, and count only when no other line matches.
/// 2. A decisive match (tier 0 or 1) decides.
/// 3. Otherwise a logistic-regression model (engine/classify/model.hpp: hashed words, word pairs,
///    character 3- and 4-grams and the rule signals that fired, trained offline by
///    tests/data/classify/train_model.py) decides when it is confident: |p(transient) - 0.5| at
///    least `margin`, and against a tier-2 or tier-3 match at least `override_margin` (both
///    written in model_weights.cpp: 0.05 and 0.4). When it agrees with a match that rule names
///    the signal, else the signal is "model". Otherwise the match decides, and without one the
///    answer is unknown. The model speaks only about text that reports a failure: with a failure cue word
///    (error, failed, fatal, denied, refused, invalid, timeout, unavailable...) or a rule match.
///
/// "no such host" is permanent (`dns-nxdomain`): an authoritative answer that the name does not
/// exist, which a retry will not change, except for the providers' own API hosts (api.fly.io,
/// api.machines.dev, api.vercel.com, api.cloudflare.com: `dns-provider-api`) and public registry
/// and code hosts (github.com, registry-1.docker.io, registry.npmjs.org...: `dns-registry-host`),
/// names that plainly exist, where it is the runner's resolver (transient). A resolver that could
/// not answer says so differently (EAI_AGAIN, "server misbehaving", "Temporary failure in name
/// resolution", "lookup ...: i/o timeout"): `dns-temporary`, transient. JSON-escaped breaks
/// (`\n`, `\r\n`) separate words as the breaks did. tests/data/classify/POLICY.md is the
/// labelling rule; its "Applying the table" paragraph is what these host and row rules follow.
verdict classify(std::string_view text) noexcept;
verdict classify(std::string_view text, const classify_options& options) noexcept;

/// "transient", "permanent" or "unknown".
std::string_view to_string(failure_class cls) noexcept;

/// Why classify() decided as it did: for humans debugging a retry decision (r1 classify
/// --explain). Allocates; the verdict is the one classify() returns.
struct explanation {
    struct rule_match {
        std::string_view signal;
        failure_class cls = failure_class::unknown;
        int tier = 0;                  // 0 decisive permanent ... 3 weak transient
        std::size_t where = 0;
        bool aside = false;            // on a warn/info/debug/note line
    };
    struct weighed_feature {
        std::string_view kind;  // "word", "pair", "gram", "signal"
        std::string text;       // the words or bytes it stands for
        double weight = 0;      // its share of the logit: > 0 leans transient
    };
    verdict result;
    std::string decided_by;              // "rule", "model", "rule (model unsure)", "nothing"
    std::vector<rule_match> rules;       // every rule that matched, in text order
    bool model_consulted = false;
    double probability = 0.5;            // the model's p(transient), when consulted
    double margin = 0;                   // it speaks when |probability - 0.5| >= margin,
    double override_margin = 0;          // and against a transient- or permanent-tier rule at this
    std::vector<weighed_feature> features;  // the model's strongest features, strongest first
};
explanation explain(std::string_view text, const classify_options& options = {});

namespace detail {
/// classify() that also counts its inner steps (bytes read plus phrase comparisons), so tests and
/// the fuzzer can check the work stays linear in the input size.
verdict classify_counted(std::string_view text, std::size_t& steps) noexcept;
}  // namespace detail

}  // namespace r1::engine
