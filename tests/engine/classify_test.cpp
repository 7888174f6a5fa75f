#include "engine/classify/classify.hpp"
#include "engine/classify/classify_error.hpp"
#include "engine/error.hpp"
#include "net/tls_verify_error.hpp"

#include <boost/asio/error.hpp>
#include <boost/asio/ssl/error.hpp>

#include <catch2/catch.hpp>

#include <openssl/err.h>
#include <openssl/ssl.h>

#include <chrono>
#include <cmath>
#include <string>

using r1::engine::classify;
using r1::engine::failure_class;

namespace {

/// "class/signal", so a failing CHECK shows both.
std::string decide(std::string_view text) {
    auto v = classify(text);
    return std::string(r1::engine::to_string(v.cls)) + "/" + std::string(v.signal);
}

/// Whether a rule with `signal` matched in `text` (whatever decided in the end).
bool matched(std::string_view text, std::string_view signal) {
    for (const auto& r : r1::engine::explain(text).rules)
        if (r.signal == signal) return true;
    return false;
}

}  // namespace

TEST_CASE("classify: timeouts and deadlines are transient", "[engine][classify]") {
    CHECK(decide("Error: context deadline exceeded") == "transient/deadline-exceeded");
    CHECK(decide("read tcp 10.0.0.2:50312->77.83.140.164:443: i/o timeout") == "transient/timeout");
    CHECK(decide("curl: (28) Operation timed out after 30001 milliseconds") == "transient/timeout");
    CHECK(decide("connect ETIMEDOUT 104.18.32.47:443") == "transient/timeout");
    CHECK(decide("net/http: TLS handshake timeout") == "transient/timeout");
    CHECK(decide("<title>504 Gateway Time-out</title>") == "transient/http-504");
}

TEST_CASE("classify: 502, 503, 504 and 429 count only where they stand as a status", "[engine][classify][status]") {
    CHECK(decide("HTTP 503") == "transient/http-503");
    CHECK(decide("HTTP/1.1 503 Service Unavailable") == "transient/http-503");
    CHECK(decide("HTTP/2 502") == "transient/http-502");
    CHECK(decide("unexpected status code: 502") == "transient/http-502");
    CHECK(decide("server returned status 504") == "transient/http-504");
    CHECK(decide("returned 504") == "transient/http-504");
    CHECK(decide("{\"status\":503}") == "transient/http-503");
    CHECK(decide("the server responded with a status of 503") == "transient/http-503");
    CHECK(decide("curl: (22) The requested URL returned error: 503") == "transient/http-503");
    // A 429 is a decisive transient (POLICY.md: a throttle with a short window or none), so it
    // names the signal over the phrase beside it.
    CHECK(decide("Rate limit exceeded (429)") == "transient/http-429");
    CHECK(decide("request failed (429)") == "transient/http-429");
    CHECK(decide("<html><title>502 Bad Gateway</title>") == "transient/http-502");
    SECTION("not ports, names, ids, versions, SHAs or sizes") {
        for (auto text : {"listening on 0.0.0.0:5021", "proxy to host:503", "app api-503 deployed",
                          "image deployment-01H503XYZ", "flyctl v0.1.503", "version 1.503.2",
                          "sha256:503907ce0eeaa0417a5f7a8014cbee1e76a1e97bf1fa647f57013e1dbfa0170f",
                          "wrote 503 bytes", "transferring context: 502B", "took 503.2s", "[502/900] compiling",
                          "line 502, column 3"})
            CHECK(decide(text) == "unknown/");
    }
    SECTION("other codes") {
        CHECK(decide("HTTP 404") == "permanent/http-4xx");
        CHECK(decide("status 408") == "transient/http-408");
        CHECK(decide("HTTP 500") == "transient/http-500");
        CHECK(decide("HTTP/1.1 200 OK") == "unknown/");
        CHECK(decide("HTTP 301") == "unknown/");
    }
}

TEST_CASE("classify: words match whole and case-insensitively", "[engine][classify][words]") {
    CHECK(decide("release_command_timeout is invalid") == "permanent/config-invalid");
    CHECK(decide("release_command_timeout") == "unknown/");
    CHECK(decide("--wait-timeout 5m") == "unknown/");
    CHECK(decide("TIMEOUT") == "transient/timeout");
    CHECK(decide("Connection Reset By Peer") == "transient/connection-reset");
    CHECK(decide("ECONNREFUSED") == "transient/connection-refused");
    CHECK(decide("noeof") == "unknown/");
    CHECK(decide("unauthorizedness") == "unknown/");
}

TEST_CASE("classify: rate limits, connections, DNS and Fly placement", "[engine][classify][rules]") {
    // Docker Hub counts pulls per hour (per 6 hours before 2025): past the retry budget (POLICY.md).
    CHECK(decide("toomanyrequests: You have reached your pull rate limit") == "permanent/quota");
    CHECK(decide("toomanyrequests: Too Many Requests") == "transient/rate-limit");
    CHECK(decide("Error: Too many requests") == "transient/rate-limit");
    CHECK(decide("write: broken pipe") == "transient/broken-pipe");
    CHECK(decide("failed to launch VM: EOF") == "transient/eof");
    CHECK(decide("lookup api.fly.io: Temporary failure in name resolution") == "transient/dns-temporary");
    CHECK(decide("getaddrinfo EAI_AGAIN registry.npmjs.org") == "transient/dns-temporary");
    CHECK(decide("dial tcp: lookup api.fly.io on 10.0.0.1:53: server misbehaving") == "transient/dns-temporary");
    CHECK(decide("dial tcp: lookup x on 1.1.1.1:53: read udp 1.2.3.4:5->1.1.1.1:53: i/o timeout") ==
          "transient/dns-temporary");
    CHECK(decide("dial tcp: lookup my-app.fly.dev on 10.0.0.1:53: no such host") == "permanent/dns-nxdomain");
    CHECK(decide("aborted: machine ID 1 lease currently held by x@tokens.fly.io") == "transient/lease-contention");
    // A host out of room: the rule reads it as capacity (a slot that frees up); in the real
    // corpus the same words needed a human (tests/data/classify/real), so the model has the
    // final word on it.
    CHECK(matched("could not reserve resource for machine: insufficient memory", "capacity"));
    CHECK(decide("deploys to this host are temporarily disabled, please try again later") == "transient/try-again");
}

TEST_CASE("classify: auth, TLS, billing and configuration are permanent", "[engine][classify][rules]") {
    CHECK(decide("No access token available. Please login with 'flyctl auth login'") == "permanent/auth");
    CHECK(decide("Error: The specified token is not valid.") == "permanent/auth");
    CHECK(decide("unauthorized: authentication required") == "permanent/auth");
    CHECK(decide("HTTP 401") == "permanent/http-401");
    CHECK(decide("x509: certificate signed by unknown authority") == "permanent/tls-verify");
    CHECK(decide("SSL certificate problem: unable to get local issuer certificate") == "permanent/tls-verify");
    CHECK(decide("please add a payment method") == "permanent/billing");
    CHECK(decide("Error: Could not find App \"demo\"") == "permanent/not-found");
    CHECK(decide("unknown field 'servces'") == "permanent/config-invalid");
    CHECK(decide("process \"/bin/sh -c npm ci\" did not complete successfully: exit code: 1") == "permanent/build-failed");
    // A failure that says nothing: the model reads it, and never as worth a retry on its own.
    CHECK(classify("Error An unknown error occured.").cls != failure_class::transient);
    CHECK(decide("") == "unknown/");
}

TEST_CASE("classify: precedence is by tier, then leftmost", "[engine][classify][precedence]") {
    // An auth failure reported inside a 502 page: retrying cannot fix the token.
    auto v = classify("<title>502 Bad Gateway</title> upstream: 401 Unauthorized");
    CHECK(v.cls == failure_class::permanent);
    CHECK(v.signal == "http-401");
    CHECK(decide("502 Bad Gateway: invalid token") == "permanent/auth");
    // Decisive transient beats ordinary permanent.
    CHECK(decide("failed to obtain lease: lease currently held by x, machine not found") ==
          "transient/lease-contention");
    CHECK(decide("error parsing HTTP 429 response body: invalid character 'T'") == "transient/http-429");
    // Ordinary permanent beats weak transient.
    CHECK(decide("invalid config: timeout must be positive") == "permanent/config-invalid");
    CHECK(decide("HTTP 500: unknown field 'x'") == "permanent/config-invalid");
    // Within a tier the leftmost match names the signal, and `where` points at it.
    auto w = classify("connection refused, then connection reset");
    CHECK(w.signal == "connection-refused");
    CHECK(w.where == 0);
    CHECK(classify("Error: i/o timeout").where == 7);
    CHECK(classify("x HTTP 503").where == 7);
    // The most specific phrase at a word wins over its suffix.
    CHECK(decide("Error response from daemon: pull access denied for x, repository does not exist") ==
          "permanent/not-found");
}

TEST_CASE("classify: a decisive permanent match ends the scan, verdict unchanged", "[engine][classify][precedence]") {
    std::string tail;
    for (int i = 0; i < 10000; ++i) tail += " connection reset by peer, HTTP 503, invalid token";
    std::size_t steps = 0;
    auto v = r1::engine::detail::classify_counted("Error: 401 Unauthorized" + tail, steps);
    CHECK(v.cls == failure_class::permanent);
    CHECK(v.signal == "http-401");
    CHECK(v.where == 7);
    CHECK(steps < 200);  // stopped a few words after the match, not at the end of 500 KB
    // Weaker tiers never stop it: the tier-0 match at the end still wins.
    auto w = classify("HTTP 503" + tail.substr(0, 200) + " 403 Forbidden");
    CHECK(w.signal == "auth");
    CHECK(w.cls == failure_class::permanent);
    // A mark later on the line can still make an earlier failure decisive permanent: the scan
    // reads on to it (found by fuzz_classify).
    std::string marked = "rate limit exceeded, 401 Unauthorized," + std::string(200, ' ') + "limit per day";
    auto m = classify(marked);
    CHECK(m.signal == "retry-window-long");
    CHECK(m.where == 0);
    CHECK(r1::engine::explain(marked).result.where == 0);
    // The phrase matched at the decisive word is the longest one ending there.
    CHECK(decide("a b c d e f invalid or expired token g h i j") == "permanent/auth");
    CHECK(classify("a b c d e f invalid or expired token g h i j").where == 12);
}

TEST_CASE("classify: words are looked up where they stand, at any distance from the end", "[engine][classify][words]") {
    // Shorter than 8 bytes, and words ending within 8 bytes of the end of the text.
    CHECK(decide("EOF") == "transient/eof");
    CHECK(decide("x EOF") == "transient/eof");
    CHECK(decide("eofx") == "unknown/");
    CHECK(decide("HTTP 503") == "transient/http-503");
    CHECK(decide("bad gateway") == "transient/http-502");
    // Longer than 16 bytes: compared byte by byte, any case, hyphens kept.
    CHECK(decide("error: UNABLE_TO_VERIFY_LEAF_SIGNATURE") == "permanent/tls-verify");
    CHECK(decide("unable_to_verify_leaf_signaturex") == "unknown/");
    CHECK(decide("unable_to_verify_leaf-signature") == "unknown/");
    CHECK(decide("Err_Tls_Cert_Altname_Invalid: host mismatch") == "permanent/tls-verify");
    // Longer than any vocabulary word, and 16 bytes at a time across a long word.
    CHECK(decide(std::string(100, 'a') + " timed out") == "transient/timeout");
    CHECK(decide("timed out " + std::string(100, 'a')) == "transient/timeout");
}

TEST_CASE("classify: ANSI colour, CRLF and invalid UTF-8 do not change the answer", "[engine][classify][bytes]") {
    CHECK(decide("\x1b[1;31mError:\x1b[0m context \x1b[33mdeadline\x1b[0m exceeded\r\n") ==
          "transient/deadline-exceeded");
    CHECK(decide("time\x1b[0mout") == "transient/timeout");
    CHECK(decide("\x1b]8;;https://fly.io\x07link\x1b]8;;\x07 HTTP 503") == "transient/http-503");
    CHECK(decide("HTTP\r\n503\r\n") == "transient/http-503");
    CHECK(decide("\xff\xfe time\xc3\x28out") == "unknown/");
    CHECK(decide("\xff\xfe timed out \xc3\x28") == "transient/timeout");
    CHECK(decide("caf\xc3\xa9 connection refused") == "transient/connection-refused");
    CHECK(decide(std::string("nul\0 broken pipe", 16)) == "transient/broken-pipe");
    CHECK(decide("\x1b") == "unknown/");
    CHECK(decide("\x1b[") == "unknown/");
    CHECK(classify("\x1b[31mHTTP 503").where == 10);
}

TEST_CASE("classify: work is linear in the input size", "[engine][classify][linear]") {
    std::string unit = "HTTP/1.1 503 Service Unavailable connection reset by peer i/o timeout 502 Bad ";
    std::size_t one = 0, many = 0;
    r1::engine::detail::classify_counted(unit, one);
    std::string big;
    for (int i = 0; i < 1000; ++i) big += unit;
    auto v = r1::engine::detail::classify_counted(big, many);
    CHECK(v.signal == "http-503");
    CHECK(many <= 1000 * one + 64);
    std::string words(1 << 20, 'a');
    for (std::size_t i = 7; i < words.size(); i += 8) words[i] = ' ';
    r1::engine::detail::classify_counted(words, many);
    CHECK(many <= 4 * words.size());
}

TEST_CASE("classify: to_string names each class", "[engine][classify]") {
    CHECK(r1::engine::to_string(failure_class::transient) == "transient");
    CHECK(r1::engine::to_string(failure_class::permanent) == "permanent");
    CHECK(r1::engine::to_string(failure_class::unknown) == "unknown");
}

TEST_CASE("classify_error: structured causes decide without text", "[engine][classify][error_code]") {
    namespace aerr = boost::asio::error;
    auto check = [](boost::system::error_code ec, failure_class cls, std::string_view signal) {
        auto v = r1::engine::classify(ec);
        INFO(ec.message());
        CHECK(v.cls == cls);
        CHECK(v.signal == signal);
        CHECK(v.where == std::string_view::npos);
    };
    check(aerr::timed_out, failure_class::transient, "timeout");
    check(aerr::connection_reset, failure_class::transient, "connection-reset");
    check(aerr::connection_refused, failure_class::transient, "connection-refused");
    check(aerr::connection_aborted, failure_class::transient, "connection-aborted");
    check(aerr::broken_pipe, failure_class::transient, "broken-pipe");
    check(aerr::eof, failure_class::transient, "eof");
    check(aerr::host_not_found_try_again, failure_class::transient, "dns-temporary");
    check(aerr::host_not_found, failure_class::permanent, "dns-nxdomain");
    check(boost::asio::ssl::error::stream_truncated, failure_class::transient, "connection-reset");
    check(boost::system::error_code(static_cast<int>(ERR_PACK(ERR_LIB_SSL, 0, SSL_R_CERTIFICATE_VERIFY_FAILED)),
                                    boost::asio::error::get_ssl_category()),
          failure_class::permanent, "tls-verify");
    check(r1::net::make_tls_verify_error(X509_V_ERR_CERT_HAS_EXPIRED), failure_class::permanent, "tls-verify");
    check(boost::system::error_code(static_cast<int>(ERR_PACK(ERR_LIB_SSL, 0, SSL_R_TLSV1_ALERT_PROTOCOL_VERSION)),
                                    boost::asio::error::get_ssl_category()),
          failure_class::permanent, "tls-protocol");
    check(r1::error::unavailable, failure_class::transient, "unavailable");
    check(r1::error::timed_out, failure_class::transient, "timeout");
    check(r1::error::unhealthy, failure_class::unknown, "unhealthy");
    check(r1::error::usage, failure_class::permanent, "usage");
    check(r1::error::flyctl_not_found, failure_class::permanent, "flyctl-not-found");
    check(r1::error::app_name_missing, failure_class::permanent, "app-name-missing");
    check(r1::error::provider_unsupported, failure_class::permanent, "provider-unsupported");
    check(r1::error::interrupted, failure_class::permanent, "interrupted");
    check({}, failure_class::unknown, "");
    check(boost::system::error_code(EINVAL, boost::system::generic_category()), failure_class::unknown, "");
}

TEST_CASE("classify: tools' codes decide by what they document", "[engine][classify][codes]") {
    // curl's exit codes (include/curl/curl.h): certificate and auth codes are final, a timeout
    // is a timeout whatever the words after it.
    CHECK(decide("curl: (60) SSL certificate problem") == "permanent/tls-verify");
    CHECK(decide("curl: (67) Access denied: 530") == "permanent/auth");
    CHECK(matched("curl: (28) Operation too slow", "timeout"));
    CHECK(matched("cURL error 28: See http://curl.haxx.se/libcurl/c/libcurl-errors.html", "timeout"));
    CHECK(!matched("exit code (28)", "timeout"));  // no "curl" before it
    // Boost.System category tags: OpenSSL's packed reason in 1.1 and 3.x layouts, errno values.
    CHECK(decide("handshake: certificate verify failed (SSL routines) [asio.ssl:337047686]") ==
          "permanent/tls-verify");
    CHECK(decide("read: unexpected eof [asio.ssl:167772454]") == "transient/eof");  // 0x0A000126
    CHECK(matched("Connection reset by peer [system:104 at reactive_socket.hpp:97]", "connection-reset"));
    CHECK(matched("[asio.netdb:2]", "dns-temporary"));
    CHECK(matched("'unexpected eof in body [beast.http:26]'", "connection-closed"));
    CHECK(!matched("[system:7]", "connection-reset"));
    // OpenSSL error-queue lines carry the same packed code in hex.
    CHECK(matched("error:0A00010B:SSL routines::wrong version number", "tls-protocol"));
    CHECK(decide("error:14090086:SSL routines:ssl3_get_server_certificate:certificate verify failed") ==
          "permanent/tls-verify");
    // Cloudflare API and edge codes (wrangler's "[code: N]", JSON bodies, error pages).
    CHECK(decide("Authentication error [code: 10000]") == "permanent/auth");
    CHECK(decide("{\"success\":false,\"errors\":[{\"code\":7003,\"message\":\"Could not route\"}]}") ==
          "permanent/config-invalid");
    CHECK(decide("Please wait and consider throttling your request speed [code: 971]") == "transient/rate-limit");
    CHECK(decide("Error 1101 Ray ID: 8f1b6aac1b649bcb\nWorker threw exception") == "permanent/app-crashing");
    CHECK(decide("Error 1015 Ray ID: 9e7c8f741a2c1c63\nYou are being rate limited") == "transient/rate-limit");
    CHECK(decide("Error 522 Ray ID: 2b06db3818810da9\nConnection timed out") == "transient/http-522");
    // gRPC codes, Kamal's exception classes, undici's codes.
    CHECK(matched("failed to solve: rpc error: code = Unavailable desc = EOF", "grpc-unavailable"));
    CHECK(decide("rpc error: code = PermissionDenied desc = denied") == "permanent/auth");
    CHECK(decide("ERROR (Kamal::Cli::LockError): Deploy lock found.") == "transient/deploy-lock");
    CHECK(decide("ERROR (Kamal::Cli::LockError): Deploy lock held manually, not waiting.") ==
          "permanent/deploy-lock-stuck");
    CHECK(decide("ERROR (Net::SSH::AuthenticationFailed): Authentication failed for user deploy@1.2.3.4") ==
          "permanent/auth");
    CHECK(matched("cause: SocketError: other side closed { code: 'UND_ERR_SOCKET' }", "connection-reset"));
    // HTTP statuses after an arrow, and npm's E-codes.
    CHECK(matched("GET /accounts/x/pages/projects/y -> 503", "http-503"));
    CHECK(decide("npm ERR! code E401") == "permanent/http-401");
}

TEST_CASE("classify: a retry window is judged against the retry budget", "[engine][classify][window]") {
    using namespace std::chrono_literals;
    auto with_budget = [](std::string_view text, std::chrono::milliseconds budget) {
        auto v = classify(text, {.retry_budget = budget});
        return std::string(r1::engine::to_string(v.cls)) + "/" + std::string(v.signal);
    };
    CHECK(decide("Too many requests - try again in 46 seconds. (429)") == "transient/retry-window-short");
    CHECK(decide("Rate limit exceeded. Try again in 11 days") == "permanent/retry-window-long");
    CHECK(decide("at capacity; try again in a few hours") == "permanent/retry-window-long");
    CHECK(decide("throttled, try again in an hour") == "permanent/retry-window-long");
    CHECK(decide("HTTP/1.1 429 Too Many Requests\r\nRetry-After: 3600\r\n") == "permanent/retry-window-long");
    CHECK(decide("HTTP/1.1 429 Too Many Requests\r\nRetry-After: 30\r\n") == "transient/http-429");  // leftmost
    CHECK(matched("HTTP/1.1 429 Too Many Requests\r\nRetry-After: 30\r\n", "retry-window-short"));
    CHECK(decide("{\"type\":\"command-failed\",\"code\":10000,\"retry_after_ms\":12345}") == "permanent/auth");
    CHECK(decide("{\"type\":\"command-failed\",\"retry_after_ms\":12345}") == "transient/retry-window-short");
    CHECK(decide("retry after 1h30m") == "permanent/retry-window-long");
    CHECK(decide("toomanyrequests: retry-after: 985.86\xc2\xb5s, allowed: 44000/minute") ==
          "transient/retry-window-short");
    // Written as a rate beside the limit: per minute is a throttle, per day a quota.
    CHECK(decide("Rate limit reached for gpt-4o on tokens per min (TPM): Limit 30000") == "transient/retry-window-short");
    CHECK(decide("Quota exceeded for quota metric 'Queries' and limit 'Queries per day'") ==
          "permanent/retry-window-long");
    // The budget is the caller's: a deploy with a 3-hour budget waits out a 2-hour window.
    CHECK(with_budget("try again in 2 hours", 10min) == "permanent/retry-window-long");
    CHECK(with_budget("try again in 2 hours", 3h) == "transient/retry-window-short");
    CHECK(with_budget("try again in 10 minutes", 10min) == "transient/retry-window-short");
    CHECK(with_budget("try again in 11 minutes", 10min) == "permanent/retry-window-long");
    // Not windows: a tool's own progress, and numbers after other words.
    CHECK(!matched("d46f9f76f72f: Retrying in 5 seconds", "retry-window-short"));
    CHECK(!matched("try again in case 5 minutes", "retry-window-short"));
}

TEST_CASE("classify: hosts qualify failures on the same line (POLICY.md)", "[engine][classify][hosts]") {
    // NXDOMAIN for a provider's own API host is the runner's network; for any other name it is final.
    CHECK(decide("getaddrinfo ENOTFOUND api.cloudflare.com") == "transient/dns-provider-api");
    CHECK(decide("dial tcp: lookup api.fly.io: no such host") == "transient/dns-provider-api");
    CHECK(matched("curl: (6) Could not resolve host: my-app.fly.dev", "dns-nxdomain"));
    CHECK(!matched("curl: (6) Could not resolve host: my-app.fly.dev", "dns-provider-api"));
    // A refused connection to this machine stays refused: nobody starts the daemon between retries.
    CHECK(decide("Cannot connect to the Docker daemon at unix:///var/run/docker.sock. Is the docker daemon running?") ==
          "permanent/local-service-down");
    CHECK(decide("connect ECONNREFUSED 127.0.0.1:8787") == "permanent/local-service-down");
    CHECK(!matched("lookup db on 127.0.0.53:53: connection refused", "local-service-down"));
    CHECK(!matched("dial tcp 10.0.0.5:443: connection refused", "local-service-down"));
    // Only on the same line.
    CHECK(!matched("GET http://localhost:8080/\nread tcp 1.2.3.4:443: connection refused", "local-service-down"));
}

TEST_CASE("classify: the rows of POLICY.md's table decide where a line states them", "[engine][classify][hosts]") {
    // A failed lookup of a public registry or code host is the runner's resolver (POLICY.md,
    // "Applying the table"); an authoritative "no such host" for any other name is final, even
    // where the model leans the other way.
    CHECK(decide("fatal: unable to access 'https://github.com/x/y.git/': Could not resolve host: github.com") ==
          "transient/dns-registry-host");
    CHECK(decide("lookup registry-1.docker.io: getaddrinfow: No such host is known.") == "transient/dns-registry-host");
    CHECK(decide("Error: getaddrinfo ENOTFOUND registry.npmjs.org") == "transient/dns-registry-host");
    CHECK(decide("Error: getaddrinfo ENOTFOUND myservername") == "permanent/dns-nxdomain");
    CHECK(decide("dial tcp: lookup my-app-503.fly.dev on 10.0.0.1:53: no such host") == "permanent/dns-nxdomain");
    CHECK(decide("asio.netdb: Host not found (non-authoritative), try again later") == "transient/dns-temporary");
    // "could not resolve" gives no cause: a rule reads it, it does not decide.
    CHECK(matched("curl: (6) Could not resolve host: my-app.fly.dev", "dns-nxdomain"));
    CHECK(!matched("curl: (6) Could not resolve host: my-app.fly.dev", "dns-registry-host"));
    // The scan does not stop early while its line may still excuse a "no such host" (found by
    // fuzz_classify: fuzz/corpus/classify/regress-nxdomain-early-stop).
    std::string excused = "lookup db: no such host, then connect ECONNREFUSED 127.0.0.1:8787 and one two three "
                          "four five six seven eight: lookup db on 10.0.0.1:53: server misbehaving";
    CHECK(decide(excused) == "permanent/local-service-down");
    CHECK(r1::engine::explain(excused).result.signal == classify(excused).signal);
    // A connection cut on its way to a registry is the connection row.
    CHECK(decide("fatal: unable to access 'https://bitbucket.org/u/r.git/': GnuTLS recv error (-54): Error in the pull "
                 "function.") == "transient/registry-network");
    // A reset or EOF during a TLS handshake is a network fault; after it, only a rule's reading.
    CHECK(decide("curl: (35) OpenSSL SSL_connect: SSL_ERROR_SYSCALL in connection to example.com:443") ==
          "transient/tls-handshake-eof");
    CHECK(decide("Handshake failed: End of file") == "transient/tls-handshake-eof");
    CHECK(decide("fatal: unable to access 'https://git.example.org/x/': gnutls_handshake() failed: The TLS connection "
                 "was non-properly terminated.") == "transient/tls-handshake-eof");
    CHECK(decide("Error: Client network socket disconnected before secure TLS connection was established") ==
          "transient/tls-handshake-eof");
    CHECK(matched("SSL_read: error:0A000126:SSL routines::unexpected eof while reading", "eof"));
    CHECK(!matched("SSL_read: error:0A000126:SSL routines::unexpected eof while reading", "tls-handshake-eof"));
    // gRPC documents UNAVAILABLE as transient; the deployment's own Vercel code outranks its 504.
    CHECK(decide("failed to receive status: rpc error: code = Unavailable desc = error reading from server: EOF") ==
          "transient/grpc-unavailable");
    CHECK(decide("504: GATEWAY_TIMEOUT\nCode: FUNCTION_INVOCATION_TIMEOUT") == "permanent/app-timeout");
    // JSON-escaped breaks separate words, in either case.
    CHECK(decide("HTTP/1.1 429 Too Many Requests\\r\\nRetry-After: 3600") == "permanent/retry-window-long");
    CHECK(decide("HTTP/1.1 429 TOO MANY REQUESTS\\R\\NRETRY-AFTER: 3600") == "permanent/retry-window-long");
    CHECK(decide("{\"message\":\"An error occurred with your deployment\\n\\nFUNCTION_INVOCATION_TIMEOUT\"}") ==
          "permanent/app-timeout");
}

TEST_CASE("classify: a stderr tail is read as a deploy prints it", "[engine][classify][tail]") {
    // Warnings first, progress between, the deciding Error: line last.
    std::string tail = "WARN failed to release lease for machine 5683d707f16058: invalid machine ID\n"
                       "  [2/2] Waiting for 5683d707f16058 [web] to become healthy: 0/2\n"
                       "==> Building image\n"
                       "#12 [8/12] RUN npm ci 503.2s\n"
                       "Error: failed to update machine: aborted: lease currently held by 1@tokens.fly.io\n";
    auto v = classify(tail);
    CHECK(v.cls == failure_class::transient);
    CHECK(v.signal == "lease-contention");
    CHECK(tail.substr(v.where).starts_with("lease currently held"));
    // A match on a warning line counts only when no other line matches anything.
    CHECK(decide("WARNING: git was not found in the system\nError: unauthorized: authentication required") ==
          "permanent/auth");
    CHECK(decide("npm WARN deprecated request@2.88.2: request has been deprecated\nnpm ERR! code E503") ==
          "transient/http-503");
    CHECK(decide("Warning: Transient problem: timeout. Will retry in 3 seconds\ncurl: (6) Could not resolve host: x.example") ==
          "permanent/dns-nxdomain");
    CHECK(decide("WARN: failed to authorize: unauthorized") == "permanent/auth");  // nothing else: the warning decides
    // The same tail in colour, with CRLF, in any case: the same verdict.
    std::string coloured;
    for (char c : tail) {
        if (c == '\n') coloured += "\x1b[0m\r\n\x1b[33m";
        else coloured += static_cast<char>(c >= 'a' && c <= 'z' ? c - 32 : c);
    }
    auto w = classify(coloured);
    CHECK(w.cls == v.cls);
    CHECK(w.signal == v.signal);
}

TEST_CASE("classify: the model speaks only about failures, and explain says what decided", "[engine][classify][model]") {
    // No failure cue and no rule: unknown, whatever the model would lean.
    CHECK(decide("all good here") == "unknown/");
    CHECK(decide("==> Verifying app config\n--> Verified app config") == "unknown/");
    // explain() returns the verdict classify() returns, with the rules and features behind it.
    for (std::string_view text : {"Error: Could not retrieve Project Settings.", "HTTP 503", "all good here",
                                  "Error! An unexpected error occurred in inspect: TypeError: Cannot read property",
                                  "curl: (35) OpenSSL SSL_connect: SSL_ERROR_SYSCALL in connection to x:443"}) {
        INFO(text);
        auto e = r1::engine::explain(text);
        auto v = classify(text);
        CHECK(e.result.cls == v.cls);
        CHECK(e.result.signal == v.signal);
        CHECK(e.result.where == v.where);
        if (e.model_consulted) {
            CHECK(!e.features.empty());
            CHECK(e.probability >= 0.0);
            CHECK(e.probability <= 1.0);
            for (std::size_t k = 1; k < e.features.size(); ++k)
                CHECK(std::fabs(e.features[k - 1].weight) >= std::fabs(e.features[k].weight));
        }
        if (v.signal == "model") CHECK(e.decided_by == "model");
    }
    auto e = r1::engine::explain("HTTP 503");
    REQUIRE(e.rules.size() == 1);
    CHECK(e.rules[0].signal == "http-503");
    CHECK(e.result.signal == "http-503");  // the model agrees, or is unsure: the rule names it
    CHECK(e.decided_by != "nothing");
    auto d = r1::engine::explain("x509: certificate signed by unknown authority");
    CHECK(d.decided_by == "rule");
    CHECK(!d.model_consulted);
}
