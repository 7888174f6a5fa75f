// The redactor over untrusted text with secrets planted in it. The first 16 bytes choose the secrets,
// where they go and where the stream is cut; the rest is the text. Secrets come from an environment
// block, as r1 builds its own (secret_values_from), and hold any bytes a real one can: spaces,
// punctuation, quotes, UTF-8, invalid bytes, a trailing CR or blank (no newline: a value's lines
// count one by one). Each is planted, whole or as the trimmed form a child prints, after every kind
// of prefix a CLI prints one with (NAME=, Bearer, token:, JSON and shell quotes). Properties:
// - no planted secret survives: the exact values (and their trimmed forms) nowhere, a planted token
//   wherever the text did not already hold it, and each planted line becomes exactly its masked form;
// - nothing else changes: every output line is its input line with some non-empty spans replaced
//   by the mask, and a secret never crosses a newline (scrubbing a text = scrubbing each line);
// - streaming, cut anywhere, gives exactly the whole-text result, holding back only a few bytes;
// - scrubbing the output again changes nothing.
// "Nowhere" and "again" hold for values that share no bytes with the mask's ends ("d] x" can be
// spelt by a mask and the text after it without any secret in clear; see overlaps_mask).
#include "fuzz/check.hpp"
#include "engine/redact/redact.hpp"

#include <algorithm>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

using r1::engine::redaction_mask;
using r1::engine::redactor;
using r1::fuzz::check;

namespace {

constexpr std::string_view alnum = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";
constexpr std::string_view base64 = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789+/=-_";

/// Bytes a secret may hold besides letters and digits: ASCII punctuation, blanks, UTF-8 (2, 3 and 4
/// bytes), a C1 control, and bytes that are not UTF-8 at all.
constexpr std::string_view pieces[] = {" ", "\t", "!", "\"", "#", "$", "%", "&", "'", "(", ")", "*", "+", ",", "-",
                                       ".", "/", ":", ";", "<", "=", ">", "?", "@", "[", "\\", "]", "^", "_", "`",
                                       "{", "|", "}", "~", "\x7f", "\xc3\xa9", "\xe2\x82\xac", "\xf0\x9f\x94\x91",
                                       "\xc2\x9b", "\xff", "\x80", "\x1b", "\r"};

/// Deterministic bytes from the header, so the fuzzer steers the secrets too.
struct chooser {
    const std::uint8_t* h;
    std::size_t k = 0;
    unsigned next() {
        ++k;
        return h[(k - 1) % 16] * 131u + static_cast<unsigned>(k) * 7919u;
    }
    std::string pick(std::string_view alphabet, std::size_t len) {
        std::string s;
        for (std::size_t i = 0; i < len; ++i) s += alphabet[next() % alphabet.size()];
        return s;
    }
    /// A secret of `len` pieces, half of them letters and digits, ending in \r, a blank or a tab
    /// now and then (as one read from a CRLF .env file or pasted with a stray blank).
    std::string any_secret(std::size_t len) {
        std::string s;
        for (std::size_t i = 0; i < len; ++i) {
            if (next() % 2) s += alnum[next() % alnum.size()];
            else s += pieces[next() % std::size(pieces)];
        }
        switch (next() % 6) {
        case 0: s += "\r"; break;
        case 1: s += " "; break;
        case 2: s += "\t"; break;
        default: break;
        }
        return s;
    }
};

std::string_view trimmed(std::string_view s) {
    auto blank = [](char c) { return c == ' ' || c == '\t' || c == '\r'; };
    while (!s.empty() && blank(s.front())) s.remove_prefix(1);
    while (!s.empty() && blank(s.back())) s.remove_suffix(1);
    return s;
}

/// Whether some bytes at an end of `v` could be spelt by a mask beside other text: "ed] x" after a
/// mask, or "x [re" before one. Such a value may "appear" in clean output without having leaked.
bool overlaps_mask(std::string_view v) {
    for (std::size_t k = 1; k <= redaction_mask.size() && k <= v.size(); ++k)
        if (redaction_mask.ends_with(v.substr(0, k)) || redaction_mask.starts_with(v.substr(v.size() - k))) return true;
    return redaction_mask.find(v) != std::string_view::npos;
}

std::vector<std::string_view> lines_of(std::string_view text) {
    std::vector<std::string_view> lines;
    for (std::size_t at = 0;;) {
        auto nl = text.find('\n', at);
        lines.push_back(text.substr(at, nl == std::string_view::npos ? std::string_view::npos : nl - at));
        if (nl == std::string_view::npos) return lines;
        at = nl + 1;
    }
}

/// Whether `out` is `in` with some non-empty spans replaced by the mask: the text between masks
/// must appear in `in` in order, with at least one byte where each mask stands (glob matching,
/// which leftmost-first placement decides exactly).
bool only_masked(std::string_view in, std::string_view out) {
    std::vector<std::string_view> parts;
    for (std::size_t at = 0;;) {
        auto m = out.find(redaction_mask, at);
        parts.push_back(out.substr(at, m == std::string_view::npos ? std::string_view::npos : m - at));
        if (m == std::string_view::npos) break;
        at = m + redaction_mask.size();
    }
    if (parts.size() == 1) return in == out;
    if (!in.starts_with(parts.front()) || !in.ends_with(parts.back())) return false;
    if (parts.front().size() + parts.back().size() + (parts.size() - 1) > in.size()) return false;
    std::size_t pos = parts.front().size();
    const std::size_t limit = in.size() - parts.back().size();
    for (std::size_t p = 1; p + 1 < parts.size(); ++p) {
        auto found = in.substr(0, limit).find(parts[p], pos + 1);  // a mask stands for >= 1 byte
        if (found == std::string_view::npos) return false;
        pos = found + parts[p].size();
    }
    return pos + 1 <= limit;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    std::uint8_t header[16] = {};
    std::copy(data, data + std::min<std::size_t>(size, 16), header);
    std::string_view fuzz_text{reinterpret_cast<const char*>(data) + std::min<std::size_t>(size, 16),
                               size - std::min<std::size_t>(size, 16)};
    chooser c{header};

    // Secrets: an exact value, a longer one it is a prefix of, fly macaroons, a bearer JWT, a JSON value.
    std::string exact = c.pick(alnum, 8 + c.next() % 32);
    std::string longer = exact + c.pick(alnum, 2);
    std::string fm_a = "fm2_" + c.pick(base64, 16 + c.next() % 64);
    std::string fm_b = "fm2_" + c.pick(base64, 16 + c.next() % 64);
    std::string jwt = "eyJ" + c.pick(alnum, 13 + c.next() % 40) + "." + c.pick(base64, 16);
    std::string vercel = "vcp_" + c.pick(alnum, 16 + c.next() % 16);
    std::string cloudflare = "cfut_" + c.pick(alnum, 40);
    std::string json_value = c.pick(alnum, 1 + c.next() % 20);
    // Two secrets of any bytes, through an environment block as r1 reads its own.
    std::string db_password = c.any_secret(4 + c.next() % 40);
    std::string api_token = c.any_secret(4 + c.next() % 40);
    std::string env_db = "R1_DB_PASSWORD=" + db_password;
    std::string env_token = "CLOUDFLARE_API_TOKEN=" + api_token;
    const char* envp[] = {env_db.c_str(), env_token.c_str(), "PATH=/usr/bin:/bin", nullptr};
    auto values = r1::engine::secret_values_from(envp);
    values.push_back(exact);
    values.push_back(longer);
    // The token formats planted above (r1 itself takes every provider's from the registry).
    redactor r{values, {"fm2_", "vcp_", "cfut_"}};
    auto accepted = [&](std::string_view v) {
        return std::find(r.exact_values().begin(), r.exact_values().end(), v) != r.exact_values().end();
    };
    bool any_overlaps_mask = false;
    for (const auto& v : r.exact_values()) any_overlaps_mask |= overlaps_mask(v);

    const std::string mask{redaction_mask};
    struct plant {
        std::string line, masked;
    };
    const std::vector<plant> kinds = {
        {exact, mask},
        {longer, mask},
        {fm_a + "," + fm_b, mask + "," + mask},
        {"Authorization: FlyV1 " + fm_a + "," + fm_b, "Authorization: FlyV1 " + mask},
        {"Authorization: Bearer " + jwt, "Authorization: Bearer " + mask},
        {"FLY_API_TOKEN=" + exact, "FLY_API_TOKEN=" + mask},
        {"{\"access_token\": \"" + json_value + "\"}", "{\"access_token\": \"" + mask + "\"}"},
        {vercel + " " + cloudflare, mask + " " + mask},
    };
    // Each any-bytes secret, whole or trimmed (the fuzzer picks), after each kind of prefix.
    struct framing {
        std::string_view before, after;
    };
    constexpr framing framings[] = {{"", ""},
                                    {"R1_DB_PASSWORD=", ""},
                                    {"export DB_PASSWORD=", ""},
                                    {"Authorization: Bearer ", ""},
                                    {"Bearer ", ""},
                                    {"token: ", ""},
                                    {"{\"password\": \"", "\"}"},
                                    {"DB_PASSWORD=\"", "\""},
                                    {"api_key = '", "'"},
                                    {"X-Api-Key: ", " (sent)"}};
    struct framed_plant {
        std::string line, masked, value;
        std::size_t at;  // where the value starts in line
    };
    std::vector<framed_plant> framed;
    for (const auto* secret : {&db_password, &api_token})
        for (const auto& f : framings) {
            std::string value = c.next() % 2 ? std::string(trimmed(*secret)) : *secret;
            framed.push_back({std::string(f.before) + value + std::string(f.after),
                              std::string(f.before) + mask + std::string(f.after), value, f.before.size()});
        }

    // Plant up to four secrets and up to four framed ones, each on a line of its own, at
    // fuzzer-chosen places in the text.
    std::vector<std::pair<std::size_t, std::string_view>> plants;  // (offset in fuzz_text, line)
    std::vector<std::size_t> kinds_planted;
    for (int k = 0; k < 4; ++k)
        if (header[0] & (1 << k)) {
            auto offset = c.next() % (fuzz_text.size() + 1);  // one statement each: a fixed order
            auto kind = c.next() % kinds.size();
            kinds_planted.push_back(kind);
            plants.emplace_back(offset, kinds[kind].line);
        }
    for (int k = 4; k < 8; ++k)
        if (header[0] & (1 << k)) {
            auto offset = c.next() % (fuzz_text.size() + 1);
            plants.emplace_back(offset, framed[c.next() % framed.size()].line);
        }
    std::sort(plants.begin(), plants.end());
    std::string text;
    std::size_t at = 0;
    for (auto [offset, line] : plants) {
        text.append(fuzz_text.substr(at, offset - at));
        text += "\n" + std::string(line) + "\n";
        at = offset;
    }
    text.append(fuzz_text.substr(at));

    const std::string out = r.scrub(text);

    // Exact values, and the trimmed forms of secret variables, vanish everywhere (the redactor may
    // refuse a silly one: then there is no promise).
    for (const auto& v : r.exact_values())
        if (!overlaps_mask(v)) check(out.find(v) == std::string::npos);
    // Planted tokens vanish unless the fuzzer's own text held them where no rule applies.
    for (const auto& t : {fm_a, fm_b, jwt, vercel, cloudflare})
        if (fuzz_text.find(t) == std::string_view::npos && !kinds_planted.empty()) {
            bool planted = false;
            for (auto kind : kinds_planted) planted |= kinds[kind].line.find(t) != std::string::npos;
            if (planted && !any_overlaps_mask) check(out.find(t) == std::string::npos);
        }

    // Line by line: the same result, and each line only masked.
    auto in_lines = lines_of(text);
    auto out_lines = lines_of(out);
    check(in_lines.size() == out_lines.size());
    for (std::size_t k = 0; k < in_lines.size(); ++k) {
        check(r.scrub(in_lines[k]) == out_lines[k]);
        check(only_masked(in_lines[k], out_lines[k]));
    }
    // A planted line becomes exactly its masked form, unless an exact value also sits inside it.
    // (Exact values are matched case-sensitively; a fuzzed secret may hold `exact` or a token.)
    const bool exact_kept = accepted(exact) && accepted(longer);  // neither refused as silly
    auto other_secrets_in = [&](std::string_view line, std::size_t from, std::size_t to) {
        for (const auto& v : r.exact_values())
            for (auto p = line.find(v); p != std::string_view::npos; p = line.find(v, p + 1))
                if (p < from || p + v.size() > to) return true;
        return false;
    };
    for (const auto& p : kinds) {
        if (!exact_kept && (p.line == exact || p.line == longer)) continue;
        // Where an exact value is meant to be in the line; any other occurrence changes the mask.
        std::size_t from = 0, to = 0;
        if (p.line == exact || p.line == longer) to = p.line.size();
        if (p.line == "FLY_API_TOKEN=" + exact) from = 14, to = p.line.size();
        if (!other_secrets_in(p.line, from, to)) check(r.scrub(p.line) == p.masked);
    }
    // A framed secret is masked whole, whatever rule fired first and wherever it stopped: the prefix
    // stays, the value (every byte of it) becomes one mask, and the suffix stays unless a rule takes
    // it too (an unclosed quote in the value runs a quoted value to the end of the line).
    for (const auto& p : framed) {
        if (!accepted(p.value) || other_secrets_in(p.line, p.at, p.at + p.value.size())) continue;
        auto got = r.scrub(p.line);
        std::string_view after = std::string_view(p.line).substr(p.at + p.value.size());
        std::string_view head = std::string_view(p.masked).substr(0, p.at + mask.size());
        check(got.starts_with(head) && after.ends_with(std::string_view(got).substr(head.size())));
    }

    // Streaming, cut at fuzzer-chosen places (every byte when header[1] says so), gives the same.
    std::vector<std::size_t> cuts;
    if (header[1] == 0xff) {
        for (std::size_t k = 1; k < text.size(); ++k) cuts.push_back(k);
    } else {
        for (int k = 0; k < 6; ++k) cuts.push_back(c.next() % (text.size() + 1));
        std::sort(cuts.begin(), cuts.end());
    }
    const std::size_t longest = r.exact_values().empty() ? 0 : r.exact_values().front().size();
    r1::engine::stream_scrubber s{r};
    std::string streamed;
    std::size_t from = 0;
    for (auto cut : cuts) {
        streamed += s.feed(std::string_view(text).substr(from, cut - from));
        from = cut;
        check(s.held_bytes() <= longest + 64);
    }
    streamed += s.feed(std::string_view(text).substr(from));
    streamed += s.finish();
    check(streamed == out);

    if (!any_overlaps_mask) check(r.scrub(out) == out);
    return 0;
}
