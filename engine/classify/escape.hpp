#pragma once
/// Terminal escape sequences as the classifier reads them: invisible. Internal to engine/classify.
#include <cstddef>

namespace r1::engine::classify_text {

/// Index just past the escape sequence starting at s[i] (an ESC). CSI (`ESC [ ... final`) and
/// OSC (`ESC ] ... BEL` or `ESC \`) are what terminals and CLIs emit for colour and links. A
/// sequence cut short by a byte that cannot continue it ends there, so that byte is read as text:
/// output truncated mid-sequence (or followed by another ESC) loses nothing visible.
inline std::size_t skip_escape(const unsigned char* s, std::size_t n, std::size_t i) noexcept {
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

}  // namespace r1::engine::classify_text
