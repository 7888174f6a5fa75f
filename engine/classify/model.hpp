#pragma once
/// The learned fallback of engine/classify: a text's features (hashed words, word pairs and
/// character n-grams, plus the rule signals that fired) and a logistic-regression score over them.
/// Internal to engine/classify; tests/tools/classify_harness.cpp hands the same features to the
/// training script, tests/data/classify/train_model.py, which writes model_weights.cpp.
#include "engine/classify/escape.hpp"

#include <array>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <string_view>

namespace r1::engine::classify_model {

constexpr unsigned feature_bits = 15;
constexpr std::uint32_t feature_count = std::uint32_t{1} << feature_bits;

/// A trained model: logit = bias + scale * (sum of w[f] over the feature occurrences f) / sqrt(n),
/// n the number of occurrences, so a long tail weighs no more than a short line saying the same.
/// p(transient) = 1 / (1 + e^-logit). The model speaks when |p - 0.5| >= margin, and against a
/// transient- or permanent-tier rule only when |p - 0.5| >= override_margin.
struct weights {
    float bias = 0;
    float scale = 0;
    float margin = 0.5f;           // 0.5: never speaks
    float override_margin = 0.5f;
    const std::int8_t* w = nullptr;  // feature_count entries
};

/// The model compiled into r1 (model_weights.cpp, generated).
extern const weights trained;

enum class feature_kind : std::uint8_t { word, pair, gram, signal };

/// One feature occurrence: its hashed index, and for --explain what produced it.
struct feature {
    std::uint32_t index = 0;
    feature_kind kind = feature_kind::word;
    std::size_t begin = 0, end = 0;  // bytes of the text it covers (a pair: both words)
    bool aside = false;              // on a warn/info/debug/note line
};

namespace detail {

constexpr std::uint64_t fnv_offset = 0xcbf29ce484222325ull, fnv_prime = 0x100000001b3ull;

constexpr std::uint64_t mix(std::uint64_t x) noexcept {
    x ^= x >> 33;
    x *= 0xff51afd7ed558ccdull;
    x ^= x >> 33;
    x *= 0xc4ceb9fe1a85ec53ull;
    x ^= x >> 33;
    return x;
}

constexpr std::uint64_t hash_of(std::string_view word) noexcept {
    std::uint64_t h = fnv_offset;
    for (char c : word) h = (h ^ static_cast<unsigned char>(c)) * fnv_prime;
    return h;
}

// Each kind of feature hashes with its own seed, so a word and a 3-gram never share a bucket on
// purpose.
constexpr std::uint64_t seed_word = 0x9e3779b97f4a7c15ull, seed_pair = 0xbf58476d1ce4e5b9ull,
                        seed_gram3 = 0x94d049bb133111ebull, seed_gram4 = 0x2545f4914f6cdd1dull,
                        seed_signal = 0xd6e8feb86659fd93ull;

constexpr std::uint32_t index_of(std::uint64_t h, std::uint64_t seed) noexcept {
    return static_cast<std::uint32_t>(mix(h ^ seed) >> (64 - feature_bits));
}

/// Lowercase of a word byte (ASCII letters, digits, '_', and every byte >= 0x80, so text in other
/// scripts has words too), 0 for separators.
constexpr std::array<unsigned char, 256> make_word_bytes() {
    std::array<unsigned char, 256> t{};
    for (int c = 0; c < 256; ++c) {
        if (c >= 'A' && c <= 'Z') t[c] = static_cast<unsigned char>(c | 0x20);
        else if ((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' || c >= 0x80)
            t[c] = static_cast<unsigned char>(c);
    }
    return t;
}
inline constexpr auto word_bytes = make_word_bytes();

constexpr bool is_digit(unsigned char c) noexcept { return c >= '0' && c <= '9'; }

// Words that set a line's level: an aside (a warning or a note) or the failure itself.
inline constexpr std::uint64_t aside_words[] = {hash_of("warn"), hash_of("warning"), hash_of("info"),
                                                hash_of("debug"), hash_of("note"), hash_of("notice"),
                                                hash_of("hint"), hash_of("trace")};
inline constexpr std::uint64_t failure_words[] = {hash_of("error"), hash_of("err"), hash_of("fatal"),
                                                  hash_of("panic"), hash_of("failed"), hash_of("critical")};

template <std::size_t N>
constexpr bool among(std::uint64_t h, const std::uint64_t (&set)[N]) noexcept {
    for (auto x : set)
        if (x == h) return true;
    return false;
}

/// The word starting at s[i] (a word byte): its hash when it is at most max_level_word bytes
/// long (else 0: no level word is longer), where it ends, and whether it starts with a digit.
/// Escapes are invisible.
constexpr std::size_t max_level_word = 8;
struct word_at {
    std::uint64_t hash;
    std::size_t end;
    bool digit_first;
};
inline word_at read_word(const unsigned char* s, std::size_t n, std::size_t i) noexcept {
    word_at w{fnv_offset, i, is_digit(s[i])};
    std::size_t len = 0;
    while (i < n) {
        if (s[i] == 0x1b) {
            i = classify_text::skip_escape(s, n, i);
            continue;
        }
        unsigned char c = word_bytes[s[i]];
        if (c == 0) break;
        if (++len <= max_level_word) w.hash = (w.hash ^ c) * fnv_prime;
        ++i;
    }
    if (len > max_level_word) w.hash = 0;
    w.end = i;
    return w;
}

}  // namespace detail

/// A line's level: whether it is an aside, and where reading it stopped.
struct line_level {
    bool aside = false;
    std::size_t end = 0;
};

/// Whether the line starting at s[begin] is an aside: its level word (among its first three
/// words that do not start with a digit, so timestamps do not count) is warn, warning, info,
/// debug, note, notice, hint or trace. Reads no further than those words, and never past the
/// line's end: each byte of a text is read by at most one call.
inline line_level read_line_level(const unsigned char* s, std::size_t n, std::size_t begin) noexcept {
    std::size_t i = begin, words = 0;
    while (i < n && words < 3) {
        unsigned char c = s[i];
        if (c == '\n') break;
        if (c == 0x1b) {
            i = classify_text::skip_escape(s, n, i);
            continue;
        }
        if (detail::word_bytes[c] == 0) {
            ++i;
            continue;
        }
        auto w = detail::read_word(s, n, i);
        i = w.end;
        if (w.digit_first) continue;
        if (detail::among(w.hash, detail::aside_words)) return {true, i};
        if (detail::among(w.hash, detail::failure_words)) return {false, i};
        ++words;
    }
    return {false, i};
}

/// Calls sink(feature) for every feature occurrence of `text`, in text order. Per word: the word itself (numbers of four or more digits
/// and words of eight or more bytes with digits in them, ids and hashes, are one token each), the
/// pair with the word before it on its line, and the 3- and 4-grams of "^word$" over its first
/// 24 bytes (digits as '0'; none for ids). Linear in the text, no allocation.
template <class Sink>
void for_each_feature(std::string_view text, Sink&& sink) noexcept {
    using namespace detail;
    const auto* s = reinterpret_cast<const unsigned char*>(text.data());
    const std::size_t n = text.size();
    constexpr std::size_t max_gram_bytes = 24;
    constexpr std::uint64_t number_token = hash_of("<num>"), id_token = hash_of("<id>");
    std::array<std::uint32_t, 2 * max_gram_bytes + 2> grams{};
    std::array<std::uint32_t, 2 * max_gram_bytes + 2> gram_kind{};
    std::size_t gram_count = 0;
    std::uint64_t h = 0, prev = 0;
    std::size_t len = 0, digits = 0, begin = 0, end = 0, prev_begin = 0;
    std::uint32_t gram = 0;
    bool in_word = false;
    bool aside = read_line_level(s, n, 0).aside;

    auto push_gram = [&](std::uint32_t g, bool four) {
        grams[gram_count] = g;
        gram_kind[gram_count] = four;
        ++gram_count;
    };
    auto end_word = [&] {
        if (!in_word) return;
        in_word = false;
        if (len <= max_gram_bytes) {
            gram = gram << 8 | '$';
            push_gram(gram & 0xFFFFFFu, false);
            if (len >= 2) push_gram(gram, true);
        }
        std::uint64_t wh = h;
        bool id = false;
        if (digits == len) {
            if (len > 3) wh = number_token;
        } else if (digits > 0 && len >= 8) {
            wh = id_token;
            id = true;
        }
        sink(feature{index_of(wh, seed_word), feature_kind::word, begin, end, aside});
        if (prev != 0) sink(feature{index_of(mix(prev) ^ wh, seed_pair), feature_kind::pair, prev_begin, end, aside});
        if (!id)
            for (std::size_t k = 0; k < gram_count; ++k)
                sink(feature{index_of(grams[k], gram_kind[k] ? seed_gram4 : seed_gram3), feature_kind::gram, begin,
                             end, aside});
        prev = wh;
        prev_begin = begin;
    };

    std::size_t i = 0;
    while (i < n) {
        unsigned char raw = s[i];
        if (raw == 0x1b) {
            i = classify_text::skip_escape(s, n, i);
            continue;
        }
        unsigned char c = word_bytes[raw];
        if (c == 0) {
            end_word();
            if (raw == '\n') {
                prev = 0;
                aside = read_line_level(s, n, i + 1).aside;
            }
            ++i;
            continue;
        }
        if (!in_word) {
            in_word = true;
            h = fnv_offset;
            len = digits = gram_count = 0;
            gram = '^';
            begin = i;
        }
        h = (h ^ c) * fnv_prime;
        ++len;
        digits += is_digit(c);
        if (len <= max_gram_bytes) {
            gram = gram << 8 | (is_digit(c) ? '0' : c);
            if (len >= 2) push_gram(gram & 0xFFFFFFu, false);
            if (len >= 3) push_gram(gram, true);
        }
        end = ++i;
    }
    end_word();
}

/// The feature of a rule signal that fired (its name, as engine/classify/classify.hpp lists them).
inline feature signal_feature(std::string_view signal) noexcept {
    return {detail::index_of(detail::hash_of(signal), detail::seed_signal), feature_kind::signal,
            std::string_view::npos, std::string_view::npos, false};
}

}  // namespace r1::engine::classify_model
