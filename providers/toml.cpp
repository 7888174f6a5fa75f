#include "providers/toml.hpp"

#include <cstdio>

namespace r1::providers {
namespace {

std::size_t valid_utf8_length(std::string_view s, std::size_t i) {
    auto c = static_cast<unsigned char>(s[i]);
    std::size_t len = (c >> 5) == 0x6 ? 2 : (c >> 4) == 0xE ? 3 : (c >> 3) == 0x1E ? 4 : 0;
    if (len == 0 || i + len > s.size()) return 0;
    for (std::size_t k = 1; k < len; ++k)
        if ((static_cast<unsigned char>(s[i + k]) & 0xC0) != 0x80) return 0;
    auto c1 = static_cast<unsigned char>(s[i + 1]);
    if (len == 2 && c < 0xC2) return 0;                                   // overlong
    if (len == 3 && c == 0xE0 && c1 < 0xA0) return 0;                     // overlong
    if (len == 3 && c == 0xED && c1 >= 0xA0) return 0;                    // surrogate
    if (len == 4 && (c > 0xF4 || (c == 0xF0 && c1 < 0x90) || (c == 0xF4 && c1 >= 0x90))) return 0;
    return len;
}

}  // namespace

std::string toml_string(std::string_view value) {
    std::string out = "\"";
    for (std::size_t i = 0; i < value.size();) {
        auto c = static_cast<unsigned char>(value[i]);
        if (c >= 0x80) {
            auto len = valid_utf8_length(value, i);
            out.append(len ? value.substr(i, len) : std::string_view("\xEF\xBF\xBD"));
            i += len ? len : 1;
            continue;
        }
        switch (c) {
        case '"': out += "\\\""; break;
        case '\\': out += "\\\\"; break;
        case '\n': out += "\\n"; break;
        case '\t': out += "\\t"; break;
        case '\r': out += "\\r"; break;
        default:
            if (c < 0x20 || c == 0x7F) {
                char buf[8];
                std::snprintf(buf, sizeof buf, "\\u%04X", static_cast<unsigned>(c));
                out += buf;
            } else {
                out.push_back(static_cast<char>(c));
            }
        }
        ++i;
    }
    out += '"';
    return out;
}

}  // namespace r1::providers
