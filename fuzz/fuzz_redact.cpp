// The redactor over untrusted text with secrets planted in it. The first 16 bytes choose the secrets,
// where they go and where the stream is cut; the rest is the text. Properties:
// - no planted secret survives: the exact values nowhere, a planted token wherever the text did not
//   already hold it, and each planted line becomes exactly its masked form;
// - nothing else changes: every output line is its input line with some non-empty spans replaced
//   by the mask, and a secret never crosses a newline (scrubbing a text = scrubbing each line);
// - streaming, cut anywhere, gives exactly the whole-text result, holding back only a few bytes;
// - scrubbing the output again changes nothing.
#include "fuzz/check.hpp"
#include "engine/redact.hpp"

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
};

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
    redactor r{{exact, longer}};

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

    // Plant up to four secrets, each on a line of its own, at fuzzer-chosen places in the text.
    std::vector<std::pair<std::size_t, std::size_t>> plants;  // (offset in fuzz_text, kind)
    for (int k = 0; k < 4; ++k)
        if (header[0] & (1 << k)) plants.emplace_back(c.next() % (fuzz_text.size() + 1), c.next() % kinds.size());
    std::sort(plants.begin(), plants.end());
    std::string text;
    std::size_t at = 0;
    for (auto [offset, kind] : plants) {
        text.append(fuzz_text.substr(at, offset - at));
        text += "\n" + kinds[kind].line + "\n";
        at = offset;
    }
    text.append(fuzz_text.substr(at));

    const std::string out = r.scrub(text);

    // Exact values vanish everywhere (the redactor may refuse a silly one: then there is no promise).
    for (const auto& v : {exact, longer})
        if (std::find(r.exact_values().begin(), r.exact_values().end(), v) != r.exact_values().end())
            check(out.find(v) == std::string::npos);
    // Planted tokens vanish unless the fuzzer's own text held them where no rule applies.
    for (const auto& t : {fm_a, fm_b, jwt, vercel, cloudflare})
        if (fuzz_text.find(t) == std::string_view::npos && !plants.empty()) {
            bool planted = false;
            for (auto [offset, kind] : plants) planted |= kinds[kind].line.find(t) != std::string::npos;
            if (planted) check(out.find(t) == std::string::npos);
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
    const bool exact_kept = r.exact_values().size() == 2;  // neither refused as silly
    for (const auto& p : kinds) {
        if (!exact_kept && (p.line == exact || p.line == longer)) continue;
        bool holds_exact = p.line.find(exact) != std::string::npos && p.line != exact &&
                           p.line != "FLY_API_TOKEN=" + exact && p.line != longer;
        if (!holds_exact) check(r.scrub(p.line) == p.masked);
    }

    // Streaming, cut at fuzzer-chosen places (every byte when header[1] says so), gives the same.
    std::vector<std::size_t> cuts;
    if (header[1] == 0xff) {
        for (std::size_t k = 1; k < text.size(); ++k) cuts.push_back(k);
    } else {
        for (int k = 0; k < 6; ++k) cuts.push_back(c.next() % (text.size() + 1));
        std::sort(cuts.begin(), cuts.end());
    }
    r1::engine::stream_scrubber s{r};
    std::string streamed;
    std::size_t from = 0;
    for (auto cut : cuts) {
        streamed += s.feed(std::string_view(text).substr(from, cut - from));
        from = cut;
        check(s.held_bytes() <= longer.size() + 64);
    }
    streamed += s.feed(std::string_view(text).substr(from));
    streamed += s.finish();
    check(streamed == out);

    check(r.scrub(out) == out);
    return 0;
}
