#include "engine/classify/scan.hpp"

#include "engine/classify/escape.hpp"
#include "engine/classify/model.hpp"
#include "engine/classify/signals.hpp"

#include <array>
#include <bit>
#include <cstdint>
#include <cstring>

#if defined(__SSE2__)
#include <emmintrin.h>
#endif

namespace r1::engine::classify_scan {
namespace {

using namespace classify_rules;
using classify_text::skip_escape;
namespace sig = classify_signals;

static_assert(std::endian::native == std::endian::little, "word keys are built little-endian");

// The per-word helpers of the scan loop: GCC at -O2 leaves some of them out of line, which costs
// a call per word.
#define R1_HOT [[gnu::always_inline]] inline

// Separator bytes seen between two words, as flags.
enum sep_flag : std::uint16_t {
    sep_space = 1,     // blank, tab, CR, LF, or the start of the text
    sep_newline = 2,   // LF
    sep_status = 4,    // ':' '=' '"' '\'' '(' '[' '#': may sit between "status" and its number
    sep_open = 8,      // '(' '[' '"' '\'' '>': may open a "503 Service Unavailable" phrase
    sep_other = 16,    // anything else: '.', '/', ',', '-', bytes >= 0x80...
    sep_escape = 32,   // ESC: starts an escape sequence, which is skipped (never in a word's flags)
    sep_arrow = 64,    // "->": wrangler's "GET /accounts/... -> 503"
};

enum char_kind : std::uint8_t { k_other, k_word, k_upper, k_digit };

constexpr std::array<std::uint8_t, 256> make_kinds() {
    std::array<std::uint8_t, 256> k{};
    for (int c = 'a'; c <= 'z'; ++c) k[c] = k_word;
    for (int c = 'A'; c <= 'Z'; ++c) k[c] = k_upper;
    for (int c = '0'; c <= '9'; ++c) k[c] = k_digit;
    k['_'] = k_word;
    return k;
}
constexpr auto kinds = make_kinds();

/// The flags each byte adds between two words: 0 for word bytes, sep_escape for ESC.
constexpr std::array<std::uint16_t, 256> make_seps() {
    std::array<std::uint16_t, 256> s{};
    for (auto& v : s) v = sep_other;
    for (unsigned char c : {' ', '\t', '\r', '\v', '\f'}) s[c] = sep_space;
    s['\n'] = sep_space | sep_newline;
    for (unsigned char c : {':', '=', '#'}) s[c] = sep_status;
    for (unsigned char c : {'(', '[', '"', '\''}) s[c] = sep_status | sep_open;
    s['>'] = sep_open;
    s[0x1b] = sep_escape;
    for (int c = 0; c < 256; ++c)
        if (kinds[c] != k_other) s[c] = 0;
    return s;
}
constexpr auto seps = make_seps();

/// The letters of the escapes "\n", "\r" and "\t", in either case (the answer must not change
/// with case).
constexpr std::array<bool, 256> make_escaped_breaks() {
    std::array<bool, 256> t{};
    for (unsigned char c : {'n', 'r', 't', 'N', 'R', 'T'}) t[c] = true;
    return t;
}
constexpr auto escaped_break = make_escaped_breaks();

struct status_rule {
    tier level = tier::none;
    std::string_view signal;
};

constexpr status_rule status_of(unsigned code) noexcept {
    switch (code) {
    case 401: return {tier::decisive_permanent, "http-401"};
    case 402: return {tier::decisive_permanent, "http-402"};
    case 403: return {tier::decisive_permanent, "http-403"};
    case 407: return {tier::decisive_permanent, "http-407"};
    case 408: return {tier::transient, "http-408"};
    case 425: return {tier::transient, "http-425"};
    case 429: return {tier::decisive_transient, "http-429"};  // POLICY.md: a throttle, short or no window
    case 502: return {tier::transient, "http-502"};
    case 503: return {tier::transient, "http-503"};
    case 504: return {tier::transient, "http-504"};
    case 500: return {tier::weak_transient, "http-500"};
    // Cloudflare's own 52x (https://developers.cloudflare.com/support/troubleshooting/http-status-codes/cloudflare-5xx-errors/):
    // 522 and 524 are the origin timing out, which curl's --retry retries too
    // (https://github.com/curl/curl/blob/master/src/tool_operate.c); 526 is an origin certificate
    // that does not verify (POLICY.md: permanent). 525, a failed handshake with the origin, is a
    // 5xx like any other (POLICY.md, "Applying the table").
    case 522: return {tier::decisive_transient, "http-522"};
    case 524: return {tier::decisive_transient, "http-524"};
    case 526: return {tier::decisive_permanent, "tls-verify"};
    default: break;
    }
    if (code >= 400 && code < 500) return {tier::permanent, "http-4xx"};
    if (code >= 500 && code < 600) return {tier::weak_transient, "http-5xx"};
    return {};
}

/// Whether the word in vocabulary slot `word` (-1: none) can open the reason phrase of `code`
/// (RFC 9110 section 15 and common servers).
bool opens_reason(unsigned code, std::int16_t word) noexcept {
    switch (code) {
    case 400: case 502: return word == slot_of("bad");
    case 401: return word == slot_of("unauthorized");
    case 402: return word == slot_of("payment");
    case 403: return word == slot_of("forbidden");
    case 404: case 406: case 501: return word == slot_of("not");
    case 405: return word == slot_of("method");
    case 407: return word == slot_of("proxy");
    case 408: case 431: return word == slot_of("request");
    case 409: return word == slot_of("conflict");
    case 410: return word == slot_of("gone");
    case 411: return word == slot_of("length");
    case 412: case 428: return word == slot_of("precondition");
    case 413: return word == slot_of("payload") || word == slot_of("request");
    case 414: return word == slot_of("uri") || word == slot_of("request");
    case 415: return word == slot_of("unsupported");
    case 421: return word == slot_of("misdirected");
    case 422: return word == slot_of("unprocessable");
    case 423: return word == slot_of("locked");
    case 425: case 429: return word == slot_of("too");
    case 426: return word == slot_of("upgrade");
    case 500: return word == slot_of("internal");
    case 503: return word == slot_of("service");
    case 504: return word == slot_of("gateway");
    case 505: return word == slot_of("http");
    case 507: return word == slot_of("insufficient");
    default: return false;
    }
}

struct token {
    std::int16_t slot = -1;  // vocabulary slot, -1 for a word in no rule
    std::uint64_t number = 0;
    std::uint8_t digits = 0;  // length when the word is all digits (at most max_number_digits), else 0
    std::uint16_t sep = 0;    // separators before this word
    unsigned char last_sep = ' ';  // the separator byte right before it
    std::size_t at = 0;
};

struct no_count {
    void operator+=(std::size_t) noexcept {}
};
struct counter {
    std::size_t& n;
    void operator+=(std::size_t k) noexcept { n += k; }
};

/// Where matches go besides the verdict: nowhere, or to --explain's sink.
struct no_trace {
    static constexpr bool tracing = false;
    void hit(const rule_hit&) noexcept {}
};
struct trace {
    static constexpr bool tracing = true;
    hit_sink& sink;
    void hit(const rule_hit& h) { sink.hit(h); }
};

/// The milliseconds in one `unit` of a retry window, 0 when the word is not a unit.
constexpr std::uint64_t unit_ms_of(std::int16_t slot) noexcept {
    switch (slot) {
    case slot_of("ms"): case slot_of("millisecond"): case slot_of("milliseconds"): return 1;
    case slot_of("s"): case slot_of("sec"): case slot_of("secs"): case slot_of("second"): case slot_of("seconds"):
        return 1000;
    case slot_of("m"): case slot_of("min"): case slot_of("mins"): case slot_of("minute"): case slot_of("minutes"):
        return 60'000;
    case slot_of("h"): case slot_of("hr"): case slot_of("hrs"): case slot_of("hour"): case slot_of("hours"):
        return 3'600'000;
    case slot_of("d"): case slot_of("day"): case slot_of("days"): return 86'400'000;
    case slot_of("week"): case slot_of("weeks"): return 604'800'000;
    default: return 0;
    }
}

template <class Steps, class Trace>
class scanner {
public:
    scanner(Steps steps, Trace& trace, std::uint64_t budget_ms, const unsigned char* s, std::size_t n) noexcept
        : steps_(steps), trace_(trace), budget_ms_(budget_ms), text_(s), size_(n) {}

    /// A line begins at text[at]. Whether it is an aside (a warning or a note) is read only when
    /// a rule first matches on it: most lines of a log match nothing.
    void new_line(std::size_t at) noexcept {
        close_window();
        end_line();
        lookup_on_line_ = false;
        line_ = line_marks{};
        line_start_ = at;
        level_known_ = false;
        ++line_number_;
    }

    /// Takes a word in no rule that is not a number: most words of a log. Only its separators
    /// matter, that it stands between the words around it, and that it opens no reason phrase.
    void plain_word() noexcept {
        if (window_ != window_state::idle) close_window();
        pending_code_ = 0;  // "503 bytes": no reason phrase follows
        history_ = history_ << history_bits | history_plain;
        ++head_;
    }

    /// Takes the next word: its token and the byte right after it (-1 at the end).
    R1_HOT void word(const token& w, int next) noexcept {
        if (window_ != window_state::idle) window_word(w);
        if (pending_code_ != 0) {
            // A bare number waits for the next word: "503 Service Unavailable" is a status,
            // "503 bytes" is not.
            bool blank_between = (w.sep & sep_space) && !(w.sep & sep_other);
            if (blank_between && opens_reason(pending_code_, w.slot)) fire_status(pending_code_, pending_at_);
            pending_code_ = 0;
        }
        if (w.digits != 0) {
            code_number(w);
            if (w.digits == 3 && w.number >= 100 && w.number < 600) number(w, next);
        } else if (w.slot >= 0) {
            phrases_ending(w);
        }
        if (w.slot >= 0) {
            auto flags = table.flags[w.slot];
            lookup_on_line_ = lookup_on_line_ || (flags & flag_lookup);
            cue_ = cue_ || (flags & flag_cue);
        }
        std::uint64_t code = w.slot >= 0 ? static_cast<std::uint64_t>(w.slot)
                             : w.digits == 1 ? history_digit
                                             : history_plain;
        history_ = history_ << history_bits | code;
        ++head_;
        at_[head_ & ring_mask] = w.at;
    }

    /// Whether the word just taken is "error": an OpenSSL queue code may follow ("error:0A00010B:").
    bool after_error() const noexcept { return code_back(0) == static_cast<std::uint64_t>(slot_of("error")); }

    /// The hexadecimal code of an OpenSSL error-queue line, at `at`.
    void openssl_code(std::uint64_t code, std::size_t at) noexcept {
        auto r = sig::openssl_queue_code(code);
        if (r.level != tier::none) fire(r.level, r.signal, at);
    }

    /// "127.0.0.1" was read: this machine.
    void loopback() noexcept { mark(phrase_kind::local_endpoint); }

    /// Whether a retry window waits for its amount ("try again in" ...).
    bool expects_amount() const noexcept { return window_ == window_state::amount; }

    /// A window's amount and unit written as one word ("30s", "1h30m"), `ms` long.
    void window_duration(std::uint64_t ms) noexcept {
        fire_window(ms);
        window_ = window_state::idle;
    }

    /// The text has ended.
    void finish() noexcept {
        close_window();
        end_line();
    }

    /// What a line decides only once it is read whole: a name the resolver says does not exist,
    /// unless the line also names a provider's or registry's host or a resolver that failed.
    void end_line() noexcept {
        if (line_.authoritative_nx_at != std::string_view::npos && !line_.provider_host && !line_.registry_host &&
            !line_.dns_temporary)
            fire(tier::decisive_permanent, "dns-nxdomain", line_.authoritative_nx_at);
        line_.authoritative_nx_at = std::string_view::npos;
    }

    /// Whether no later word can change the verdict: the lowest tier has matched on a main line,
    /// every phrase that could still start at or before that match (and so replace it) has ended,
    /// and no failure before it on its line waits for a mark that would make it decisive
    /// permanent too (a refused connection and "localhost", a limit and "per day") or for the
    /// end of its line (an authoritative "no such host", which a later word there may excuse).
    bool decided() const noexcept {
        if (Trace::tracing || head_ < stop_after_ || window_ != window_state::idle) return false;
        if (line_number_ > stop_line_) return true;
        return !(line_.refused_at < where_[0]) && !(line_.limit_at < where_[0]) &&
               !(line_.authoritative_nx_at < where_[0]);
    }

    outcome result() const noexcept {
        outcome r;
        std::size_t side = best_[0] != tier::none ? 0 : 1;
        r.level = best_[side];
        if (r.level != tier::none) {
            r.signal = signal_[side];
            r.where = where_[side];
        }
        r.fired = fired_;
        r.fired_count = fired_count_;
        r.cue = cue_ || fired_count_ > 0;
        return r;
    }

private:
    static constexpr std::size_t ring_mask = 7;
    enum class window_state : std::uint8_t { idle, amount, unit };

    // The words before the current one, newest first: back 0 is the word just before it.
    std::uint64_t code_back(std::size_t k) const noexcept { return history_ >> (history_bits * k) & history_plain; }
    bool back_is(std::size_t k, std::int16_t slot) const noexcept {
        return code_back(k) == static_cast<std::uint64_t>(slot);
    }
    bool flagged_back(std::size_t k, std::uint8_t flag) const noexcept {
        auto code = code_back(k);
        return code < table_size && (table.flags[code] & flag);
    }
    bool digit_back(std::size_t k) const noexcept { return code_back(k) == history_digit; }
    // Where a vocabulary word among the last ring_mask + 1 began (words in no rule leave no trace).
    std::size_t at_back(std::size_t k) const noexcept { return at_[(head_ - k) & ring_mask]; }

    /// Matches arrive in the order they end. A match that starts no later than the current best
    /// of its tier contains it ("temporary failure" inside "temporary failure in name
    /// resolution"), so the longer, more specific one takes its place.
    /// A tier-0 match on a main line is final once max_words words have gone by: a later match
    /// could only replace it by starting at or before it, and no phrase spans more words than
    /// that. Matches on asides count only when no main line matches at all.
    void fire(tier level, std::string_view signal, std::size_t at) noexcept {
        qualify(signal, at);
        remember(signal);
        if (!level_known_) {
            auto line = classify_model::read_line_level(text_, size_, line_start_);
            steps_ += line.end - line_start_;
            aside_ = line.aside;
            level_known_ = true;
        }
        if constexpr (Trace::tracing) trace_.hit(rule_hit{level, signal, at, aside_});
        std::size_t side = aside_ ? 1 : 0;
        if (level == tier::decisive_permanent && side == 0 && best_[0] != level) {
            stop_after_ = head_ + max_words;
            stop_line_ = line_number_;
        }
        if (level < best_[side] || (level == best_[side] && at <= where_[side])) {
            best_[side] = level;
            signal_[side] = signal;
            where_[side] = at;
        }
    }

    /// What a line says besides its failures: the host it talks to, the window of its limit.
    /// Each mark qualifies a failure on the same line, whichever comes first.
    struct line_marks {
        bool provider_host = false, registry_host = false, tls_handshake = false, local_endpoint = false,
             short_window = false, long_window = false;
        std::size_t nxdomain_at = std::string_view::npos;   // "no such host" and friends
        std::size_t cut_at = std::string_view::npos;        // a reset, closed connection or EOF
        std::size_t network_at = std::string_view::npos;    // any connection failure or timeout
        std::size_t authoritative_nx_at = std::string_view::npos;  // "no such host", ENOTFOUND...
        bool dns_temporary = false;
        std::size_t refused_at = std::string_view::npos;    // a refused or failed connection
        std::size_t limit_at = std::string_view::npos;      // a rate limit or quota
    };

    /// Fires the reading a failure has with the marks on its line, and remembers it for marks
    /// that come later.
    void qualify(std::string_view signal, std::size_t at) noexcept {
        if (signal == "dns-temporary") {
            line_.dns_temporary = true;
        } else if (signal == "dns-nxdomain") {
            line_.nxdomain_at = at;
            // POLICY.md: a provider's own API host that does not resolve is the runner's
            // network, not a name that does not exist.
            if (line_.provider_host) fire(tier::decisive_transient, "dns-provider-api", at);
            // POLICY.md, "Applying the table": so is a public registry or code host.
            else if (line_.registry_host) fire(tier::decisive_transient, "dns-registry-host", at);
        } else if (signal == "eof" || signal == "connection-reset" || signal == "connection-closed") {
            line_.cut_at = at;
            note_network(at);
            // POLICY.md: a TLS handshake reset or cut by EOF is a network fault.
            if (line_.tls_handshake) fire(tier::decisive_transient, "tls-handshake-eof", at);
        } else if (signal == "connection-refused" || signal == "connect-failed") {
            line_.refused_at = at;
            note_network(at);
            // POLICY.md: nobody starts a local daemon between two retries.
            if (line_.local_endpoint) fire(tier::decisive_permanent, "local-service-down", at);
        } else if (signal == "timeout" || signal == "network-unreachable") {
            note_network(at);
        } else if (signal == "rate-limit" || signal == "http-429" || signal == "quota") {
            line_.limit_at = at;
            if (line_.long_window) fire(tier::decisive_permanent, "retry-window-long", at);
            else if (line_.short_window) fire(tier::decisive_transient, "retry-window-short", at);
        }
    }

    /// A connection that failed on its way to a public registry or code host is POLICY.md's
    /// connection row (transient), whatever the thread did next.
    void note_network(std::size_t at) noexcept {
        if (line_.network_at == std::string_view::npos) line_.network_at = at;
        if (line_.registry_host) fire(tier::decisive_transient, "registry-network", at);
    }

    void mark(phrase_kind kind) noexcept {
        switch (kind) {
        case phrase_kind::provider_host:
            line_.provider_host = true;
            if (line_.nxdomain_at != std::string_view::npos) fire(tier::decisive_transient, "dns-provider-api", line_.nxdomain_at);
            break;
        case phrase_kind::registry_host:
            line_.registry_host = true;
            if (line_.nxdomain_at != std::string_view::npos && !line_.provider_host)
                fire(tier::decisive_transient, "dns-registry-host", line_.nxdomain_at);
            if (line_.network_at != std::string_view::npos) fire(tier::decisive_transient, "registry-network", line_.network_at);
            break;
        case phrase_kind::tls_handshake:
            line_.tls_handshake = true;
            if (line_.cut_at != std::string_view::npos) fire(tier::decisive_transient, "tls-handshake-eof", line_.cut_at);
            break;
        case phrase_kind::local_endpoint:
            line_.local_endpoint = true;
            if (line_.refused_at != std::string_view::npos) fire(tier::decisive_permanent, "local-service-down", line_.refused_at);
            break;
        case phrase_kind::short_window:
            line_.short_window = true;
            if (line_.limit_at != std::string_view::npos) fire(tier::decisive_transient, "retry-window-short", line_.limit_at);
            break;
        case phrase_kind::long_window:
            line_.long_window = true;
            if (line_.limit_at != std::string_view::npos) fire(tier::decisive_permanent, "retry-window-long", line_.limit_at);
            break;
        default: break;
        }
    }

    void remember(std::string_view signal) noexcept {
        for (std::size_t k = 0; k < fired_count_; ++k)
            if (fired_[k] == signal) return;
        if (fired_count_ < fired_.size()) fired_[fired_count_++] = signal;
    }

    void fire_status(std::uint64_t code, std::size_t at) noexcept {
        auto rule = status_of(static_cast<unsigned>(code));
        if (rule.level != tier::none) fire(rule.level, rule.signal, at);
    }

    void fire_rule(const sig::rule& r, std::size_t at) noexcept {
        if (r.level != tier::none) fire(r.level, r.signal, at);
    }

    /// A retry window of `ms`: longer than the budget, no retry inside it can help.
    void fire_window(std::uint64_t ms) noexcept {
        if (ms > budget_ms_) fire(tier::decisive_permanent, "retry-window-long", window_at_);
        else fire(tier::decisive_transient, "retry-window-short", window_at_);
    }

    /// The window's amount and unit, word by word: "in 24 hours", "in an hour", "in a few
    /// minutes", "Retry-After: 120" (seconds when no unit is written), "retry_after_ms":12345.
    void window_word(const token& w) noexcept {
        std::uint64_t unit = w.slot >= 0 ? unit_ms_of(w.slot) : 0;
        const bool is_unit = unit != 0;
        // "985.86µs": the fraction is read and dropped, and a unit after 'µ' is microseconds.
        if (window_ == window_state::unit && w.digits != 0 && w.last_sep == '.' && !(w.sep & (sep_space | sep_status)))
            return;
        if (unit == 1000 && w.last_sep == 0xB5) unit = 0;
        if (window_ == window_state::amount) {
            if (w.digits != 0) {
                window_amount_ = w.number;
                window_ = window_state::unit;
            } else if (w.slot == slot_of("a") || w.slot == slot_of("an")) {
                window_amount_ = 1;  // the unit may follow at once ("in an hour"), or "few"
            } else if (w.slot == slot_of("few") || w.slot == slot_of("several") || w.slot == slot_of("couple")) {
                window_amount_ = 3;
                window_ = window_state::unit;
            } else {
                if (is_unit && window_amount_ != 0) fire_window(window_amount_ * unit);
                window_ = window_state::idle;
            }
            return;
        }
        if (is_unit) fire_window(window_amount_ * unit);
        else if (window_default_ms_ != 0) fire_window(window_amount_ * window_default_ms_);
        window_ = window_state::idle;
    }

    void close_window() noexcept {
        if (window_ == window_state::unit && window_default_ms_ != 0) fire_window(window_amount_ * window_default_ms_);
        window_ = window_state::idle;
    }

    /// Numbers that are codes: curl's exit code, a category tag's value, a Cloudflare code.
    void code_number(const token& w) noexcept {
        if (!flagged_back(0, flag_code)) return;  // most numbers of a log: sizes, times, counters
        const bool glued = !(w.sep & (sep_space | sep_other));  // only ':' '=' '"' '(' '[' between
        // "curl: (6) ...", "[curl] 28: ...", "cURL error 60: ...", "curl error 7"
        if ((back_is(0, slot_of("curl")) && !(w.sep & sep_newline)) ||
            (back_is(0, slot_of("error")) && back_is(1, slot_of("curl")) && !(w.sep & sep_other))) {
            fire_rule(sig::curl_code(w.number), w.at);
            return;
        }
        // Boost.System's "[category:value]" tags: "[asio.ssl:337047686]", "asio.ssl.stream:1",
        // "[system:104 at ...]", "[beast.http:26]".
        if (w.last_sep == ':' && glued) {
            if (back_is(0, slot_of("ssl")) && back_is(1, slot_of("asio"))) return fire_rule(sig::asio_ssl_code(w.number), w.at);
            if (back_is(0, slot_of("stream")) && back_is(1, slot_of("ssl")) && back_is(2, slot_of("asio")))
                return fire_rule(sig::asio_ssl_stream_code(w.number), w.at);
            if (back_is(1, slot_of("asio"))) {
                if (back_is(0, slot_of("misc"))) return fire_rule(sig::asio_misc_code(w.number), w.at);
                if (back_is(0, slot_of("netdb"))) return fire_rule(sig::asio_netdb_code(w.number), w.at);
                if (back_is(0, slot_of("addrinfo"))) return fire_rule(sig::asio_addrinfo_code(w.number), w.at);
            }
            if (back_is(0, slot_of("system")) || back_is(0, slot_of("generic")))
                return fire_rule(sig::errno_code(w.number), w.at);
            if (back_is(0, slot_of("http")) && back_is(1, slot_of("beast")))
                return fire_rule(sig::beast_http_code(w.number), w.at);
        }
        // Cloudflare: "[code: 10000]", "\"code\":7003", "Error 1101", "error code: 1015".
        if ((back_is(0, slot_of("code")) || back_is(0, slot_of("error"))) && !(w.sep & (sep_other | sep_newline)) &&
            w.digits >= 3)
            fire_rule(sig::cloudflare_code(w.number), w.at);
    }

    void number(const token& w, int next) noexcept {
        bool only_status_seps = !(w.sep & sep_other);
        bool after_context = flagged_back(0, flag_context);
        bool status_of_n = flagged_back(0, flag_of) && flagged_back(1, flag_status) && (w.sep & sep_space);
        // "HTTP/1.1 503", "HTTP/2 502": version digits, then a blank.
        bool after_version = (w.sep & sep_space) && digit_back(0) &&
                             (flagged_back(1, flag_http) || (digit_back(1) && flagged_back(2, flag_http)));
        bool parenthesised = w.last_sep == '(' && next == ')';
        bool after_arrow = (w.sep & sep_arrow) && (w.sep & sep_space);
        if ((after_context && only_status_seps) || status_of_n || after_version || parenthesised || after_arrow) {
            fire_status(w.number, w.at);
            return;
        }
        // Otherwise the next word decides; never after '.', '/', ':' glued to a word (versions,
        // paths, ports) or after '-' (names).
        if ((w.sep & sep_space) || ((w.sep & sep_open) && !(w.sep & sep_other))) {
            pending_code_ = static_cast<unsigned>(w.number);
            pending_at_ = w.at;
        }
    }

    /// Fires the longest phrase ending at `w`: the most specific reading of those words wins
    /// ("pull access denied" over "access denied", "gateway timeout" over "timeout").
    R1_HOT void phrases_ending(const token& w) noexcept {
        auto slot = static_cast<std::size_t>(w.slot);
        std::size_t first = table.first[slot], last = first + table.count[slot];
        std::size_t k = first;
        while (k < last && ((history_ ^ table.want[k]) & table.want_mask[k]) != 0) ++k;  // longest first
        steps_ += k - first + 1;
        if (k == last) return;
        const phrase& found = phrases[table.by_last[k]];
        std::size_t at = found.count == 1 ? w.at : at_back(found.count - 2);
        switch (found.kind) {
        case phrase_kind::fire: fire(found.level, found.signal, at); break;
        case phrase_kind::nxdomain:
            fire(found.level, found.signal, at);
            if (line_.authoritative_nx_at == std::string_view::npos) line_.authoritative_nx_at = at;
            break;
        case phrase_kind::dns_after_lookup:
            // "lookup x on 10.0.0.1:53: i/o timeout": the resolver did not answer (POLICY.md's row).
            if (lookup_on_line_) fire(tier::decisive_transient, "dns-temporary", at);
            else fire(found.level, found.signal, at);
            break;
        case phrase_kind::window:
            window_ = window_state::amount;
            window_amount_ = 0;
            window_default_ms_ = found.unit_ms;
            window_at_ = at;
            break;
        case phrase_kind::provider_host:
        case phrase_kind::registry_host:
        case phrase_kind::tls_handshake:
        case phrase_kind::local_endpoint:
        case phrase_kind::short_window:
        case phrase_kind::long_window: mark(found.kind); break;
        }
    }

    Steps steps_;
    Trace& trace_;
    std::uint64_t budget_ms_;
    std::uint64_t history_ = ~std::uint64_t{0};  // the last words' codes; all history_plain at first
    std::array<std::size_t, ring_mask + 1> at_{};
    std::size_t head_ = 0;
    std::size_t stop_after_ = static_cast<std::size_t>(-1);
    std::size_t line_number_ = 0, stop_line_ = 0;
    unsigned pending_code_ = 0;
    std::size_t pending_at_ = 0;
    bool lookup_on_line_ = false;
    line_marks line_;
    bool aside_ = false, level_known_ = false;
    const unsigned char* text_;
    std::size_t size_;
    std::size_t line_start_ = 0;
    bool cue_ = false;
    window_state window_ = window_state::idle;
    std::uint64_t window_amount_ = 0, window_default_ms_ = 0;
    std::size_t window_at_ = 0;
    std::array<tier, 2> best_{tier::none, tier::none};  // [0] main lines, [1] asides
    std::array<std::string_view, 2> signal_{};
    std::array<std::size_t, 2> where_{std::string_view::npos, std::string_view::npos};
    std::array<std::string_view, outcome::max_fired> fired_{};
    std::size_t fired_count_ = 0;
};

/// Lowercase form of each word byte (letters, digits, '_'), 0 for every other byte.
constexpr std::array<unsigned char, 256> make_lower() {
    std::array<unsigned char, 256> l{};
    for (int c = 0; c < 256; ++c)
        if (kinds[c] == k_word || kinds[c] == k_digit) l[c] = static_cast<unsigned char>(c);
        else if (kinds[c] == k_upper) l[c] = static_cast<unsigned char>(c | 0x20);
    return l;
}
constexpr auto lower_of = make_lower();

/// lower_of, plus '-' for the hyphen that joins a word ("api-503"): the bytes a word is copied as.
constexpr std::array<unsigned char, 256> make_word_bytes() {
    auto t = make_lower();
    t['-'] = '-';
    return t;
}
constexpr auto word_byte_of = make_word_bytes();

#if defined(__SSE2__)
/// Bit k set when p[k] is a word byte (ASCII letter, digit or '_'), for the 16 bytes at p.
R1_HOT unsigned word_bytes16(const unsigned char* p) noexcept {
    const __m128i v = _mm_loadu_si128(reinterpret_cast<const __m128i*>(p));
    // SSE2 compares signed bytes: shift each range to start at -128, then one compare bounds it.
    const __m128i letter = _mm_add_epi8(_mm_or_si128(v, _mm_set1_epi8(0x20)), _mm_set1_epi8(0x80 - 'a'));
    const __m128i digit = _mm_add_epi8(v, _mm_set1_epi8(0x80 - '0'));
    const __m128i word = _mm_or_si128(_mm_or_si128(_mm_cmplt_epi8(letter, _mm_set1_epi8(-128 + 26)),
                                                   _mm_cmplt_epi8(digit, _mm_set1_epi8(-128 + 10))),
                                      _mm_cmpeq_epi8(v, _mm_set1_epi8('_')));
    return static_cast<unsigned>(_mm_movemask_epi8(word));
}
#endif

/// Index of the first byte at or after s[i] that is not a word byte (letter, digit, '_'), or n.
R1_HOT std::size_t word_end(const unsigned char* s, std::size_t n, std::size_t i) noexcept {
#if defined(__SSE2__)
    for (; i + 16 <= n; i += 16) {
        unsigned stop = ~word_bytes16(s + i) & 0xFFFFu;
        if (stop != 0) return i + static_cast<std::size_t>(std::countr_zero(stop));
    }
    if (n >= 16 && i < n) {
        // The last 16 bytes of the text, shifted so bit 0 is s[i]: bits past the end read as stops.
        std::size_t skip = i - (n - 16);
        unsigned stop = ~(word_bytes16(s + n - 16) >> skip) & 0xFFFFu;
        return i + static_cast<std::size_t>(std::countr_zero(stop));
    }
#endif
    while (i < n && lower_of[s[i]] != 0) ++i;
    return i;
}

std::uint64_t load8(const unsigned char* p) noexcept {
    std::uint64_t v;
    std::memcpy(&v, p, 8);
    return v;  // little-endian hosts only, as key_of assumes; see the static_assert above
}

/// Whether the word at p (word bytes and '-', any case) spells `word`, which is lowercase.
bool same_word(std::string_view word, const unsigned char* p) noexcept {
    for (std::size_t j = 0; j < word.size(); ++j)
        if (word_byte_of[p[j]] != static_cast<unsigned char>(word[j])) return false;
    return true;
}

/// The bytes s[at, at + 8) in the low bytes, or as many of them as come before s[n]; the bytes
/// past the end are undefined (callers mask them off).
R1_HOT std::uint64_t load_upto8(const unsigned char* s, std::size_t n, std::size_t at) noexcept {
    if (at + 8 <= n) return load8(s + at);
    if (n >= 8) return load8(s + n - 8) >> (8 * (at + 8 - n));  // the text's last 8, shifted down
    std::uint64_t v = 0;
    std::memcpy(&v, s + at, n - at);
    return v;
}

/// Vocabulary slot of the word s[at, at + len), 1 <= len <= max_word, or -1. The word's bytes are
/// word bytes or '-' in any case: keys fold case, and longer words compare through word_byte_of.
template <class Steps>
R1_HOT std::int16_t lookup(const unsigned char* s, std::size_t n, std::size_t at, std::size_t len,
                          Steps& steps) noexcept {
    constexpr std::uint64_t fold = 0x2020202020202020ull;  // see key_of: lowercases in place
    word_key k;
    if (len >= 8) {
        k.lo = load8(s + at) | fold;
        k.hi = load8(s + at + len - 8) | fold;
    } else {
        std::uint64_t mask = (std::uint64_t{1} << (8 * len)) - 1;
        k.lo = k.hi = (load_upto8(s, n, at) | fold) & mask;
    }
    for (std::size_t i = hash_of(k, len) & (table_size - 1);; i = (i + 1) & (table_size - 1)) {
        steps += 1;
        if (table.length[i] == 0) return -1;
        if (table.length[i] == len && table.key[i].lo == k.lo && table.key[i].hi == k.hi &&
            (len <= 16 || same_word(table.word[i], s + at)))
            return static_cast<std::int16_t>(i);
    }
}

constexpr std::size_t max_number_digits = 10;  // longer digit runs are ids, never codes

/// Marks `w` as a number when the word p[0, len) is all digits (len <= max_number_digits).
void read_number(const unsigned char* p, std::size_t len, token& w) noexcept {
    bool all_digits = true;
    std::uint64_t value = 0;
    for (std::size_t k = 0; k < len; ++k) {
        unsigned d = p[k] - unsigned{'0'};
        all_digits = all_digits && d < 10;
        value = value * 10 + d;
    }
    if (all_digits) {
        w.digits = static_cast<std::uint8_t>(len);
        w.number = value;
    }
}

/// The value of p[0, 8) read as hexadecimal digits, or false.
bool read_hex8(const unsigned char* p, std::uint64_t& value) noexcept {
    value = 0;
    for (std::size_t k = 0; k < 8; ++k) {
        unsigned c = p[k] | 0x20u, d;
        if (c >= '0' && c <= '9') d = c - '0';
        else if (c >= 'a' && c <= 'f') d = c - 'a' + 10;
        else return false;
        value = value << 4 | d;
    }
    return true;
}

/// The milliseconds of a duration written as one word: digits and a unit, repeated ("30s",
/// "500ms", "1h30m", "2d"); 0 when the word is not one.
std::uint64_t read_duration(const unsigned char* p, std::size_t len) noexcept {
    std::uint64_t total = 0;
    std::size_t k = 0;
    while (k < len) {
        std::uint64_t amount = 0;
        std::size_t digits = 0;
        for (; k < len && p[k] >= '0' && p[k] <= '9' && digits < 9; ++k, ++digits) amount = amount * 10 + (p[k] - '0');
        if (digits == 0 || k >= len) return 0;
        unsigned c = p[k] | 0x20u;
        std::uint64_t unit = 0;
        if (c == 'm' && k + 1 < len && (p[k + 1] | 0x20u) == 's') unit = 1, ++k;
        else if (c == 's') unit = 1000;
        else if (c == 'm') unit = 60'000;
        else if (c == 'h') unit = 3'600'000;
        else if (c == 'd') unit = 86'400'000;
        else return 0;
        ++k;
        total += amount * unit;
    }
    return total;
}

/// char_index of each byte's lowercase form.
constexpr std::array<std::uint8_t, 256> make_raw_index() {
    std::array<std::uint8_t, 256> t{};
    for (int c = 0; c < 256; ++c) t[c] = static_cast<std::uint8_t>(char_index(lower_of[c]));
    return t;
}
constexpr auto raw_index = make_raw_index();

/// Whether the word p[0, len), any case, may be a number the scanner reads or a vocabulary word.
struct word_kind {
    bool maybe_number = false, maybe_rule = false;
};
R1_HOT word_kind kind_of(const unsigned char* p, std::size_t len) noexcept {
    return {len <= max_number_digits && p[0] <= '9',
            len <= max_word && (table.first_bytes[len] >> raw_index[p[0]] & 1) &&
                (table.last_bytes[len] >> raw_index[p[len - 1]] & 1)};
}

/// One pass over the bytes: separators are folded into flags, escape sequences skipped, and each
/// word looked up where it stands. Locals, not members, so they stay in registers.
template <class Steps, class Trace>
outcome scan_text(std::string_view text, std::uint64_t budget_ms, Steps steps, Trace& trace) noexcept {
    const auto* s = reinterpret_cast<const unsigned char*>(text.data());
    const std::size_t n = text.size();
    scanner<Steps, Trace> sc(steps, trace, budget_ms, s, n);
    sc.new_line(0);
    std::uint16_t sep = sep_space;  // the start of the text reads like a blank
    unsigned char last_sep = ' ';
    std::size_t i = 0;
    while (i < n) {
        unsigned char c = s[i];
        if (std::uint16_t flags = seps[c]; flags != 0) {
            if (flags == sep_escape) {
                i = skip_escape(s, n, i);
            } else {
                if (c == '>' && i > 0 && s[i - 1] == '-') flags = static_cast<std::uint16_t>(flags | sep_arrow);
                sep = static_cast<std::uint16_t>(sep | flags);
                last_sep = c;
                ++i;
                if (c == '\n') sc.new_line(i);
                // A JSON- or shell-escaped break ("...deployment\n\nFUNCTION_INVOCATION_TIMEOUT",
                // "429 Too Many Requests\r\nRetry-After: 3600") separates words as the break did.
                if (c == '\\' && i + 1 < n && escaped_break[s[i]] && (lower_of[s[i + 1]] != 0 || s[i + 1] == '\\')) {
                    sep = static_cast<std::uint16_t>(sep | sep_space);
                    last_sep = ' ';
                    ++i;
                }
            }
            continue;
        }
        const std::size_t at = i;
        const std::uint16_t word_sep = sep;
        sep = 0;
        // Find the word's extent first: most words of a log are in no rule, and those are never
        // hashed.
        std::size_t len = 0;
        bool escaped = false;
        for (;;) {
            std::size_t from = i;
            i = word_end(s, n, i);
            len += i - from;
            if (i >= n) break;
            if (s[i] == 0x1b) {  // colour inside a word does not split it
                i = skip_escape(s, n, i);
                escaped = true;
                continue;
            }
            // '-' joins two word characters: "api-503", "time-out", "self-signed".
            if (s[i] != '-' || i + 1 >= n || lower_of[s[i + 1]] == 0 || s[i + 1] == '_') break;
            ++len;
            ++i;
        }
        int next = i < n ? s[i] : -1;
        steps += len;
        // The word without its escapes, when it has any; only the first 64 bytes matter.
        std::array<unsigned char, 64> buf;
        const unsigned char* p = s + at;
        if (escaped) {
            buf.fill(0);
            len = 0;
            for (std::size_t j = at; j < i;) {
                if (s[j] == 0x1b) {
                    j = skip_escape(s, n, j);
                    continue;
                }
                buf[len & 63] = word_byte_of[s[j]];
                ++len;
                ++j;
            }
            p = buf.data();
        }
        // 127.0.0.1 (not 127.0.0.53, the local resolver stub, which says nothing about a daemon).
        if (len == 3 && !escaped && p[0] == '1' && p[1] == '2' && p[2] == '7' && i + 6 <= n &&
            std::memcmp(s + i, ".0.0.1", 6) == 0 && (i + 6 == n || s[i + 6] < '0' || s[i + 6] > '9'))
            sc.loopback();
        // Codes that are not plain numbers: "error:0A00010B:" (OpenSSL) and "30s" after "retry in".
        if (len == 8 && last_sep == ':' && next == ':' && sc.after_error()) {
            std::uint64_t code = 0;
            if (read_hex8(p, code)) sc.openssl_code(code, at);
        } else if (sc.expects_amount() && len <= 16 && p[0] >= '0' && p[0] <= '9') {
            if (auto ms = read_duration(p, len); ms != 0) sc.window_duration(ms);
        }
        auto kind = kind_of(p, len);
        if (!kind.maybe_number && !kind.maybe_rule) {
            sc.plain_word();
        } else {
            token w;
            w.at = at;
            w.sep = word_sep;
            w.last_sep = last_sep;
            if (kind.maybe_number) read_number(p, len, w);
            if (kind.maybe_rule) w.slot = escaped ? lookup(buf.data(), buf.size(), 0, len, steps) : lookup(s, n, at, len, steps);
            if (w.slot < 0 && w.digits == 0) sc.plain_word();  // passed the filter only
            else sc.word(w, next);
        }
        last_sep = 0;
        if (sc.decided()) break;
    }
    sc.finish();
    steps += i;  // the bytes read: all of them unless a decisive match ended the scan early
    return sc.result();
}

}  // namespace

outcome scan(std::string_view text, std::uint64_t budget_ms) noexcept {
    no_trace none;
    return scan_text(text, budget_ms, no_count{}, none);
}

outcome scan_counted(std::string_view text, std::uint64_t budget_ms, std::size_t& steps) noexcept {
    no_trace none;
    return scan_text(text, budget_ms, counter{steps}, none);
}

outcome scan_traced(std::string_view text, std::uint64_t budget_ms, hit_sink& sink) {
    trace t{sink};
    return scan_text(text, budget_ms, no_count{}, t);
}

}  // namespace r1::engine::classify_scan
