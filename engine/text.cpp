#include "engine/text.hpp"

#include <vector>

namespace r1::engine {
namespace {

bool is_continuation(unsigned char c) { return (c & 0xC0) == 0x80; }

constexpr std::string_view replacement = "\xEF\xBF\xBD";

}  // namespace

std::size_t utf8_sequence_length(std::string_view text, std::size_t i) noexcept {
    auto c = static_cast<unsigned char>(text[i]);
    if (c < 0x80) return 1;
    std::size_t len = (c >> 5) == 0x6 ? 2 : (c >> 4) == 0xE ? 3 : (c >> 3) == 0x1E ? 4 : 0;
    if (len == 0 || i + len > text.size()) return 0;
    for (std::size_t k = 1; k < len; ++k)
        if (!is_continuation(static_cast<unsigned char>(text[i + k]))) return 0;
    auto c1 = static_cast<unsigned char>(text[i + 1]);
    if (len == 2 && c < 0xC2) return 0;                // overlong
    if (len == 3 && c == 0xE0 && c1 < 0xA0) return 0;  // overlong
    if (len == 3 && c == 0xED && c1 >= 0xA0) return 0;  // UTF-16 surrogate
    if (len == 4 && (c > 0xF4 || (c == 0xF0 && c1 < 0x90) || (c == 0xF4 && c1 >= 0x90))) return 0;
    return len;
}

std::string tail_chars(std::string_view text, std::size_t max_chars) {
    while (!text.empty() && (text.back() == '\n' || text.back() == '\r' || text.back() == ' ' ||
                             text.back() == '\t'))
        text.remove_suffix(1);
    // No character is longer than 4 bytes, so the answer lies in the last 4 * max_chars bytes.
    std::size_t begin = text.size() > 4 * max_chars + 4 ? text.size() - 4 * max_chars - 4 : 0;
    // Step past the tail of a sequence cut by the window: at most 3 bytes, so the window still holds
    // more than max_chars characters even when it is all stray continuation bytes.
    for (int skipped = 0; begin > 0 && skipped < 3 && is_continuation(static_cast<unsigned char>(text[begin]));
         ++skipped)
        ++begin;
    std::vector<std::size_t> starts;
    for (std::size_t i = begin; i < text.size();) {
        starts.push_back(i);
        auto len = utf8_sequence_length(text, i);
        i += len == 0 ? 1 : len;  // an invalid byte counts as one character
    }
    if (begin == 0 && starts.size() <= max_chars) return std::string(text);
    if (max_chars == 0) return "...";
    return "..." + std::string(text.substr(starts[starts.size() - max_chars]));
}

std::string printable(std::string_view text, bool one_line) {
    std::string out;
    out.reserve(text.size());
    for (std::size_t i = 0; i < text.size();) {
        auto c = static_cast<unsigned char>(text[i]);
        if (c == 0x1B) {  // ESC: skip a CSI sequence (colours, cursor moves) or the lone escape
            ++i;
            if (i < text.size() && text[i] == '[') {
                ++i;
                while (i < text.size() && !(text[i] >= 0x40 && text[i] <= 0x7E)) ++i;
                if (i < text.size()) ++i;
            }
            continue;
        }
        if (c == '\r') {
            ++i;
            continue;
        }
        if (c == '\t' && one_line) {  // a tab would still break a one-line message's columns
            out.push_back(' ');
            ++i;
            continue;
        }
        if ((c == '\n' && !one_line) || c == '\t' || (c >= 0x20 && c < 0x7F)) {
            out.push_back(static_cast<char>(c));
            ++i;
            continue;
        }
        if (c < 0x80) {  // other C0 controls and DEL
            out.append(replacement);
            ++i;
            continue;
        }
        if (auto len = utf8_sequence_length(text, i)) {
            out.append(text.substr(i, len));
            i += len;
        } else {
            out.append(replacement);
            ++i;
        }
    }
    return out;
}

std::string quoted(std::string_view value, std::size_t max_bytes) {
    std::string s = printable(value.substr(0, max_bytes), true);
    return "\"" + s + (value.size() > max_bytes ? "...\"" : "\"");
}

}  // namespace r1::engine
