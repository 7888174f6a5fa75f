#include "net/beast_client.hpp"

#include "net/body_matcher.hpp"
#include "net/handshake_gate.hpp"
#include "net/lookup.hpp"
#include "net/socket_stream.hpp"
#include "net/tls_session.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/deferred.hpp>
#include <boost/asio/experimental/parallel_group.hpp>
#include <boost/asio/ip/address.hpp>
#include <boost/asio/ssl/error.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core/error.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http/buffer_body.hpp>
#include <boost/beast/http/empty_body.hpp>
#include <boost/beast/http/error.hpp>
#include <boost/beast/http/parser.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/write.hpp>
#include <boost/asio/write.hpp>

#include <algorithm>
#include <limits>
#include <optional>
#include <sstream>
#include <vector>

namespace r1::net {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
namespace ssl = asio::ssl;
namespace sys = boost::system;
using sclock = std::chrono::steady_clock;

constexpr std::uint32_t header_limit = 16 * 1024;  // a health endpoint has no business sending more
constexpr std::size_t chunk_size = 16 * 1024;      // body read buffer; the body itself is never kept
// Beast 1.81 bounds neither a chunk's extensions nor the trailer, and its read buffer grows until a
// line ends: `1;` and 256 MiB without a line end took r1 to 267 MiB. The read buffer is capped, so
// a chunk header or the trailer (parsed whole, from the buffer) cannot outgrow it, and extensions,
// which a health check never needs, get a limit of their own.
constexpr std::size_t max_read_buffer = 2 * header_limit;
constexpr std::size_t max_chunk_extension = 4 * 1024;
constexpr int max_interim_responses = 5;           // 1xx (e.g. 103 Early Hints) skipped before the real one
constexpr auto as_result = asio::as_tuple(asio::use_awaitable);

bool cancelled(const asio::cancellation_state& cs) { return cs.cancelled() != asio::cancellation_type::none; }

/// host[:port] as in the URL: IPv6 bracketed, the port only when it is not the scheme's default.
std::string host_header(const url& u) {
    auto text = u.text();
    auto authority = text.substr(u.scheme.size() + 3);  // after "scheme://"
    return authority.substr(0, authority.size() - u.target.size());
}

/// What r1's own limits on a response's chunk metadata report (category "r1.http").
enum class response_limit { chunk_extension = 1, chunk_header, trailer };

class response_limit_category final : public sys::error_category {
public:
    const char* name() const noexcept override { return "r1.http"; }
    std::string message(int value) const override {
        switch (static_cast<response_limit>(value)) {
        case response_limit::chunk_extension:
            return "chunk extension longer than " + std::to_string(max_chunk_extension) + " bytes";
        case response_limit::chunk_header:
            return "chunk header longer than " + std::to_string(max_read_buffer) + " bytes";
        case response_limit::trailer: return "chunked trailer longer than " + std::to_string(max_read_buffer) + " bytes";
        }
        return "response over r1's limits";
    }
};

sys::error_code make_error(response_limit e) {
    static const response_limit_category category;
    return {static_cast<int>(e), category};
}

/// The read buffer filled up inside a chunked body: the bytes not yet parsed are a chunk header
/// without its line end, or, after the last chunk's line ("0" CRLF), a trailer without its end.
sys::error_code chunk_metadata_overflow(std::string_view pending) {
    if (pending.starts_with("\r\n")) pending.remove_prefix(2);  // the previous chunk's data ends in CRLF
    auto digits = pending.find_first_not_of("0123456789abcdefABCDEF");
    bool last_chunk = digits != 0 && digits != std::string_view::npos &&
                      pending.substr(0, digits).find_first_not_of('0') == std::string_view::npos;
    return make_error(last_chunk && pending.find("\r\n") != std::string_view::npos ? response_limit::trailer
                                                                                     : response_limit::chunk_header);
}

/// Retry-After as delta-seconds ("120"), clamped to max_retry_after_seconds however many digits it
/// has; the HTTP-date form is left out.
std::optional<std::uint64_t> delta_seconds(std::string_view v) {
    if (v.empty() || !std::all_of(v.begin(), v.end(), [](char c) { return c >= '0' && c <= '9'; }))
        return std::nullopt;
    std::uint64_t n = 0;
    for (char c : v) {
        n = n * 10 + static_cast<std::uint64_t>(c - '0');
        if (n >= max_retry_after_seconds) return max_retry_after_seconds;
    }
    return n;
}

/// The host's addresses, with the lookup raced against the deadline so a slow DNS server cannot
/// hold the check past it (see net/lookup.hpp for why Asio's resolver is not used).
asio::awaitable<sys::result<endpoint_list>> resolve(const url& u, sclock::time_point deadline) {
    if (u.host_is_ip()) {
        sys::error_code ec;
        auto addr = asio::ip::make_address(u.host, ec);
        if (ec) co_return ec;
        co_return endpoint_list{{addr, u.port}};
    }
    auto ex = co_await asio::this_coro::executor;
    asio::steady_timer timer{ex, deadline};
    auto [order, lookup_ec, endpoints, timer_ec] =
        co_await asio::experimental::make_parallel_group(async_lookup(ex, u.host, u.port, asio::deferred),
                                                         timer.async_wait(asio::deferred))
            .async_wait(asio::experimental::wait_for_one(), asio::use_awaitable);
    if (order[0] == 1 && !timer_ec) co_return sys::error_code(asio::error::timed_out);
    if (lookup_ec) co_return lookup_ec;  // operation_aborted too, when the caller was cancelled
    co_return std::move(endpoints);
}

/// A TLS peer that drops the connection mid-response (no close_notify) is, for HTTP, what a plain
/// peer closing early is: Beast's end_of_stream before any byte, partial_message after some. Only
/// a body framed by the connection's end (handled by the caller) may end that way.
template <class Parser>
sys::error_code ended_early(sys::error_code ec, const Parser& parser) {
    if (ec != ssl::error::stream_truncated) return ec;
    return parser.got_some() ? http::error::partial_message : http::error::end_of_stream;
}

/// Writes the GET and reads the response through `stream`, plain or TLS.
template <class Stream>
asio::awaitable<sys::result<http_response>> exchange(Stream& stream, const http_request& req,
                                                     const asio::cancellation_state& cs, sclock::time_point started) {
    const sys::error_code aborted = asio::error::operation_aborted;
    const auto connected_at = sclock::now();

    http::request<http::empty_body> get{http::verb::get, req.target.target, 11};
    get.set(http::field::host, host_header(req.target));
    if (!req.user_agent.empty()) get.set(http::field::user_agent, req.user_agent);
    get.set(http::field::accept, "*/*");
    get.set(http::field::connection, "close");
    // Serialized into one buffer and written at once: Beast's serializer hands the request out in
    // pieces (start line, each field, the blank line), and socket_stream writes one piece per call,
    // which over TLS made each piece a record of its own for both sides to seal, send and open.
    std::ostringstream text;
    text << get;
    auto request = std::move(text).str();
    if (cancelled(cs)) co_return aborted;
    if (auto [ec, n] = co_await asio::async_write(stream, asio::buffer(request), as_result); ec) co_return ec;

    beast::flat_buffer buffer{max_read_buffer};
    std::optional<http::response_parser<http::buffer_body>> parser;
    auto check_extensions = [](std::uint64_t, beast::string_view extensions, sys::error_code& ec) {
        if (extensions.size() > max_chunk_extension) ec = make_error(response_limit::chunk_extension);
    };
    for (int interim = 0;; ++interim) {
        parser.emplace();
        parser->header_limit(header_limit);
        parser->body_limit(boost::none);  // we stop at max_body ourselves, and count what we read
        parser->on_chunk_header(check_extensions);
        if (cancelled(cs)) co_return aborted;
        if (auto [ec, n] = co_await http::async_read_header(stream, buffer, *parser, as_result); ec)
            co_return ended_early(ec, *parser);
        auto status = parser->get().result_int();
        if (status / 100 != 1 || status == 101 || interim == max_interim_responses) break;
    }

    const auto headers_at = sclock::now();
    const auto& head = parser->get();
    http_response res;
    res.times.processing = headers_at - connected_at;
    res.content_length = parser->content_length() ? std::optional<std::uint64_t>(*parser->content_length()) : std::nullopt;
    res.headers_after = headers_at - started;
    res.status = head.result_int();
    res.reason = std::string(head.reason());
    if (auto it = head.find(http::field::location); it != head.end()) res.location = std::string(it->value());
    if (auto it = head.find(http::field::retry_after); it != head.end())
        res.retry_after_seconds = delta_seconds(it->value());

    body_matcher matcher{req.expected_substring};
    // Sized to the body when its length is known: most health bodies are a few bytes.
    std::size_t want = chunk_size;
    if (auto length = parser->content_length(); length && *length + 1 < want) want = static_cast<std::size_t>(*length) + 1;
    std::vector<char> chunk(want);
    std::uint64_t seen = 0;
    while (!parser->is_done()) {
        // Room for one byte past max_body, so a body of exactly max_body is not called capped.
        std::uint64_t left = req.max_body - seen;
        std::size_t room = left < chunk.size() ? static_cast<std::size_t>(left) + 1 : chunk.size();
        auto& body = parser->get().body();
        body.data = chunk.data();
        body.size = room;
        if (cancelled(cs)) co_return aborted;
        auto [ec, n] = co_await http::async_read(stream, buffer, *parser, as_result);
        std::size_t got = room - body.size;
        std::size_t keep = static_cast<std::size_t>(std::min<std::uint64_t>(got, left));
        matcher.feed(std::string_view(chunk.data(), keep));
        seen += keep;
        if (got > keep) {
            res.body_capped = true;
            break;
        }
        if (ec == http::error::need_buffer) continue;  // the chunk buffer is full; read on
        // A body that ends when the connection does, from a server that closes without a TLS
        // close_notify: the bytes we have are all the server sent, so take them as the body.
        if (ec == ssl::error::stream_truncated && parser->need_eof()) break;
        if (ec == http::error::buffer_overflow && parser->chunked()) {
            auto pending = buffer.cdata();
            co_return chunk_metadata_overflow({static_cast<const char*>(pending.data()), pending.size()});
        }
        if (ec) co_return ended_early(ec, *parser);
    }
    res.body_bytes = seen;
    res.substring_found = matcher.found();
    res.times.transfer = sclock::now() - headers_at;
    co_return res;
}

/// The whole GET, run as a coroutine of its own (see beast_client::get).
asio::awaitable<sys::result<http_response>> fetch(ssl::context& tls, std::size_t max_handshakes, http_request req) {
    // Whatever cancellation the caller lets through (total, for r1's first Ctrl-C) reaches every
    // wait below as terminal: a half-read response is never resumed, the connection is dropped.
    co_await asio::this_coro::reset_cancellation_state(
        asio::enable_total_cancellation(), [](asio::cancellation_type) { return asio::cancellation_type::terminal; });
    // Checked before every step: once we are cancelled, co_await itself would throw.
    auto cs = co_await asio::this_coro::cancellation_state;
    auto ex = co_await asio::this_coro::executor;
    const sys::error_code aborted = asio::error::operation_aborted;

    if (cancelled(cs)) co_return aborted;
    const auto started = sclock::now();
    auto endpoints = co_await resolve(req.target, req.deadline);
    if (!endpoints) co_return endpoints.error();
    const auto resolved = sclock::now();

    if (!req.target.https()) {
        socket_stream stream{ex, req.deadline};
        if (cancelled(cs)) co_return aborted;
        if (auto ec = co_await stream.connect(*endpoints); ec) co_return ec;
        const auto connected = sclock::now();
        auto res = co_await exchange(stream, req, cs, started);  // we sent Connection: close
        if (res) {
            res->times.resolve = resolved - started;
            res->times.connect = connected - resolved;
        }
        co_return res;
    }

    // One gate per event loop (each loop has its own thread), so the hot path takes no lock.
    thread_local handshake_gate gate{max_handshakes};
    if (cancelled(cs)) co_return aborted;
    if (auto ec = co_await gate.enter(req.deadline); ec) co_return ec;
    handshake_slot slot{&gate};
    socket_stream stream{ex, req.deadline};
    if (cancelled(cs)) co_return aborted;
    const auto admitted = sclock::now();  // the wait for a slot counts as neither lookup nor connect
    if (auto ec = co_await stream.connect(*endpoints); ec) co_return ec;
    const auto connected = sclock::now();
    if (auto ec = stream.start_tls(tls.native_handle(), req.target.host, req.target.host_is_ip()); ec) co_return ec;
    if (req.resume) stream.offer_session(*req.resume);
    if (cancelled(cs)) co_return aborted;
    if (auto ec = co_await stream.handshake(); ec) co_return ec;
    const auto secured = sclock::now();
    slot.release();
    auto res = co_await exchange(stream, req, cs, started);
    if (!res) co_return res;
    res->times.resolve = resolved - started;
    res->times.connect = connected - admitted;
    res->times.tls = secured - connected;
    res->tls = true;
    res->tls_resumed = stream.resumed();
    res->cert_not_after = stream.earliest_not_after();
    // After the response: a TLS 1.3 ticket arrives after the handshake, read with the first bytes.
    if (req.keep_session) res->session = stream.resumable_session();
    res->spki_sha256 = stream.peer_spki_sha256();
    // A courtesy close_notify; the server's is not awaited: the response is complete by its own
    // framing, and servers often drop the connection without theirs.
    if (!res->body_capped) stream.close_notify();
    co_return res;
}

}  // namespace

asio::awaitable<sys::result<http_response>> beast_client::get(http_request req) {
    // A child coroutine has a cancellation state of its own, so fetch() can widen it to terminal
    // without changing the caller's. The caller's cancellation slot reaches it through co_spawn.
    auto ex = co_await asio::this_coro::executor;
    co_return co_await asio::co_spawn(ex, fetch(tls_, max_handshakes_, std::move(req)), asio::use_awaitable);
}

}  // namespace r1::net
