#include "engine/classify/classify.hpp"

#include "engine/classify/rules.hpp"

#include <array>
#include <bit>
#include <cstdint>
#include <cstring>

#if defined(__SSE2__)
#include <emmintrin.h>
#endif

namespace r1::engine {
namespace {

using namespace classify_rules;

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

/// Index just past the escape sequence starting at text[i] (an ESC). CSI (`ESC [ ... final`) and
/// OSC (`ESC ] ... BEL` or `ESC \`) are what terminals and CLIs emit for colour and links. A
/// sequence cut short by a byte that cannot continue it ends there, so that byte is read as text:
/// output truncated mid-sequence (or followed by another ESC) loses nothing visible.
std::size_t skip_escape(const unsigned char* s, std::size_t n, std::size_t i) noexcept {
    std::size_t j = i + 1;
    if (j >= n) return j;
    unsigned char c = s[j];
    if (c == '[') {
        for (++j; j < n && s[j] >= 0x20 && s[j] <= 0x3F; ++j) {}
        return j < n && s[j] >= 0x40 && s[j] <= 0x7E ? j + 1 : j;
    }
    if (c == ']') {
        for (++j; j < n; ++j) {
            if (s[j] == 0x07) return j + 1;
            if (s[j] == 0x1b) return j + 1 < n && s[j + 1] == '\\' ? j + 2 : j;
        }
        return j;
    }
    if (c >= 0x20 && c <= 0x2F) {  // nF: intermediates, then one final byte
        for (; j < n && s[j] >= 0x20 && s[j] <= 0x2F; ++j) {}
        return j < n && s[j] >= 0x30 && s[j] <= 0x7E ? j + 1 : j;
    }
    return c >= 0x40 && c <= 0x7E ? j + 1 : j;  // two-byte sequences; anything else ends it
}

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
    case 408: return {tier::decisive_transient, "http-408"};
    case 425: return {tier::decisive_transient, "http-425"};
    case 429: return {tier::decisive_transient, "http-429"};
    case 502: return {tier::decisive_transient, "http-502"};
    case 503: return {tier::decisive_transient, "http-503"};
    case 504: return {tier::decisive_transient, "http-504"};
    case 500: return {tier::weak_transient, "http-500"};
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
    std::uint16_t number = 0;
    std::uint8_t digits = 0;  // length when the word is all digits (capped), else 0
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

template <class Steps>
class scanner {
public:
    explicit scanner(Steps steps) noexcept : steps_(steps) {}

    /// Takes a word in no rule that is not a number: most words of a log. Only its separators
    /// matter, that it stands between the words around it, and that it opens no reason phrase.
    void plain_word(std::uint16_t sep) noexcept {
        lookup_on_line_ = lookup_on_line_ && !(sep & sep_newline);
        pending_code_ = 0;  // "503 bytes": no reason phrase follows
        history_ = history_ << history_bits | history_plain;
        ++head_;
    }

    /// Takes the next word: its token and the byte right after it (-1 at the end).
    R1_HOT void word(const token& w, int next) noexcept {
        if (w.sep & sep_newline) lookup_on_line_ = false;
        if (pending_code_ != 0) {
            // A bare number waits for the next word: "503 Service Unavailable" is a status,
            // "503 bytes" is not.
            bool blank_between = (w.sep & sep_space) && !(w.sep & sep_other);
            if (blank_between && opens_reason(pending_code_, w.slot)) fire_status(pending_code_, pending_at_);
            pending_code_ = 0;
        }
        if (w.digits == 3 && w.number >= 100 && w.number < 600) number(w, next);
        else if (w.slot >= 0) phrases_ending(w);
        if (w.slot >= 0 && (table.flags[w.slot] & flag_lookup)) lookup_on_line_ = true;
        std::uint64_t code = w.slot >= 0 ? static_cast<std::uint64_t>(w.slot)
                             : w.digits == 1 ? history_digit
                                             : history_plain;
        history_ = history_ << history_bits | code;
        ++head_;
        at_[head_ & ring_mask] = w.at;
    }

    /// Whether no later word can change the verdict: the lowest tier has matched, and every
    /// phrase that could still start at or before that match (and so replace it) has ended.
    bool decided() const noexcept { return head_ >= stop_after_; }

    verdict result() const noexcept {
        if (best_ == tier::none) return {};
        return {class_of(best_), signal_, where_};
    }

private:
    static constexpr std::size_t ring_mask = 7;

    // The words before the current one, newest first: back 0 is the word just before it.
    std::uint64_t code_back(std::size_t k) const noexcept { return history_ >> (history_bits * k) & history_plain; }
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
    /// A tier-0 match is final once max_words words have gone by: a later match could only
    /// replace it by starting at or before it, and no phrase spans more words than that.
    void fire(tier level, std::string_view signal, std::size_t at) noexcept {
        if (level == tier::decisive_permanent && best_ != level) stop_after_ = head_ + max_words;
        if (level < best_ || (level == best_ && at <= where_)) {
            best_ = level;
            signal_ = signal;
            where_ = at;
        }
    }

    void fire_status(unsigned code, std::size_t at) noexcept {
        auto rule = status_of(code);
        if (rule.level != tier::none) fire(rule.level, rule.signal, at);
    }

    void number(const token& w, int next) noexcept {
        bool only_status_seps = !(w.sep & sep_other);
        bool after_context = flagged_back(0, flag_context);
        bool status_of_n = flagged_back(0, flag_of) && flagged_back(1, flag_status) && (w.sep & sep_space);
        // "HTTP/1.1 503", "HTTP/2 502": version digits, then a blank.
        bool after_version = (w.sep & sep_space) && digit_back(0) &&
                             (flagged_back(1, flag_http) || (digit_back(1) && flagged_back(2, flag_http)));
        bool parenthesised = w.last_sep == '(' && next == ')';
        if ((after_context && only_status_seps) || status_of_n || after_version || parenthesised) {
            fire_status(w.number, w.at);
            return;
        }
        // Otherwise the next word decides; never after '.', '/', ':' glued to a word (versions,
        // paths, ports) or after '-' (names).
        if ((w.sep & sep_space) || ((w.sep & sep_open) && !(w.sep & sep_other))) {
            pending_code_ = w.number;
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
        if (found.dns_after_lookup && lookup_on_line_) fire(found.level, "dns-temporary", at);
        else fire(found.level, found.signal, at);
    }

    Steps steps_;
    std::uint64_t history_ = ~std::uint64_t{0};  // the last words' codes; all history_plain at first
    std::array<std::size_t, ring_mask + 1> at_{};
    std::size_t head_ = 0;
    std::size_t stop_after_ = static_cast<std::size_t>(-1);
    unsigned pending_code_ = 0;
    std::size_t pending_at_ = 0;
    bool lookup_on_line_ = false;
    tier best_ = tier::none;
    std::string_view signal_;
    std::size_t where_ = std::string_view::npos;
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

/// Marks `w` as a number when the word p[0, len) is all digits (len is 1 or 3: HTTP version
/// digits and status codes are all the scanner asks about).
void read_number(const unsigned char* p, std::size_t len, token& w) noexcept {
    bool all_digits = true;
    unsigned value = 0;
    for (std::size_t k = 0; k < len; ++k) {
        unsigned d = p[k] - unsigned{'0'};
        all_digits = all_digits && d < 10;
        value = value * 10 + d;
    }
    if (all_digits) {
        w.digits = static_cast<std::uint8_t>(len);
        w.number = static_cast<std::uint16_t>(value);
    }
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
    return {(len == 1 || len == 3) && p[0] <= '9',
            len <= max_word && (table.first_bytes[len] >> raw_index[p[0]] & 1) &&
                (table.last_bytes[len] >> raw_index[p[len - 1]] & 1)};
}

/// One pass over the bytes: separators are folded into flags, escape sequences skipped, and each
/// word looked up where it stands. Locals, not members, so they stay in registers.
template <class Steps>
verdict scan(std::string_view text, Steps steps) noexcept {
    const auto* s = reinterpret_cast<const unsigned char*>(text.data());
    const std::size_t n = text.size();
    scanner<Steps> sc(steps);
    std::uint16_t sep = sep_space;  // the start of the text reads like a blank
    unsigned char last_sep = ' ';
    std::size_t i = 0;
    while (i < n) {
        unsigned char c = s[i];
        if (std::uint16_t flags = seps[c]; flags != 0) {
            if (flags == sep_escape) {
                i = skip_escape(s, n, i);
            } else {
                sep = static_cast<std::uint16_t>(sep | flags);
                last_sep = c;
                ++i;
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
        if (!escaped) {
            auto kind = kind_of(s + at, len);
            if (!kind.maybe_number && !kind.maybe_rule) {
                sc.plain_word(word_sep);
            } else {
                token w;
                w.at = at;
                w.sep = word_sep;
                w.last_sep = last_sep;
                if (kind.maybe_number) read_number(s + at, len, w);
                if (kind.maybe_rule) w.slot = lookup(s, n, at, len, steps);
                if (w.slot < 0 && w.digits == 0) sc.plain_word(word_sep);  // passed the filter only
                else sc.word(w, next);
            }
        } else {
            // The word without its escapes, lowercased; only the first max_word bytes matter.
            std::array<unsigned char, 64> buf{};
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
            token w;
            w.at = at;
            w.sep = word_sep;
            w.last_sep = last_sep;
            auto kind = kind_of(buf.data(), len);
            if (kind.maybe_number) read_number(buf.data(), len, w);
            if (kind.maybe_rule) w.slot = lookup(buf.data(), buf.size(), 0, len, steps);
            sc.word(w, next);
        }
        last_sep = 0;
        if (sc.decided()) break;
    }
    steps += i;  // the bytes read: all of them unless a decisive match ended the scan early
    return sc.result();
}

}  // namespace

verdict classify(std::string_view text) noexcept { return scan(text, no_count{}); }

std::string_view to_string(failure_class cls) noexcept {
    switch (cls) {
    case failure_class::transient: return "transient";
    case failure_class::permanent: return "permanent";
    case failure_class::unknown: break;
    }
    return "unknown";
}

namespace detail {
verdict classify_counted(std::string_view text, std::size_t& steps) noexcept {
    steps = 0;
    return scan(text, counter{steps});
}
}  // namespace detail

}  // namespace r1::engine
