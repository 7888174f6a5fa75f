#include "engine/health_check.hpp"

#include "engine/text/text.hpp"
#include "net/url.hpp"

#include <boost/asio/error.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/beast/http/status.hpp>

#include <algorithm>
#include <set>
#include <string_view>
#include <utility>

namespace r1::engine {
namespace {

namespace asio = boost::asio;
namespace sys = boost::system;

constexpr std::size_t max_shown = 200;  // bytes of a URL or of server-sent text in the line

/// Text from the operator or a server, made safe for one terminal line and kept short.
std::string shown(std::string_view text) {
    auto out = printable(text, true);
    if (out.size() <= max_shown) return out;
    std::size_t cut = max_shown;
    while (cut > 0 && (static_cast<unsigned char>(out[cut]) & 0xC0) == 0x80) --cut;  // not mid UTF-8
    return out.substr(0, cut) + "...";
}

/// user:password@ is a secret even in a URL we refuse; it never reaches the line.
std::string without_userinfo(std::string_view text) {
    auto scheme_end = text.find("://");
    std::size_t start = scheme_end == std::string_view::npos ? 0 : scheme_end + 3;
    auto authority = text.substr(start, text.find_first_of("/?#", start) - start);
    auto at = authority.rfind('@');
    if (at == std::string_view::npos) return std::string(text);
    return std::string(text.substr(0, start)) + "***@" + std::string(text.substr(start + at + 1));
}

/// The standard reason phrase, for a response that carried none (HTTP/2 has none at all). Beast's
/// table: "<unknown-status>" for a code it does not know becomes no phrase.
std::string_view standard_reason(unsigned status) {
    auto phrase = boost::beast::http::obsolete_reason(boost::beast::http::int_to_status(status));
    return phrase == "<unknown-status>" ? std::string_view{} : std::string_view{phrase.data(), phrase.size()};
}

bool is_followed_redirect(unsigned status) {
    return status == 301 || status == 302 || status == 303 || status == 307 || status == 308;
}

struct failure {
    error kind;
    std::string cause;
    std::string_view code;  // health_report::cause_code
};

/// The transport error as a short cause for the operator. Categories are matched by name and value,
/// not through Asio's, OpenSSL's or Beast's compiled categories, so engine/ stays free of them.
failure describe(const sys::error_code& ec) {
    namespace ae = asio::error;
    std::string_view category = ec.category().name();
    auto is = [&](std::string_view cat, int value) { return category == cat && ec.value() == value; };

    if (ec == ae::timed_out) return {error::timed_out, "timed out after deadline", "timeout"};
    if (ec == ae::operation_aborted) return {error::interrupted, "interrupted", "interrupted"};
    if (ec == ae::connection_refused) return {error::unavailable, "connection refused", "connection-refused"};
    if (ec == ae::connection_reset) return {error::unavailable, "connection reset by peer", "connection-reset"};
    if (ec == ae::network_unreachable) return {error::unavailable, "network unreachable", "network-unreachable"};
    if (ec == ae::host_unreachable) return {error::unavailable, "host unreachable", "host-unreachable"};
    if (ec == ae::broken_pipe || is("asio.misc", ae::eof)) return {error::unavailable, "connection closed by the server", "connection-closed"};
    if (is("asio.netdb", ae::host_not_found)) return {error::unavailable, "host not found", "dns-nxdomain"};
    if (is("asio.netdb", ae::host_not_found_try_again)) return {error::unavailable, "host not found (DNS temporary failure)", "dns-temporary"};
    // net::tls_verify_category(): which certificate check failed ("certificate has expired").
    if (category == "r1.x509") return {error::unavailable, "TLS: certificate verify failed: " + shown(ec.message()), "tls-verify"};
    if (category == "asio.ssl" || category == "asio.ssl.stream") {
        // OpenSSL messages end in the library name: "certificate verify failed (SSL routines)".
        auto text = ec.message();
        if (auto paren = text.find(" ("); paren != std::string::npos) text.erase(paren);
        // The server's protocol_version alert (it speaks nothing r1 offers), or a ServerHello with a
        // version below r1's minimum: either way an old server, not a broken connection.
        if (text == "tlsv1 alert protocol version" || text == "unsupported protocol")
            return {error::unavailable, "TLS: no protocol version in common (r1 requires TLS 1.2 or newer)", "tls-protocol"};
        return {error::unavailable, "TLS: " + shown(text), "tls-handshake"};
    }
    if (category == "beast.http" || category == "r1.http") {  // r1.http: net's limits on chunk metadata
        auto text = ec.message();
        if (text == "end of stream" || text == "partial message")
            return {error::unavailable, "connection closed before a complete response", "connection-closed"};
        return {error::unavailable, "bad HTTP response: " + shown(text), "bad-response"};
    }
    return {error::unavailable, shown(ec.message()), "network"};
}

void add_times(net::phase_times& sum, const net::phase_times& one) {
    sum.resolve += one.resolve;
    sum.connect += one.connect;
    sum.tls += one.tls;
    sum.processing += one.processing;
    sum.transfer += one.transfer;
}

health_report judge(const net::http_response& res, const std::string& expected, probe_details probe) {
    health_report report;
    probe.content_length = res.content_length;
    probe.body_bytes = res.body_bytes;
    probe.tls = res.tls;
    probe.cert_not_after = res.cert_not_after;
    report.probe = std::move(probe);
    report.status = res.status;
    report.retry_after_seconds = res.retry_after_seconds;
    auto unhealthy = [&](std::string line, std::string code) {
        report.ec = make_error_code(error::unhealthy);
        report.line = "health check: " + std::move(line);
        report.cause_code = std::move(code);
        return report;
    };
    if (res.status != 200) {
        std::string reason = res.reason.empty() ? std::string(standard_reason(res.status)) : shown(res.reason);
        return unhealthy("got HTTP " + std::to_string(res.status) + (reason.empty() ? "" : " (" + reason + ")"),
                         "http-" + std::to_string(res.status));
    }
    if (res.body_bytes == 0) return unhealthy("200 but empty body", "empty-body");
    if (!expected.empty() && !res.substring_found)
        return unhealthy("body missing expected substring \"" + shown(expected) + "\"", "body-mismatch");
    report.line = "health check: 200 OK (" + std::to_string(res.body_bytes) + " bytes)";
    return report;
}

}  // namespace

asio::awaitable<health_report> check_health(net::http_client& http, health_config cfg) {
    health_report report;
    auto fail = [&](error kind, std::string line, std::string_view code) {
        report.ec = make_error_code(kind);
        report.line = "health check: " + std::move(line);
        report.cause_code = code;
        return report;
    };
    report.final_url = without_userinfo(cfg.url);

    auto start = net::parse_url(cfg.url);
    if (!start)
        co_return fail(error::usage, "invalid URL " + shown(without_userinfo(cfg.url)) + ": " +
                                         net::describe_url_error(cfg.url), "invalid-url");

    // Once we are cancelled a co_await would throw, so look before each GET instead.
    auto cs = co_await asio::this_coro::cancellation_state;
    net::url current = std::move(*start);
    std::set<std::string> visited{current.text()};
    for (int redirects = 0;; ++redirects) {
        auto where = "GET " + shown(current.text()) + ": ";
        report.final_url = current.text();
        if (cs.cancelled() != asio::cancellation_type::none)
            co_return fail(error::interrupted, where + "interrupted", "interrupted");

        // A named request: GCC 12 mis-destroys a braced temporary inside a co_await expression.
        net::http_request req{.target = current,
                              .deadline = cfg.deadline,
                              .user_agent = cfg.user_agent,
                              .expected_substring = cfg.expected_body};
        if (redirects == 0) {
            req.resume = cfg.resume;
            req.keep_session = cfg.keep_session;
        }
        auto res = co_await http.get(std::move(req));
        if (!res) {
            auto f = describe(res.error());
            report.cause = res.error();
            co_return fail(f.kind, where + f.cause, f.code);
        }
        report.status = res->status;
        add_times(report.probe.times, res->times);
        if (redirects == 0) {
            report.probe.tls_resumed = res->tls_resumed;
            report.probe.session = std::move(res->session);
        }
        report.ttfb += res->headers_after;
        if (!res->spki_sha256.empty() &&
            std::find(report.verified_spki.begin(), report.verified_spki.end(), res->spki_sha256) == report.verified_spki.end())
            report.verified_spki.push_back(res->spki_sha256);
        if (!is_followed_redirect(res->status) || res->location.empty()) {
            auto verdict = judge(*res, cfg.expected_body, std::move(report.probe));
            verdict.verified_spki = std::move(report.verified_spki);
            verdict.final_url = std::move(report.final_url);
            verdict.ttfb = report.ttfb;
            co_return verdict;
        }

        auto next = net::resolve_location(current, res->location);
        if (!next)
            co_return fail(error::unhealthy, where + "redirect to an unusable Location " +
                                                 shown(without_userinfo(res->location)), "bad-redirect");
        // A verdict reached over plain HTTP after an https start can be forged by anyone on the path.
        if (current.https() && !next->https() && !cfg.allow_insecure_redirects)
            co_return fail(error::unhealthy, where + "refused the redirect from https to " +
                                                 shown(without_userinfo(next->text())) +
                                                 " (--allow-insecure-redirects permits it)", "insecure-redirect");
        // A URL seen before can only lead round the same circle again: stop now, not after 10 hops.
        if (!visited.insert(next->text()).second) co_return fail(error::unhealthy, where + "redirect loop", "redirect-loop");
        if (redirects == max_redirects)
            co_return fail(error::unhealthy, where + "stopped after " + std::to_string(max_redirects) + " redirects",
                           "too-many-redirects");
        current = std::move(*next);
        report.probe.redirects = static_cast<unsigned>(redirects + 1);
    }
}

}  // namespace r1::engine
