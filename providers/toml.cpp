#include "providers/toml.hpp"

#include "engine/text/text.hpp"

#include <cstdio>

namespace r1::providers {

std::string toml_string(std::string_view value) {
    std::string out = "\"";
    for (std::size_t i = 0; i < value.size();) {
        auto c = static_cast<unsigned char>(value[i]);
        if (c >= 0x80) {
            auto len = engine::utf8_sequence_length(value, i);
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
