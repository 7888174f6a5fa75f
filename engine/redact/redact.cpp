#include "engine/redact/redact.hpp"

#include <algorithm>
#include <cstring>

namespace r1::engine {
namespace {

// Byte classes. A secret's run ends at the first byte outside its class; the unquoted value class
// also stops at \ < > ` and control bytes, so masking r1's own JSON or XML output (defence in depth)
// never swallows an escape, a closing tag or an ANSI colour reset.
enum run_kind : std::uint8_t { no_run, token_run, auth_run, unquoted_run, quoted_run };

using byte_table = std::array<bool, 256>;

template <class Pred>
constexpr byte_table table_of(Pred pred) {
    byte_table t{};
    for (int c = 0; c < 256; ++c) t[static_cast<std::size_t>(c)] = pred(static_cast<unsigned char>(c));
    return t;
}

constexpr bool alnum(unsigned char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9'); }

constexpr byte_table word_bytes = table_of([](unsigned char c) { return alnum(c) || c == '_'; });
constexpr byte_table name_bytes = table_of([](unsigned char c) { return alnum(c) || c == '_' || c == '-' || c == '.'; });
// Base64 and base64url, as in fo1_/fm2_ (macaroons are standard base64 with padding), vcp_, cfut_.
constexpr byte_table token_bytes =
    table_of([](unsigned char c) { return alnum(c) || c == '_' || c == '-' || c == '+' || c == '/' || c == '='; });
// RFC 6750 b64token, plus the comma that joins flyctl's macaroons (`FlyV1 fm2_a,fm2_b`).
constexpr byte_table auth_bytes = table_of([](unsigned char c) {
    return alnum(c) || c == '_' || c == '-' || c == '+' || c == '/' || c == '=' || c == '.' || c == '~' || c == ',';
});
constexpr byte_table unquoted_bytes = table_of([](unsigned char c) {
    return c > 0x20 && c != 0x7f && c != '"' && c != '\'' && c != '`' && c != '\\' && c != '<' && c != '>';
});
constexpr byte_table quoted_bytes = table_of([](unsigned char c) { return (c >= 0x20 || c == '\t') && c != 0x7f && c != '\\'; });

inline unsigned char u8(char c) { return static_cast<unsigned char>(c); }
inline bool blank(char c) { return c == ' ' || c == '\t'; }
inline char lower(char c) { return c >= 'A' && c <= 'Z' ? static_cast<char>(c + 32) : c; }

bool continues(redactor::open_run r, char c) {
    switch (r.kind) {
    case token_run: return token_bytes[u8(c)];
    case auth_run: return auth_bytes[u8(c)];
    case unquoted_run: return unquoted_bytes[u8(c)];
    case quoted_run: return quoted_bytes[u8(c)] && c != r.quote;
    default: return false;
    }
}

std::size_t run_length(std::string_view in, std::size_t at, redactor::open_run r) {
    std::size_t k = at;
    while (k < in.size() && continues(r, in[k])) ++k;
    return k - at;
}

enum class literal { no, partial, yes };

/// Whether `word` is at in[at] (`partial`: what is left of `in` is a proper prefix of it).
literal literal_at(std::string_view in, std::size_t at, std::string_view word, bool fold_case) {
    std::size_t k = 0;
    for (; k < word.size() && at + k < in.size(); ++k)
        if ((fold_case ? lower(in[at + k]) : in[at + k]) != word[k]) return literal::no;
    return k == word.size() ? literal::yes : literal::partial;
}

constexpr std::string_view auth_schemes[] = {"bearer", "flyv1"};
// A value that starts with one of these and a blank is "scheme credential": the credential is masked.
constexpr std::string_view value_schemes[] = {"bearer", "flyv1", "basic", "token"};
constexpr std::size_t max_blanks = 8;
constexpr std::size_t max_name = 64;

/// Whether `word` (letters only) spells `upper_word` in any case.
bool word_is(std::string_view word, std::string_view upper_word) {
    if (word.size() != upper_word.size()) return false;
    for (std::size_t k = 0; k < word.size(); ++k)
        if ((word[k] & ~0x20) != upper_word[k]) return false;
    return true;
}

/// Splits a name into words at _ - . digits and lower-to-upper case changes (accessToken, API_KEY,
/// x-api-key, token2), and looks for the secret words. Whole words, so `tokenizers==0.13` in a pip
/// log or `tokens: 5` keep their values. No allocation: this runs at every `=` and `:` of a log.
bool name_says_secret(std::string_view name) {
    auto letter = [](char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); };
    std::string_view prev;
    std::size_t k = 0;
    while (k < name.size()) {
        if (!letter(name[k])) {
            ++k;
            continue;
        }
        std::size_t start = k++;
        while (k < name.size() && letter(name[k]) && !(name[k] <= 'Z' && name[k - 1] >= 'a')) ++k;
        std::string_view w = name.substr(start, k - start);
        if (word_is(w, "TOKEN") || word_is(w, "SECRET") || word_is(w, "PASSWORD") || word_is(w, "APIKEY") ||
            word_is(w, "PRIVATEKEY") || word_is(w, "ACCESSKEY"))
            return true;
        if (word_is(w, "KEY") && (word_is(prev, "API") || word_is(prev, "PRIVATE") || word_is(prev, "ACCESS")))
            return true;
        prev = w;  // any word between breaks a pair: API_V_KEY is not API_KEY
    }
    return false;
}

}  // namespace

struct redactor::hit {
    enum { none, more, found } what = none;
    std::size_t keep = 0;  // bytes at the start of the match copied as they are (scheme, separator, quote)
    std::size_t end = 0;   // one past the match in `in`
    open_run open;         // the match ran to the end of a non-final `in` and may go on
};

redactor::redactor(std::vector<std::string> exact_values, std::vector<std::string> token_prefixes) {
    // A prefix shorter than two bytes would make every position a candidate (see may_start_at).
    for (auto& p : token_prefixes)
        if (p.size() >= 2 && std::find(prefixes_.begin(), prefixes_.end(), p) == prefixes_.end())
            prefixes_.push_back(std::move(p));
    for (auto& v : exact_values) {
        if (v.size() < min_exact_bytes || v.size() > max_exact_bytes) continue;
        if (std::all_of(v.begin(), v.end(), [&](char c) { return c == v[0]; })) continue;
        if (redaction_mask.find(v) != std::string_view::npos) continue;
        exact_.push_back(std::move(v));
    }
    std::sort(exact_.begin(), exact_.end(),
              [](const std::string& a, const std::string& b) { return a.size() != b.size() ? a.size() > b.size() : a < b; });
    exact_.erase(std::unique(exact_.begin(), exact_.end()), exact_.end());
    for (std::uint32_t k = 0; k < exact_.size(); ++k) {
        by_first_[u8(exact_[k][0])].push_back(k);
        allow_start(u8(exact_[k][0]), u8(exact_[k][1]));
    }
    for (auto scheme : auth_schemes)
        for (char a : {scheme[0], static_cast<char>(scheme[0] - 32)})
            for (char b : {scheme[1], static_cast<char>(scheme[1] - 32)}) allow_start(u8(a), u8(b));
    for (const auto& prefix : prefixes_) allow_start(u8(prefix[0]), u8(prefix[1]));
    for (int b = 0; b < 256; ++b) {
        allow_start('=', static_cast<unsigned char>(b));
        allow_start(':', static_cast<unsigned char>(b));
    }
}

void redactor::allow_start(unsigned char first, unsigned char second) {
    may_start_[first] = true;
    unsigned pair = first << 8 | second;
    may_start2_[pair >> 6] |= std::uint64_t{1} << (pair & 63);
}

// Two bytes rule out most positions of a log at once ("fo" may begin fo1_, "f" alone says little);
// the last byte of `in` is judged by itself.
bool redactor::may_start_at(std::string_view in, std::size_t i) const noexcept {
    if (i + 1 == in.size()) return may_start_[u8(in[i])];
    unsigned pair = u8(in[i]) << 8 | u8(in[i + 1]);
    return (may_start2_[pair >> 6] >> (pair & 63)) & 1;
}

redactor::hit redactor::match_exact(std::string_view in, std::size_t i, bool final) const {
    for (auto k : by_first_[u8(in[i])]) {
        const auto& v = exact_[k];
        std::size_t avail = in.size() - i;
        if (avail >= v.size()) {
            if (std::memcmp(in.data() + i, v.data(), v.size()) == 0) return {hit::found, 0, i + v.size(), {}};
        } else if (!final && std::memcmp(in.data() + i, v.data(), avail) == 0) {
            return {hit::more};  // a longer value may still match here
        }
    }
    return {};
}

redactor::hit redactor::match_at(std::string_view in, std::size_t i, std::string_view before, const std::string& out,
                                 std::size_t out_base, bool final) const {
    auto exact = match_exact(in, i, final);
    if (exact.what == hit::more) return exact;
    auto rule = match_rule(in, i, before, out, out_base, final);
    if (rule.what == hit::more || exact.what == hit::none) return rule;
    if (rule.what == hit::none || exact.end > rule.end) return exact;
    rule.keep = 0;  // the exact value starts here: nothing of the rule's prefix stays readable
    return rule;
}

std::size_t redactor::extend(std::string_view in, std::size_t from, std::size_t& mask_from, std::size_t& end,
                             bool final) const {
    for (std::size_t p = from; p < end; ++p) {
        auto h = match_exact(in, p, final);
        if (h.what == hit::more) return p;
        if (h.what != hit::found) continue;
        mask_from = std::min(mask_from, p);
        end = std::max(end, h.end);
    }
    return std::string_view::npos;
}

redactor::hit redactor::match_rule(std::string_view in, std::size_t i, std::string_view before, const std::string& out,
                                   std::size_t out_base, bool final) const {
    const std::size_t n = in.size();

    // Look-behind reads the clean text already emitted: `out` since out_base, then `before`.
    auto behind = [&](std::size_t d) -> int {  // d = 1: the byte just before in[i]
        std::size_t emitted = out.size() - out_base;
        if (d <= emitted) return u8(out[out.size() - d]);
        d -= emitted;
        return d <= before.size() ? u8(before[before.size() - d]) : -1;
    };
    // A token after a mask, a blank or punctuation; not inside a word (`info1_handler`).
    auto token_body = [&](std::size_t keep, std::size_t body, std::uint8_t kind) -> hit {
        std::size_t len = run_length(in, body, {kind, 0});
        if (body + len == n && !final) return len >= min_token_body ? hit{hit::found, keep, n, {kind, 0}} : hit{hit::more};
        return len >= min_token_body ? hit{hit::found, keep, body + len, {}} : hit{};
    };
    int prev = behind(1);
    bool at_word_start = prev < 0 || !word_bytes[static_cast<std::size_t>(prev)];

    if (at_word_start) {
        for (auto scheme : auth_schemes) {
            auto l = literal_at(in, i, scheme, true);
            if (l == literal::partial && !final) return {hit::more};
            if (l != literal::yes) continue;
            std::size_t k = i + scheme.size();
            while (k < n && blank(in[k]) && k - i - scheme.size() <= max_blanks) ++k;
            std::size_t blanks = k - i - scheme.size();
            if (k == n && !final && blanks <= max_blanks) return {hit::more};
            if (blanks == 0 || blanks > max_blanks) break;
            if (auto h = token_body(k - i, k, auth_run); h.what != hit::none) return h;
            break;
        }
        for (const auto& prefix : prefixes_) {
            auto l = literal_at(in, i, prefix, false);
            if (l == literal::partial && !final) return {hit::more};
            if (l == literal::yes) {
                if (auto h = token_body(0, i + prefix.size(), token_run); h.what != hit::none) return h;
                break;
            }
        }
    }

    if (in[i] != '=' && in[i] != ':') return {};
    // NAME=value, NAME: value, "NAME": "value", NAME = 'value': find the name behind the separator.
    std::size_t d = 1;
    while (d <= max_blanks + 1 && behind(d) >= 0 && blank(static_cast<char>(behind(d)))) ++d;
    if (d > max_blanks + 1) return {};
    if (behind(d) == '"' || behind(d) == '\'') ++d;
    std::array<char, max_name + 1> name_buf;
    std::size_t len = 0;
    for (int c; len <= max_name && (c = behind(d)) >= 0 && name_bytes[static_cast<std::size_t>(c)]; ++d)
        name_buf[max_name - len++] = static_cast<char>(c);
    if (len == 0 || len > max_name || !name_says_secret({name_buf.data() + max_name + 1 - len, len})) return {};

    std::size_t k = i + 1;
    while (k < n && blank(in[k]) && k - i - 1 <= max_blanks) ++k;
    if (k - i - 1 > max_blanks) return {};
    if (k == n) return final ? hit{} : hit{hit::more};
    open_run kind{unquoted_run, 0};
    if (in[k] == '"' || in[k] == '\'') {
        kind = {quoted_run, in[k]};
        if (++k == n) return final ? hit{} : hit{hit::more};
    }
    std::size_t value = k;
    for (auto scheme : value_schemes) {
        auto l = literal_at(in, k, scheme, true);
        if (l == literal::partial && !final) return {hit::more};
        if (l != literal::yes) continue;
        std::size_t s = k + scheme.size();
        while (s < n && blank(in[s]) && s - k - scheme.size() <= max_blanks) ++s;
        std::size_t blanks = s - k - scheme.size();
        if (s == n && !final && blanks <= max_blanks) return {hit::more};
        if (blanks >= 1 && blanks <= max_blanks && s < n && continues(kind, in[s])) value = s;
        break;
    }
    // A value that is a mask already stays as it is, with what follows it: an exact value may end a
    // mask in the middle of a word (`X-Api-Key: [redacted](sent)`), and scrubbing again must not
    // take the rest of that word for the value.
    if (auto l = literal_at(in, value, redaction_mask, false); l == literal::yes) return {};
    else if (l == literal::partial && !final) return {hit::more};
    len = run_length(in, value, kind);
    if (value + len == n && !final) return len > 0 ? hit{hit::found, value - i, n, kind} : hit{hit::more};
    return len > 0 ? hit{hit::found, value - i, value + len, {}} : hit{};
}

std::size_t redactor::scan(std::string_view in, std::string_view before, std::string& out, bool final,
                           open_run& run) const {
    const std::size_t n = in.size();
    const std::size_t out_base = out.size();
    constexpr auto none = std::string_view::npos;
    std::size_t i = 0;
    if (run.kind != no_run || run.covered > 0) {  // the rest of a mask the previous chunk ended in
        std::size_t run_end = run.kind != no_run ? run_length(in, 0, run) : 0;
        std::size_t end = std::max<std::size_t>(run.covered, run_end);
        std::size_t mask_from = 0;  // the mask is out already
        if (auto hold = extend(in, 0, mask_from, end, final); hold != none) {
            run.covered = static_cast<std::uint32_t>(end - hold);
            if (run_end < n) run.kind = no_run;
            return hold;
        }
        if (run_end == n && run.kind != no_run && !final) {
            run.covered = 0;
            return n;
        }
        run = {};
        i = end;
    }
    while (i < n) {
        std::size_t j = i;
        while (j < n && !(may_start_[u8(in[j])] && may_start_at(in, j))) ++j;
        out.append(in.data() + i, j - i);
        i = j;
        if (i == n) break;
        auto h = match_at(in, i, before, out, out_base, final);
        if (h.what == hit::more) return i;
        if (h.what == hit::none) {
            out.push_back(in[i++]);
            continue;
        }
        // Exact values that begin under the mask and run on past it lengthen it; one that begins in
        // the readable prefix (a scheme, a quote) moves the mask's start back to it.
        std::size_t mask_from = i + h.keep;
        std::size_t end = h.end;
        auto hold = extend(in, i + 1, mask_from, end, final);
        if (hold != none && hold < mask_from) return i;  // where the mask starts is not known yet
        out.append(in.data() + i, mask_from - i);
        out.append(redaction_mask);
        if (hold != none) {
            run = {end == n ? h.open.kind : std::uint8_t{no_run}, h.open.quote, static_cast<std::uint32_t>(end - hold)};
            return hold;
        }
        i = end;
        if (h.open.kind != no_run) {
            run = h.open;
            return n;
        }
    }
    return n;
}

std::string redactor::scrub(std::string_view text) const {
    std::string out;
    out.reserve(text.size());
    open_run run;
    scan(text, {}, out, true, run);
    return out;
}

std::string stream_scrubber::run(std::string_view text, bool final) {
    std::string out;
    out.reserve(text.size());
    std::size_t used = redactor_->scan(text, before_, out, final, run_);
    // Keep enough clean text to look behind a separator: blanks, a quote and a whole name.
    constexpr std::size_t keep_behind = 96;
    if (out.size() >= keep_behind) {
        before_.assign(out, out.size() - keep_behind, keep_behind);
    } else {
        before_ += out;
        if (before_.size() > keep_behind) before_.erase(0, before_.size() - keep_behind);
    }
    pending_.assign(text.substr(used));
    return out;
}

std::string stream_scrubber::feed(std::string_view chunk) {
    if (pending_.empty()) return run(chunk, false);
    std::string text = std::move(pending_);
    text.append(chunk);
    return run(text, false);
}

std::string stream_scrubber::finish() {
    std::string text = std::move(pending_);
    pending_.clear();
    auto out = run(text, true);
    run_ = {};
    return out;
}

}  // namespace r1::engine
