#include "engine/text/text.hpp"

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
            // U+0080..U+009F are the C1 controls: a terminal takes U+009B as CSI, U+009D as OSC.
            bool c1 = len == 2 && c == 0xC2 && static_cast<unsigned char>(text[i + 1]) <= 0x9F;
            if (c1) out.append(replacement);
            else out.append(text.substr(i, len));
            i += len;
        } else {
            out.append(replacement);
            ++i;
        }
    }
    return out;
}

namespace {

constexpr std::size_t max_sgr_bytes = 64;  // a longer "colour" is no colour: dropped

/// Bytes a UTF-8 character starting with `lead` has, 0 for a byte that cannot start one.
std::size_t utf8_length_of(unsigned char lead) {
    return lead < 0x80 ? 1 : (lead >> 5) == 0x6 ? 2 : (lead >> 4) == 0xE ? 3 : (lead >> 3) == 0x1E ? 4 : 0;
}

}  // namespace

void terminal_filter::ground_byte(unsigned char c, std::string& out) {
    if (!pending_.empty()) {  // completing a UTF-8 character
        if (is_continuation(c)) {
            pending_.push_back(static_cast<char>(c));
            if (pending_.size() < utf8_length_of(static_cast<unsigned char>(pending_[0]))) return;
            auto len = utf8_sequence_length(pending_, 0);
            bool c1 = len == 2 && static_cast<unsigned char>(pending_[0]) == 0xC2 &&
                      static_cast<unsigned char>(pending_[1]) <= 0x9F;
            out.append(len == pending_.size() && !c1 ? std::string_view(pending_) : replacement);
            pending_.clear();
            return;
        }
        out.append(replacement);  // cut short: the new byte starts afresh
        pending_.clear();
    }
    if (c == 0x1B) {
        state_ = state::escape;
    } else if (c == '\n' || c == '\t' || c == '\r' || (c >= 0x20 && c < 0x7F)) {
        out.push_back(static_cast<char>(c));
    } else if (c < 0x80) {
        // Other C0 controls and DEL: bell, backspace, shift-out (a charset switch), form feed...
    } else if (utf8_length_of(c) > 1) {
        pending_.push_back(static_cast<char>(c));
    } else {
        out.append(replacement);  // a stray continuation byte, a raw C1 control, 0xF8..0xFF
    }
}

std::string terminal_filter::feed(std::string_view chunk) {
    std::string out;
    out.reserve(chunk.size());
    for (char ch : chunk) {
        auto c = static_cast<unsigned char>(ch);
        switch (state_) {
        case state::ground: ground_byte(c, out); break;
        case state::escape:
            if (c == '[') {
                state_ = state::csi;
                pending_ = "\x1b[";
            } else if (c == ']' || c == 'P' || c == 'X' || c == '^' || c == '_') {
                state_ = state::string;  // OSC, DCS, SOS, PM, APC: dropped up to their terminator
            } else if (c >= 0x20 && c <= 0x2F) {
                state_ = state::escape_intermediate;  // ESC ( B and the like
            } else if (c == 0x1B) {
                // ESC ESC: the first one is dropped, the second starts over
            } else if (c == '\n') {
                out.push_back('\n');
                state_ = state::ground;
            } else {
                state_ = state::ground;  // ESC c (reset), ESC 7 / 8, ESC M ...: dropped with their final byte
            }
            break;
        case state::escape_intermediate:
            if (c >= 0x30 && c <= 0x7E) state_ = state::ground;
            else if (c == '\n') {
                out.push_back('\n');
                state_ = state::ground;
            } else if (c < 0x20 || c > 0x7E) state_ = state::ground;
            break;
        case state::csi:
        case state::csi_ignore:
            if (c >= 0x40 && c <= 0x7E) {  // the final byte
                bool sgr = state_ == state::csi && c == 'm' &&
                           pending_.find_first_not_of("0123456789;:", 2) == std::string::npos;
                if (sgr) {
                    out.append(pending_);
                    out.push_back('m');
                    coloured_ = true;
                }
                pending_.clear();
                state_ = state::ground;
            } else if (c >= 0x20 && c <= 0x3F) {
                if (state_ == state::csi) pending_.push_back(static_cast<char>(c));
                if (pending_.size() > max_sgr_bytes) {
                    state_ = state::csi_ignore;
                    pending_.clear();
                }
            } else {  // a control or a byte no CSI holds: the sequence is broken, drop it
                pending_.clear();
                state_ = state::ground;
                ground_byte(c, out);
            }
            break;
        case state::string:
            if (c == 0x07 || c == 0x18 || c == 0x1A || c == 0x9C) state_ = state::ground;  // BEL, CAN, SUB, ST
            else if (c == 0x1B) state_ = state::string_escape;
            else if (c == '\n') {
                out.push_back('\n');
                state_ = state::ground;
            }
            break;
        case state::string_escape:
            state_ = c == '\n' ? state::ground : c == 0x1B ? state::string_escape : c == '\\' ? state::ground : state::string;
            if (c == '\n') out.push_back('\n');
            break;
        }
    }
    return out;
}

std::string terminal_filter::finish() {
    std::string out;
    if (state_ == state::ground && !pending_.empty()) out.append(replacement);
    pending_.clear();
    state_ = state::ground;
    if (coloured_) out.append("\x1b[0m");
    coloured_ = false;
    return out;
}

std::string quoted(std::string_view value, std::size_t max_bytes) {
    std::string s = printable(value.substr(0, max_bytes), true);
    return "\"" + s + (value.size() > max_bytes ? "...\"" : "\"");
}

}  // namespace r1::engine
