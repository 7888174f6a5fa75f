// Message helpers over untrusted bytes: tail_chars returns a suffix of its input, and on valid UTF-8
// exactly the last n characters, never starting inside a sequence; printable lets no control byte,
// C1 control or escape through, and gives well-formed UTF-8; terminal_filter lets only text and SGR
// colours through, whatever its input and wherever the stream is cut.
#include "fuzz/check.hpp"
#include "engine/text/text.hpp"

#include <cstdint>
#include <cstdlib>
#include <optional>
#include <string>
#include <string_view>

using r1::fuzz::check;

namespace {

/// Code points in `s`, or nullopt when it is not well-formed UTF-8.
std::optional<std::size_t> utf8_chars(std::string_view s) {
    std::size_t chars = 0;
    for (std::size_t i = 0; i < s.size(); ++chars) {
        auto c = static_cast<unsigned char>(s[i]);
        std::size_t len = c < 0x80 ? 1 : (c >> 5) == 6 ? 2 : (c >> 4) == 14 ? 3 : (c >> 3) == 30 ? 4 : 0;
        if (len == 0 || i + len > s.size()) return std::nullopt;
        for (std::size_t k = 1; k < len; ++k)
            if ((static_cast<unsigned char>(s[i + k]) & 0xC0) != 0x80) return std::nullopt;
        auto c1 = static_cast<unsigned char>(s[i + (len > 1)]);
        // Well-formed per Unicode Table 3-7: no overlongs, no surrogates, nothing past U+10FFFF.
        if (len == 2 && c < 0xC2) return std::nullopt;
        if (len == 3 && ((c == 0xE0 && c1 < 0xA0) || (c == 0xED && c1 > 0x9F))) return std::nullopt;
        if (len == 4 && ((c == 0xF0 && c1 < 0x90) || (c == 0xF4 && c1 > 0x8F) || c > 0xF4)) return std::nullopt;
        i += len;
    }
    return chars;
}

/// Whether `s` (well-formed UTF-8) holds a C1 control, U+0080..U+009F.
bool has_c1(std::string_view s) {
    for (std::size_t i = 0; i + 1 < s.size(); ++i)
        if (static_cast<unsigned char>(s[i]) == 0xC2 && static_cast<unsigned char>(s[i + 1]) <= 0x9F) return true;
    return false;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    if (size == 0) return 0;
    std::size_t n = data[0] % 64;
    std::string_view in{reinterpret_cast<const char*>(data + 1), size - 1};
    auto tail = r1::engine::tail_chars(in, n);
    auto trimmed = in;
    while (!trimmed.empty() && std::string_view(" \t\r\n").find(trimmed.back()) != std::string_view::npos)
        trimmed.remove_suffix(1);
    bool cut = tail != trimmed;
    std::string_view kept = tail;
    if (cut) {
        check(kept.starts_with("..."));
        kept.remove_prefix(3);
    }
    check(trimmed.ends_with(kept));
    if (cut && utf8_chars(trimmed)) {
        auto chars = utf8_chars(kept);
        check(chars.has_value());
        check(*chars == n);
    }
    auto shown = r1::engine::printable(in);
    for (unsigned char c : shown) check((c >= 0x20 && c != 0x7F) || c == '\n' || c == '\t');
    check(utf8_chars(shown).has_value());
    check(!has_c1(shown));

    // The terminal filter: the same output cut anywhere (here at data[0]), nothing but text, tabs,
    // newlines, CR and SGR sequences, and well-formed UTF-8 without C1 controls.
    r1::engine::terminal_filter whole;
    auto filtered = whole.feed(in);
    filtered += whole.finish();
    r1::engine::terminal_filter cut_stream;
    std::size_t at = in.empty() ? 0 : data[0] % (in.size() + 1);
    std::string streamed = cut_stream.feed(in.substr(0, at));  // one statement each: a fixed order
    streamed += cut_stream.feed(in.substr(at));
    streamed += cut_stream.finish();
    check(streamed == filtered);
    std::string text;  // the filtered output without its SGR sequences
    for (std::size_t i = 0; i < filtered.size(); ++i) {
        if (filtered[i] != 0x1B) {
            text += filtered[i];
            continue;
        }
        check(filtered.substr(i, 2) == "\x1b[");
        auto end = filtered.find('m', i);
        check(end != std::string::npos);
        check(filtered.find_first_not_of("0123456789;:", i + 2) == end);
        i = end;
    }
    for (unsigned char c : text) check((c >= 0x20 && c != 0x7F) || c == '\n' || c == '\t' || c == '\r');
    check(utf8_chars(text).has_value());
    check(!has_c1(text));
    return 0;
}
