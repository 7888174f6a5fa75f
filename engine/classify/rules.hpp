#pragma once
/// The classifier's vocabulary, built at compile time: phrases with their tier and signal, and a
/// hash table from each word to the phrases it ends. Internal to engine/classify/classify.cpp.
#include "engine/classify/classify.hpp"

#include <array>
#include <cstdint>
#include <string_view>

namespace r1::engine::classify_rules {

/// Lower wins; engine/classify/classify.hpp documents why each rule sits where it does. The two
/// decisive tiers decide; the others leave the final word to the model when it is confident.
enum class tier : std::uint8_t { decisive_permanent, decisive_transient, transient, permanent, weak_transient, none };

constexpr bool decisive(tier t) noexcept { return t == tier::decisive_permanent || t == tier::decisive_transient; }

constexpr failure_class class_of(tier t) noexcept {
    switch (t) {
    case tier::decisive_permanent:
    case tier::permanent: return failure_class::permanent;
    case tier::decisive_transient:
    case tier::transient:
    case tier::weak_transient: return failure_class::transient;
    case tier::none: break;
    }
    return failure_class::unknown;
}

constexpr std::size_t max_words = 6;

/// What a phrase does when it matches: fire its signal, or (for the last three) set the scanner's
/// state instead of deciding anything by itself.
enum class phrase_kind : std::uint8_t {
    fire,
    dns_after_lookup,  // "i/o timeout" on a line that did a "lookup" is a resolver failure
    window,            // opens a retry window ("try again in", "Retry-After:"): an amount and a unit follow
    provider_host,     // names a provider's API host: NXDOMAIN for it is the runner's network, transient
    registry_host,     // names a public registry or code host: the same (POLICY.md, "Applying the table")
    tls_handshake,     // says the line is a TLS handshake: a reset or EOF on it is the TLS row, transient
    local_endpoint,    // names this machine (localhost, a unix socket): a refused connection there stays refused
    short_window,      // "per minute": a rate limit or quota on the same line resets within the budget
    long_window,       // "per day", "daily": a rate limit or quota on the same line resets past it
    nxdomain,          // an authoritative "the name does not exist": decisive at the end of its line
                       // unless the line names a provider or registry host or a resolver fault
};

struct phrase {
    std::array<std::string_view, max_words> words{};
    std::uint8_t count = 0;
    tier level = tier::none;
    std::string_view signal;
    phrase_kind kind = phrase_kind::fire;
    std::uint32_t unit_ms = 0;  // window: the unit when none is written ("Retry-After: 120" is seconds)
};

/// Splits `words` on spaces at compile time, so the table below reads like the messages it matches.
constexpr phrase p(std::string_view words, tier t, std::string_view signal, phrase_kind kind = phrase_kind::fire,
                   std::uint32_t unit_ms = 0) {
    phrase r;
    r.level = t;
    r.signal = signal;
    r.kind = kind;
    r.unit_ms = unit_ms;
    std::size_t start = 0;
    for (std::size_t i = 0; i <= words.size(); ++i) {
        if (i < words.size() && words[i] != ' ') continue;
        if (i > start) r.words[r.count++] = words.substr(start, i - start);
        start = i + 1;
    }
    return r;
}

/// A phrase that opens a retry window (see phrase_kind::window).
constexpr phrase window(std::string_view words, std::uint32_t unit_ms = 0) {
    return p(words, tier::none, "retry-window", phrase_kind::window, unit_ms);
}

/// A phrase that only marks its line (phrase_kind::provider_host, registry_host, tls_handshake,
/// local_endpoint, short_window, long_window); scan.cpp fires when the mark meets the failure it
/// qualifies.
constexpr phrase mark(std::string_view words, phrase_kind kind) { return p(words, tier::none, "mark", kind); }

constexpr auto P0 = tier::decisive_permanent;
constexpr auto D1 = tier::decisive_transient;
constexpr auto T1 = tier::transient;
constexpr auto P2 = tier::permanent;
constexpr auto T3 = tier::weak_transient;

// Words are lowercase; "i/o" is the two words "i" and "o"; hyphenated words stay whole.
inline constexpr phrase phrases[] = {
    // auth: flyctl, Fly API, vercel, wrangler, docker registries, ssh, curl
    p("unauthorized", P0, "auth"), p("unauthorised", P0, "auth"), p("not authorized", P0, "auth"),
    p("not authorised", P0, "auth"), p("authentication required", P0, "auth"),
    p("authentication failed", P0, "auth"), p("authentication error", P0, "auth"),
    p("authorization failed", P0, "auth"), p("must be authenticated", P0, "auth"),
    p("must be logged in", P0, "auth"), p("not logged in", P0, "auth"), p("no access token", P0, "auth"),
    p("invalid token", P0, "auth"), p("invalid api token", P0, "auth"), p("invalid access token", P0, "auth"),
    p("invalid auth token", P0, "auth"), p("invalid or expired token", P0, "auth"),
    p("token is not valid", P0, "auth"), p("token is invalid", P0, "auth"), p("token has expired", P0, "auth"),
    p("token expired", P0, "auth"), p("expired token", P0, "auth"), p("invalid credentials", P0, "auth"),
    p("bad credentials", P0, "auth"), p("incorrect username or password", P0, "auth"),
    p("access denied", P0, "auth"), p("permission denied", P0, "auth"), p("forbidden", P0, "auth"),
    p("access to the resource is denied", P0, "auth"),
    p("please login", P0, "auth"), p("please log in", P0, "auth"), p("invalid api key", P0, "auth"),
    p("incorrect permissions", P0, "auth"), p("authorization header", P0, "auth"),
    p("no basic auth credentials", P0, "auth"),  // docker: no login stored for that registry
    p("authorization headers", P0, "auth"),
    // TLS verification: OpenSSL, curl, Go crypto/x509, Node
    p("certificate verify failed", P0, "tls-verify"), p("certificate verification failed", P0, "tls-verify"),
    p("failed to verify certificate", P0, "tls-verify"),
    p("unable to get local issuer certificate", P0, "tls-verify"),
    p("unable to verify the first certificate", P0, "tls-verify"),
    p("self-signed certificate", P0, "tls-verify"), p("self signed certificate", P0, "tls-verify"),
    p("certificate has expired", P0, "tls-verify"), p("certificate signed by unknown authority", P0, "tls-verify"),
    p("certificate is valid for", P0, "tls-verify"), p("certificate is not valid for", P0, "tls-verify"),
    p("hostname mismatch", P0, "tls-verify"), p("host name mismatch", P0, "tls-verify"),
    p("no alternative certificate subject name", P0, "tls-verify"),
    p("ssl certificate problem", P0, "tls-verify"), p("certificate is not trusted", P0, "tls-verify"),
    p("cert_has_expired", P0, "tls-verify"), p("unable_to_verify_leaf_signature", P0, "tls-verify"),
    p("self_signed_cert_in_chain", P0, "tls-verify"), p("depth_zero_self_signed_cert", P0, "tls-verify"),
    p("err_tls_cert_altname_invalid", P0, "tls-verify"),
    p("unable_to_get_issuer_cert_locally", P0, "tls-verify"),
    // billing and quota
    p("payment method", P0, "billing"), p("payment information", P0, "billing"),
    p("payment required", P0, "billing"), p("add a credit card", P0, "billing"),
    // "Quota exceeded for quota metric ... per minute" is a throttle: the window decides (below).
    p("quota exceeded", P2, "quota"), p("exceeded your quota", P0, "billing"),
    p("exceeded your current quota", P0, "billing"), p("insufficient_quota", P0, "billing"),
    p("over quota", P0, "billing"), p("insufficient funds", P0, "billing"), p("spending limit", P0, "billing"),

    // rate limits
    p("rate limit", T1, "rate-limit"), p("rate limited", T1, "rate-limit"), p("rate-limited", T1, "rate-limit"),
    p("rate limiting", T1, "rate-limit"), p("rate-limit", T1, "rate-limit"), p("ratelimited", T1, "rate-limit"),
    p("too many requests", T1, "rate-limit"), p("toomanyrequests", T1, "rate-limit"),
    p("throttled", T1, "rate-limit"), p("throttling", T1, "rate-limit"),
    // timeouts
    p("timed out", T1, "timeout"), p("timeout exceeded", T1, "timeout"),
    p("i o timeout", T1, "timeout", phrase_kind::dns_after_lookup), p("handshake timeout", T1, "timeout"),
    p("timeout awaiting", T1, "timeout"), p("timeout waiting", T1, "timeout"),
    p("timeout reached", T1, "timeout"), p("timeout expired", T1, "timeout"),
    p("connect timeout", T1, "timeout"), p("connection timeout", T1, "timeout"), p("read timeout", T1, "timeout"),
    p("request timeout", T1, "timeout"), p("etimedout", T1, "timeout"), p("connecttimeouterror", T1, "timeout"),
    p("und_err_connect_timeout", T1, "timeout"), p("und_err_headers_timeout", T1, "timeout"),
    p("connectiontimeout", T1, "timeout"), p("timeouterror", T1, "timeout"),
    p("request canceled", T1, "timeout"), p("awaiting headers", T1, "timeout"),
    p("deadline exceeded", T1, "deadline-exceeded"), p("deadline_exceeded", T1, "deadline-exceeded"),
    // connections
    p("connection reset", T1, "connection-reset"), p("reset by peer", T1, "connection-reset"),
    p("econnreset", T1, "connection-reset"), p("socket hang up", T1, "connection-reset"),
    p("connection refused", T1, "connection-refused"), p("econnrefused", T1, "connection-refused"),
    p("connection aborted", T1, "connection-aborted"), p("econnaborted", T1, "connection-aborted"),
    p("software caused connection abort", T1, "connection-aborted"),
    p("broken pipe", T1, "broken-pipe"), p("epipe", T1, "broken-pipe"),
    p("unexpected eof", T1, "eof"), p("eof", T1, "eof"),
    p("closed idle connection", T1, "connection-closed"), p("connection closed", T1, "connection-closed"),
    p("empty reply from server", T1, "connection-closed"), p("transfer closed", T1, "connection-closed"),
    p("use of closed network connection", T1, "connection-closed"),
    p("couldn t connect to server", T1, "connect-failed"), p("no response", T1, "no-response"),
    p("network is unreachable", T1, "network-unreachable"), p("no route to host", T1, "network-unreachable"),
    p("host is unreachable", T1, "network-unreachable"), p("enetunreach", T1, "network-unreachable"),
    p("ehostunreach", T1, "network-unreachable"),
    // resolver could not answer (not "the name does not exist")
    // (POLICY.md's row: the resolver did not answer, so it decides; "server misbehaving" is Go's
    // SERVFAIL, which Go's net.DNSError marks temporary.)
    p("temporary failure in name resolution", D1, "dns-temporary"), p("eai_again", D1, "dns-temporary"),
    p("server misbehaving", D1, "dns-temporary"),
    // Boost.Asio's text for EAI_AGAIN (asio.netdb host_not_found_try_again, boost/asio/impl/error.ipp).
    p("host not found non-authoritative", D1, "dns-temporary"),
    p("try again", T1, "try-again"), p("please retry", T1, "try-again"), p("retry later", T1, "try-again"),
    p("temporarily unavailable", T1, "try-again"), p("temporarily disabled", T1, "try-again"),
    p("temporary failure", T1, "try-again"),
    // Fly Machines placement and leases: another deploy holds the machine, or the host is full
    p("could not reserve resource", T1, "capacity"), p("insufficient resources", T1, "capacity"),
    p("insufficient memory", T1, "capacity"), p("insufficient capacity", T1, "capacity"),
    p("at capacity", T1, "capacity"), p("out of capacity", T1, "capacity"),
    // "failed to obtain lease: machine not found" is not contention: only a held lease is.
    p("lease currently held", D1, "lease-contention"), p("currently held by", D1, "lease-contention"),
    // reason phrases standing alone
    p("service unavailable", T1, "http-503"), p("service temporarily unavailable", T1, "http-503"),
    p("bad gateway", T1, "http-502"), p("gateway timeout", T1, "http-504"), p("gateway time-out", T1, "http-504"),

    // names that do not exist, things that are not there
    // The resolver's own "this name does not exist" (POLICY.md: NXDOMAIN for any other name is
    // permanent) is decisive once its line is read (scan.cpp); "could not resolve" says no cause.
    p("no such host", P2, "dns-nxdomain", phrase_kind::nxdomain), p("nxdomain", P2, "dns-nxdomain", phrase_kind::nxdomain),
    p("name or service not known", P2, "dns-nxdomain", phrase_kind::nxdomain),
    p("nodename nor servname", P2, "dns-nxdomain", phrase_kind::nxdomain),
    p("enotfound", P2, "dns-nxdomain", phrase_kind::nxdomain), p("host not found", P2, "dns-nxdomain", phrase_kind::nxdomain),
    p("could not be resolved", P2, "dns-nxdomain"), p("could not resolve host", P2, "dns-nxdomain"),
    p("could not resolve hostname", P2, "dns-nxdomain"), p("unable to resolve host", P2, "dns-nxdomain"),
    p("not found", P2, "not-found"), p("not_found", P2, "not-found"), p("could not find", P2, "not-found"),
    p("does not exist", P2, "not-found"), p("name unknown", P2, "not-found"),
    p("manifest unknown", P2, "not-found"), p("bucket_not_found", P2, "not-found"),
    // Docker's wrapper "pull access denied for X, repository does not exist or may require 'docker
    // login'" says nothing itself; the registry's reason after it decides.
    p("pull access denied", P2, "not-found"),
    p("already in use", P2, "conflict"), p("cannot query field", P2, "unsupported"),
    // configuration and validation
    p("invalid", P2, "config-invalid"), p("not valid", P2, "config-invalid"),
    p("failed to parse", P2, "config-invalid"), p("parse error", P2, "config-invalid"),
    p("parsing error", P2, "config-invalid"), p("unknown field", P2, "config-invalid"),
    p("unknown flag", P2, "config-invalid"), p("unknown shorthand flag", P2, "config-invalid"),
    p("unknown key", P2, "config-invalid"), p("unrecognized", P2, "config-invalid"),
    p("illegal", P2, "config-invalid"),
    p("validation failed", P2, "config-invalid"), p("validation error", P2, "config-invalid"),
    p("must be one of", P2, "config-invalid"), p("incompatible types", P2, "config-invalid"),
    p("cannot unmarshal", P2, "config-invalid"), p("syntax error", P2, "config-invalid"),
    p("configurationerror", P2, "config-invalid"), p("missing required", P2, "config-invalid"),
    p("does not have a dockerfile", P2, "config-invalid"),
    p("not supported", P2, "unsupported"), p("unsupported", P2, "unsupported"),
    // the build or the app itself failed
    p("did not complete successfully", P2, "build-failed"), p("executor failed running", P2, "build-failed"),
    p("build failed", P2, "build-failed"), p("failed to compile", P2, "build-failed"),
    p("non-zero exit", P2, "exit-status"), p("non-zero status", P2, "exit-status"),
    p("nonzero exit", P2, "exit-status"), p("appears to be crashing", P2, "app-crashing"),
    p("no space left on device", P2, "disk-full"), p("too large", P2, "too-large"),
    p("exceeds maximum", P2, "too-large"), p("exceeds the maximum", P2, "too-large"),

    // gRPC status codes as Go's grpc prints them ("rpc error: code = Unavailable desc = ..."):
    // https://github.com/grpc/grpc/blob/master/doc/statuscodes.md says UNAVAILABLE is "most likely
    // a transient condition", and which codes mean the request itself is wrong. Canceled and
    // Unknown say nothing by themselves: the desc after them decides.
    p("rpc error code unavailable", D1, "grpc-unavailable"), p("rpc error code deadlineexceeded", T1, "deadline-exceeded"),
    p("rpc error code resourceexhausted", T1, "rate-limit"), p("rpc error code aborted", T1, "grpc-aborted"),
    p("rpc error code unauthenticated", P0, "auth"), p("rpc error code permissiondenied", P0, "auth"),
    p("rpc error code notfound", P2, "not-found"), p("rpc error code alreadyexists", P2, "conflict"),
    p("rpc error code invalidargument", P2, "config-invalid"),
    p("rpc error code failedprecondition", P2, "failed-precondition"), p("rpc error code outofrange", P2, "config-invalid"),
    p("rpc error code unimplemented", P2, "unsupported"), p("rpc error code dataloss", P2, "data-loss"),
    p("rpc error code internal", T3, "server-error"),
    // Kamal's exception classes, printed as "ERROR (Kamal::Cli::LockError): ..."
    // (https://github.com/basecamp/kamal/blob/main/lib/kamal/cli.rb and lib/kamal.rb). A held deploy
    // lock is another run's (POLICY.md: transient); a failed boot or health check is the release.
    p("kamal cli lockerror", D1, "deploy-lock"), p("deploy lock found", D1, "deploy-lock"),
    // ... unless nobody will release it: held by hand, or Kamal already waited for it and gave up.
    p("lock held manually", P0, "deploy-lock-stuck"), p("timed out waiting for deploy lock", P0, "deploy-lock-stuck"), p("kamal configurationerror", P2, "config-invalid"),
    p("kamal cli booterror", P2, "app-crashing"), p("kamal cli healthcheck error", P2, "app-crashing"),
    p("kamal cli hookerror", P2, "exit-status"), p("kamal cli dependencyerror", P2, "config-invalid"),
    p("build builderror", P2, "build-failed"), p("base buildererror", P2, "build-failed"),
    // net-ssh's exceptions as Kamal prints them (ERROR (Net::SSH::ConnectionTimeout): ...).
    p("net ssh authenticationfailed", P0, "auth"), p("net ssh connectiontimeout", T1, "timeout"),
    p("net ssh disconnect", T1, "connection-closed"),
    // undici's error codes (https://github.com/nodejs/undici/blob/main/lib/core/errors.js); its
    // retry handler retries UND_ERR_SOCKET with ECONNRESET, ECONNREFUSED, ENETDOWN, ENETUNREACH,
    // EHOSTDOWN, EHOSTUNREACH and EPIPE (lib/handler/retry-handler.js).
    p("und_err_socket", T1, "connection-reset"), p("other side closed", T1, "connection-closed"),
    p("und_err_body_timeout", T1, "timeout"), p("headers timeout", T1, "timeout"), p("body timeout", T1, "timeout"),
    p("und_err_closed", T1, "connection-closed"), p("und_err_res_content_length_mismatch", T1, "connection-closed"),
    p("und_err_res_exceeded_max_size", P2, "too-large"), p("und_err_headers_overflow", P2, "too-large"),
    // errno and getaddrinfo names (Node's err.code, Ruby's Errno::*)
    p("enetdown", T1, "network-unreachable"), p("ehostdown", T1, "network-unreachable"),
    p("eai_noname", P2, "dns-nxdomain", phrase_kind::nxdomain), p("eai_nodata", P2, "dns-nxdomain"), p("eai_fail", P2, "dns-nxdomain"),
    p("enospc", P2, "disk-full"), p("eaddrinuse", P2, "conflict"), p("address already in use", P2, "conflict"),
    p("socket disconnected", T1, "connection-reset"), p("network connection lost", T1, "connection-reset"),
    // npm's codes for HTTP answers ("npm ERR! code E503")
    p("e500", T3, "http-500"), p("e502", T1, "http-502"), p("e503", T1, "http-503"), p("e504", T1, "http-504"),
    p("e429", T1, "http-429"), p("e401", P0, "http-401"), p("e403", P0, "http-403"), p("e404", P2, "http-4xx"),
    // TLS handshakes that fail the same way every time (OpenSSL's reason strings)
    p("wrong version number", P2, "tls-protocol"), p("tlsv1 alert protocol version", P2, "tls-protocol"),
    p("unsupported protocol", P2, "tls-protocol"), p("sslv3 alert handshake failure", P2, "tls-handshake"),
    p("tlsv1 alert unknown ca", P0, "tls-verify"), p("no shared cipher", P2, "tls-handshake"),
    // Retry windows: the amount and unit after these are compared with the retry budget.
    window("again in"), window("again after"), window("retry in"), window("retry after"), window("retry-after", 1000),
    window("retry_after", 1000), window("retry_after_ms", 1), window("retryafter", 1000), window("resets in"),
    p("try again tomorrow", P0, "retry-window-long"),
    // Windows written as a rate: with a rate limit or quota on the same line (scan.cpp).
    mark("per second", phrase_kind::short_window), mark("per minute", phrase_kind::short_window),
    mark("per min", phrase_kind::short_window), mark("per 100 seconds", phrase_kind::short_window),
    mark("per hour", phrase_kind::long_window), mark("per day", phrase_kind::long_window),
    mark("daily", phrase_kind::long_window), mark("hourly", phrase_kind::long_window),
    mark("monthly", phrase_kind::long_window),
    // Limits whose window is hours or longer, or that only an account change lifts (POLICY.md):
    // Docker Hub counts pulls per hour (10 an hour per IP unauthenticated since March 2025, 100
    // per 6 hours before: https://docs.docker.com/docker-hub/usage/pulls/, docker/docs#21494),
    // GitHub's unauthenticated API limit is per hour and lifts by authenticating
    // (https://docs.github.com/en/rest/using-the-rest-api/rate-limits-for-the-rest-api).
    p("reached your pull rate limit", P0, "quota"), p("reached your unauthenticated pull rate limit", P0, "quota"), p("requests get a higher rate limit", P0, "quota"),
    p("daily quota", P0, "quota"), p("daily limit", P0, "quota"), p("upgrade your plan", P0, "quota"),
    p("plan limits", P0, "quota"), p("plan limit", P0, "quota"), p("plan size limit", P0, "quota"),
    p("accounts are limited to", P0, "quota"), p("usage limit", P0, "quota"), p("switch to a paid plan", P0, "quota"),
    // Accounts and payment
    p("card was declined", P0, "billing"), p("billing issue", P0, "billing"), p("billing account", P0, "billing"),
    p("verify your account", P0, "billing"), p("credit card", P0, "billing"), p("account is blocked", P0, "billing"),
    p("account is locked", P0, "billing"), p("account has been suspended", P0, "billing"),
    p("account is suspended", P0, "billing"), p("account suspended", P0, "billing"),
    p("payment_required", P0, "billing"), p("unpaid", P0, "billing"), p("past due", P0, "billing"),
    // The providers' own API hosts (POLICY.md): a failed lookup of these is the runner's network.
    mark("api fly io", phrase_kind::provider_host), mark("api machines dev", phrase_kind::provider_host),
    mark("api vercel com", phrase_kind::provider_host), mark("api cloudflare com", phrase_kind::provider_host),
    mark("api zeit co", phrase_kind::provider_host),  // Vercel's API host under its former name
    // Public registries and code hosts a build fetches from (POLICY.md, "Applying the table"): a
    // failed lookup of these is the runner's resolver too, since the names plainly exist.
    mark("github com", phrase_kind::registry_host), mark("githubusercontent com", phrase_kind::registry_host),
    mark("gitlab com", phrase_kind::registry_host), mark("bitbucket org", phrase_kind::registry_host),
    mark("npmjs org", phrase_kind::registry_host), mark("yarnpkg com", phrase_kind::registry_host),
    mark("pypi org", phrase_kind::registry_host), mark("pythonhosted org", phrase_kind::registry_host),
    mark("docker io", phrase_kind::registry_host), mark("docker com", phrase_kind::registry_host),
    mark("ghcr io", phrase_kind::registry_host), mark("quay io", phrase_kind::registry_host),
    mark("gcr io", phrase_kind::registry_host), mark("registry fly io", phrase_kind::registry_host),
    mark("registry terraform io", phrase_kind::registry_host),
    // A TLS handshake on this line (POLICY.md: a reset or EOF mid-handshake is a network fault).
    mark("handshake", phrase_kind::tls_handshake), mark("ssl_connect", phrase_kind::tls_handshake),
    mark("gnutls_handshake", phrase_kind::tls_handshake), mark("do_handshake", phrase_kind::tls_handshake),
    mark("ssl_do_handshake", phrase_kind::tls_handshake), mark("secure tls connection", phrase_kind::tls_handshake),
    // This machine (POLICY.md: a refused local daemon socket is permanent).
    // (127.0.0.1 is read in scan.cpp: phrases hold no one-digit words.)
    mark("localhost", phrase_kind::local_endpoint),
    mark("unix", phrase_kind::local_endpoint), mark("sock", phrase_kind::local_endpoint),
    p("is the docker daemon running", P0, "local-service-down"),
    p("docker daemon up and running", P0, "local-service-down"),
    p("cannot connect to the docker daemon", T1, "connect-failed"), p("failed to connect", T1, "connect-failed"),
    p("could not connect", T1, "connect-failed"), p("unable to connect", T1, "connect-failed"),
    p("dial unix", T1, "connect-failed"), p("no such file or directory", P2, "not-found"),
    // Vercel's error codes (https://vercel.com/docs/errors lists the deployment's and function's:
    // DEPLOYMENT_DISABLED 402, DEPLOYMENT_PAUSED 503, FUNCTION_INVOCATION_TIMEOUT 504, ...). The
    // INTERNAL_ ones are the platform's own faults, as printed in the threads of
    // tests/data/classify/real/vercel.tsv.
    p("internal_deployment_fetch_failed", D1, "platform-error"),
    p("internal_function_invocation_failed", D1, "platform-error"),
    p("function_throttled", T1, "rate-limit"),
    // The deployment's own codes name what failed, whatever 5xx status carries them (POLICY.md:
    // the body decides): its function ran past its limit or crashed, or it does not exist.
    p("function_invocation_timeout", P0, "app-timeout"), p("edge_function_invocation_timeout", P0, "app-timeout"),
    p("function_invocation_failed", P0, "app-crashing"), p("edge_function_invocation_failed", P0, "app-crashing"),
    p("deployment_not_found", P0, "not-found"), p("deployment_disabled", P0, "billing"),
    p("deployment_paused", P0, "quota"), p("deployment_blocked", P0, "billing"),
    p("gateway_timeout", T1, "http-504"), p("service_unavailable", T1, "http-503"), p("bad_gateway", T1, "http-502"),
    p("internal_server_error", T3, "http-500"),
    // Apps that fail on their own: the release is broken, a redeploy of it changes nothing.
    p("worker threw exception", P2, "app-crashing"), p("worker exceeded resource limits", P2, "app-crashing"),
    p("failed to become healthy", P2, "app-crashing"), p("exited with", P2, "exit-status"),
    p("command failed with exit code", P2, "exit-status"), p("no longer supported", P2, "unsupported"),
    p("is deprecated", P2, "unsupported"),
    // Beast's messages for a response cut short or too large
    // (https://github.com/boostorg/beast/blob/develop/include/boost/beast/http/impl/error.ipp).
    p("partial message", T1, "connection-closed"), p("header limit exceeded", P2, "too-large"),
    p("body limit exceeded", P2, "too-large"),
    // A server saying the fault is passing
    p("serviceunavailable", T1, "http-503"), p("server sent goaway", T1, "connection-closed"),
    p("client connection lost", T1, "connection-closed"), p("non-properly terminated", T1, "connection-reset"),
    p("stream truncated", T1, "connection-reset"), p("ssl_error_syscall", T1, "connection-reset"),
    p("error in the pull function", T1, "connection-reset"),  // GnuTLS's GNUTLS_E_PULL_ERROR: recv failed
    p("end of file", T3, "eof"),
    p("transient issue", T1, "try-again"), p("transient error", T1, "try-again"),
    p("retry the request", T1, "try-again"), p("no healthy upstream", T1, "no-healthy-upstream"),
    // Cloudflare's D1 and Durable Objects restart after a deploy of their code; their docs say to
    // retry (cloudflare/cloudflare-docs PRs 6870 and 22948, cited in tests/data/classify/real).
    p("because its code was updated", T1, "try-again"),
    // The tool already retried and gave up
    p("max retries exceeded", P2, "retries-exhausted"), p("retries exhausted", P2, "retries-exhausted"),
    p("giving up", P2, "retries-exhausted"), p("gave up", P2, "retries-exhausted"),

    // weak: words that lean transient but yield to anything clearer
    p("timeout", T3, "timeout"), p("time-out", T3, "timeout"), p("timeouts", T3, "timeout"),
    p("unavailable", T3, "unavailable"), p("internal server error", T3, "http-500"),
    // "an internal error occurred" is a server's 500 in words (POLICY.md's HTTP 500 row).
    p("internal error occurred", T1, "server-error"), p("internal error has occurred", T1, "server-error"),
    p("unexpected internal error", T1, "server-error"), p("internal_server", T1, "server-error"),
    p("fetch failed", T3, "network"), p("network error", T3, "network"),
};

inline constexpr std::size_t phrase_count = sizeof(phrases) / sizeof(phrases[0]);

/// Words that make a following three-digit number an HTTP status ("status 503", "HTTP 502").
inline constexpr std::string_view context_words[] = {
    "http", "https", "status", "statuscode", "status_code", "code", "returned", "return", "error",
    "err", "response", "responded", "httperror"};

/// First words of reason phrases, which confirm a bare number ("503 Service Unavailable").
inline constexpr std::string_view reason_words[] = {
    "bad", "unauthorized", "payment", "forbidden", "not", "method", "proxy", "request", "conflict",
    "gone", "length", "precondition", "payload", "uri", "unsupported", "unprocessable", "too",
    "internal", "service", "gateway", "insufficient", "misdirected", "locked", "upgrade"};

/// The parts of category tags (`[asio.ssl:N]`, `[beast.http:N]`, `[system:N]`) and of curl's
/// `curl: (N)`: the scanner reads the number after them as a code.
inline constexpr std::string_view tag_words[] = {"curl", "asio", "ssl", "stream", "misc", "netdb", "addrinfo",
                                                 "system", "generic", "beast"};

/// Units and amounts of a retry window ("in 24 hours", "after a few minutes").
inline constexpr std::string_view window_words[] = {
    "ms", "millisecond", "milliseconds", "s", "sec", "secs", "second", "seconds", "m", "min", "mins", "minute",
    "minutes", "h", "hr", "hrs", "hour", "hours", "d", "day", "days", "week", "weeks", "a", "an", "few", "several",
    "couple"};

/// Words that say a text reports a failure at all. Without one, and without any rule matching,
/// the model does not speak: "all good here" or a progress line stays unknown.
inline constexpr std::string_view cue_words[] = {
    "error", "errors", "err", "failed", "failure", "fail", "fails", "fatal", "unable", "cannot", "couldn",
    "exception", "panic", "denied", "refused", "invalid", "abort", "aborted", "aborting", "timeout", "timed",
    "rejected", "problem", "crashed", "crashing", "killed", "terminated", "unavailable", "exceeded", "oops",
    "wrong", "unauthorized", "forbidden", "blocked", "suspended", "disabled", "unreachable",
    "unhealthy", "throttled", "exited", "uncaught", "declined", "paused", "truncated", "expired", "typeerror",
    "referenceerror", "syntaxerror", "fetcherror", "requesterror", "httperror", "apierror", "unexpected",
    "couldn"};

enum word_flag : std::uint8_t {
    flag_context = 1,
    flag_http = 2,
    flag_status = 4,
    flag_of = 8,
    flag_lookup = 16,
    flag_cue = 32,
    flag_code = 64,  // a number after it may be a code: "curl", "asio", "system", "code", "error"...
};

constexpr std::size_t table_size = 1024;  // power of two, load well under one half
constexpr std::size_t max_word = 40;      // longer words are in no phrase

/// A word's first and last (up to) eight bytes, little-endian: for words of up to 16 bytes the
/// pair and the length identify the word, so a lookup compares three integers instead of bytes.
struct word_key {
    std::uint64_t lo = 0, hi = 0;
};

constexpr word_key key_of(std::string_view w) noexcept {
    word_key k;
    std::size_t n = w.size() < 8 ? w.size() : 8;
    // Every byte ORed with 0x20, as the scanner does to raw text: that lowercases letters, leaves
    // digits and '-' alone and maps '_' to 0x7F, which no word holds, so keys stay distinct.
    for (std::size_t i = 0; i < n; ++i) k.lo |= std::uint64_t{static_cast<unsigned char>(w[i]) | 0x20u} << (8 * i);
    for (std::size_t i = 0; i < n; ++i)
        k.hi |= std::uint64_t{static_cast<unsigned char>(w[w.size() - n + i]) | 0x20u} << (8 * i);
    return k;
}

constexpr std::uint32_t hash_of(word_key k, std::size_t len) noexcept {
    return static_cast<std::uint32_t>((k.lo * 0x9E3779B97F4A7C15ull ^ k.hi * 0xC2B2AE3D27D4EB4Full ^ len) >> 40);
}

/// Index 0-36 of a lowercase word byte ('-' shares '_''s index; it never starts or ends a word).
constexpr unsigned char_index_of(unsigned c) noexcept {
    return c >= 'a' && c <= 'z' ? c - 'a' : c >= '0' && c <= '9' ? 26u + (c - '0') : 36u;
}
constexpr std::array<std::uint8_t, 256> make_char_indexes() {
    std::array<std::uint8_t, 256> t{};
    for (unsigned c = 0; c < 256; ++c) t[c] = static_cast<std::uint8_t>(char_index_of(c));
    return t;
}
inline constexpr auto char_indexes = make_char_indexes();
constexpr unsigned char_index(unsigned char c) noexcept { return char_indexes[c]; }

struct tables {
    std::array<std::string_view, table_size> word{};
    std::array<word_key, table_size> key{};
    std::array<std::uint8_t, table_size> length{};  // 0: free slot
    std::array<std::uint16_t, table_size> first{};  // into by_last
    std::array<std::uint8_t, table_size> count{};
    std::array<std::uint8_t, table_size> flags{};
    std::array<std::array<std::int16_t, max_words>, phrase_count> slots{};  // slot of each phrase word
    std::array<std::uint16_t, phrase_count> by_last{};  // phrase ids grouped by last word, longest first
    // For each entry of by_last, the words before the last as the scanner's history holds them
    // (see history_bits), and the mask of the bits they occupy: one compare tests a phrase.
    std::array<std::uint64_t, phrase_count> want{}, want_mask{};
    // For each word length, the first and last bytes some vocabulary word has, as bit sets of
    // char_index: most words of a log fail this test and are never hashed.
    std::array<std::uint64_t, max_word + 1> first_bytes{}, last_bytes{};
};

/// The scanner keeps its last words in one integer, history_bits per word, newest lowest: a
/// vocabulary slot, or one of the codes below for words in no rule.
constexpr unsigned history_bits = 11;
constexpr std::uint64_t history_plain = 0x7FF;  // a word in no rule (and the start of the text)
constexpr std::uint64_t history_digit = 0x7FE;  // a one-digit number ("HTTP/2 502")
static_assert(table_size <= history_digit && (max_words - 1) * history_bits <= 64);

constexpr std::int16_t insert(tables& t, std::string_view w) {
    for (std::size_t i = hash_of(key_of(w), w.size()) & (table_size - 1);; i = (i + 1) & (table_size - 1)) {
        if (t.word[i].empty()) {
            t.word[i] = w;
            t.key[i] = key_of(w);
            t.length[i] = static_cast<std::uint8_t>(w.size());
        }
        if (t.word[i] == w) return static_cast<std::int16_t>(i);
    }
}

constexpr tables build() {
    tables t;
    for (std::size_t k = 0; k < phrase_count; ++k)
        for (std::size_t j = 0; j < phrases[k].count; ++j) t.slots[k][j] = insert(t, phrases[k].words[j]);
    for (auto w : context_words) t.flags[insert(t, w)] |= flag_context;
    for (auto w : reason_words) insert(t, w);
    for (auto w : tag_words) t.flags[insert(t, w)] |= flag_code;
    for (auto w : {"ssl", "stream", "misc", "netdb", "addrinfo", "http", "code", "error"}) t.flags[insert(t, w)] |= flag_code;
    for (auto w : window_words) insert(t, w);
    for (auto w : cue_words) t.flags[insert(t, w)] |= flag_cue;
    t.flags[insert(t, "http")] |= flag_http;
    t.flags[insert(t, "status")] |= flag_status;
    t.flags[insert(t, "of")] |= flag_of;
    t.flags[insert(t, "lookup")] |= flag_lookup;
    for (std::size_t k = 0; k < phrase_count; ++k) ++t.count[t.slots[k][phrases[k].count - 1]];
    std::uint16_t next = 0;
    for (std::size_t i = 0; i < table_size; ++i) {
        t.first[i] = next;
        next = static_cast<std::uint16_t>(next + t.count[i]);
    }
    for (std::size_t i = 0; i < table_size; ++i) {
        std::size_t len = t.word[i].size();
        if (len == 0 || len > max_word) continue;
        t.first_bytes[len] |= std::uint64_t{1} << char_index(static_cast<unsigned char>(t.word[i][0]));
        t.last_bytes[len] |= std::uint64_t{1} << char_index(static_cast<unsigned char>(t.word[i][len - 1]));
    }
    std::array<std::uint16_t, table_size> fill = t.first;
    for (std::size_t words = max_words; words > 0; --words)  // longest first: the first match wins
        for (std::size_t k = 0; k < phrase_count; ++k)
            if (phrases[k].count == words) t.by_last[fill[t.slots[k][words - 1]]++] = static_cast<std::uint16_t>(k);
    for (std::size_t e = 0; e < phrase_count; ++e) {
        const auto& words = t.slots[t.by_last[e]];
        std::size_t n = phrases[t.by_last[e]].count;
        for (std::size_t j = 1; j < n; ++j) {  // the word j back from the last
            auto shift = history_bits * (j - 1);
            t.want[e] |= static_cast<std::uint64_t>(words[n - 1 - j]) << shift;
            t.want_mask[e] |= history_plain << shift;
        }
    }
    return t;
}

inline constexpr tables table = build();

/// The slot of vocabulary word `w`, at compile time (a word not in the table does not compile).
consteval std::int16_t slot_of(std::string_view w) {
    for (std::size_t i = hash_of(key_of(w), w.size()) & (table_size - 1);; i = (i + 1) & (table_size - 1)) {
        if (table.word[i] == w) return static_cast<std::int16_t>(i);
        if (table.length[i] == 0) throw "slot_of: not a vocabulary word";
    }
}

constexpr std::size_t words_used() {
    std::size_t k = 0;
    for (auto len : table.length) k += len != 0;
    return k;
}
static_assert(words_used() <= table_size / 2, "vocabulary too large for the table: raise table_size");

/// The history codes one-digit numbers by history_digit, not by slot: so no word may be one.
constexpr bool no_digit_words() {
    for (std::size_t i = 0; i < table_size; ++i)
        if (table.length[i] == 1 && table.key[i].lo >= '0' && table.key[i].lo <= '9') return false;
    return true;
}
static_assert(no_digit_words());

}  // namespace r1::engine::classify_rules
