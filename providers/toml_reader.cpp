#include "providers/toml_reader.hpp"

#include "engine/text.hpp"

#include <limits>
#include <optional>

namespace r1::providers {
namespace {

bool is_bare_key_char(char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' || c == '-';
}

void skip_blank(std::string_view s, std::size_t& i) {
    while (i < s.size() && (s[i] == ' ' || s[i] == '\t')) ++i;
}

/// Quoted text from a line, for a message: printable, one line, bounded.
std::string shown(std::string_view v) {
    std::string s = engine::printable(v.substr(0, 40), true);
    return v.size() > 40 ? s + "..." : s;
}

void append_utf8(std::string& out, std::uint32_t cp) {
    if (cp < 0x80) {
        out += static_cast<char>(cp);
    } else if (cp < 0x800) {
        out += static_cast<char>(0xC0 | (cp >> 6));
        out += static_cast<char>(0x80 | (cp & 0x3F));
    } else if (cp < 0x10000) {
        out += static_cast<char>(0xE0 | (cp >> 12));
        out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
        out += static_cast<char>(0x80 | (cp & 0x3F));
    } else {
        out += static_cast<char>(0xF0 | (cp >> 18));
        out += static_cast<char>(0x80 | ((cp >> 12) & 0x3F));
        out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
        out += static_cast<char>(0x80 | (cp & 0x3F));
    }
}

struct parsed_value {
    toml_value value;
    std::size_t end = 0;  // index just past the value
};

using value_or_problem = std::variant<parsed_value, std::string>;

/// A basic string ("...", escapes) starting at s[i] == '"'.
value_or_problem basic_string(std::string_view s, std::size_t i) {
    if (s.substr(i).starts_with("\"\"\"")) return std::string("multi-line strings are not supported in a manifest");
    std::string out;
    for (++i; i < s.size(); ++i) {
        char c = s[i];
        if (c == '"') return parsed_value{std::move(out), i + 1};
        if (c == '\\') {
            if (++i >= s.size()) break;
            switch (s[i]) {
            case '"': out += '"'; break;
            case '\\': out += '\\'; break;
            case 'b': out += '\b'; break;
            case 't': out += '\t'; break;
            case 'n': out += '\n'; break;
            case 'f': out += '\f'; break;
            case 'r': out += '\r'; break;
            case 'u':
            case 'U': {
                std::size_t digits = s[i] == 'u' ? 4 : 8;
                if (i + digits >= s.size()) return std::string("incomplete \\u escape");
                std::uint32_t cp = 0;
                for (std::size_t k = 1; k <= digits; ++k) {
                    char h = s[i + k];
                    int d = h >= '0' && h <= '9' ? h - '0'
                            : h >= 'a' && h <= 'f' ? h - 'a' + 10
                            : h >= 'A' && h <= 'F' ? h - 'A' + 10
                                                   : -1;
                    if (d < 0) return std::string("invalid \\u escape");
                    cp = cp * 16 + static_cast<std::uint32_t>(d);
                }
                if (cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) return std::string("\\u escape is not a Unicode scalar value");
                if (cp == 0) return std::string("a NUL character is not allowed in a value");
                append_utf8(out, cp);
                i += digits;
                break;
            }
            default: return "invalid escape \\" + shown(s.substr(i, 1)) + " in a string";
            }
            continue;
        }
        if ((static_cast<unsigned char>(c) < 0x20 && c != '\t') || c == 0x7F)
            return std::string("control character in a string (escape it)");
        out += c;
    }
    return std::string("unterminated string (a closing \" is missing)");
}

/// A literal string ('...', no escapes) starting at s[i] == '\''.
value_or_problem literal_string(std::string_view s, std::size_t i) {
    if (s.substr(i).starts_with("'''")) return std::string("multi-line strings are not supported in a manifest");
    auto close = s.find('\'', i + 1);
    if (close == std::string_view::npos) return std::string("unterminated string (a closing ' is missing)");
    auto body = s.substr(i + 1, close - i - 1);
    for (char c : body)
        if ((static_cast<unsigned char>(c) < 0x20 && c != '\t') || c == 0x7F)
            return std::string("control character in a string");
    return parsed_value{std::string(body), close + 1};
}

value_or_problem integer(std::string_view s, std::size_t i) {
    std::size_t start = i;
    bool negative = false;
    if (s[i] == '+' || s[i] == '-') negative = s[i++] == '-';
    std::uint64_t n = 0;
    bool any = false;
    char prev = 0;
    for (; i < s.size() && ((s[i] >= '0' && s[i] <= '9') || s[i] == '_'); prev = s[i++]) {
        if (s[i] == '_') {
            if (!(prev >= '0' && prev <= '9')) return std::string("invalid number");
            continue;
        }
        any = true;
        // Checked before the step, not after it: 18446744073709551620 wrapped round 2^64 to 4.
        constexpr auto max = static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max());
        auto digit = static_cast<std::uint64_t>(s[i] - '0');
        if (n > (max - digit) / 10) return std::string("number too large");
        n = n * 10 + digit;
    }
    if (!any || prev == '_') return std::string("invalid value");
    if (i < s.size() && (s[i] == '.' || s[i] == 'e' || s[i] == 'E' || s[i] == ':' || s[i] == 'T' || s[i] == '-'))
        return "unsupported value \"" + shown(s.substr(start)) + "\": a manifest takes strings, whole numbers and true/false";
    std::int64_t v = static_cast<std::int64_t>(n);
    return parsed_value{negative ? -v : v, i};
}

value_or_problem value_at(std::string_view s, std::size_t i) {
    if (i >= s.size()) return std::string("missing value after =");
    char c = s[i];
    if (c == '"') return basic_string(s, i);
    if (c == '\'') return literal_string(s, i);
    if (s.substr(i).starts_with("true")) return parsed_value{true, i + 4};
    if (s.substr(i).starts_with("false")) return parsed_value{false, i + 5};
    if ((c >= '0' && c <= '9') || c == '+' || c == '-') return integer(s, i);
    if (c == '[' || c == '{')
        return std::string("arrays and inline tables are not supported in a manifest: use [[app]] tables");
    return "unsupported value \"" + shown(s.substr(i)) + "\" (strings need quotes)";
}

/// After a value or header: only blanks and a comment may follow.
std::optional<std::string> trailing(std::string_view s, std::size_t i) {
    skip_blank(s, i);
    if (i < s.size() && s[i] != '#') return "unexpected text after the value: \"" + shown(s.substr(i)) + "\"";
    return std::nullopt;
}

bool valid_utf8(std::string_view s) {
    for (std::size_t i = 0; i < s.size();) {
        if (static_cast<unsigned char>(s[i]) < 0x80) {
            ++i;
            continue;
        }
        auto n = engine::utf8_sequence_length(s, i);
        if (n == 0) return false;
        i += n;
    }
    return true;
}

}  // namespace

std::string_view toml_type_name(const toml_value& v) {
    if (std::holds_alternative<std::string>(v)) return "string";
    if (std::holds_alternative<std::int64_t>(v)) return "whole number";
    return "boolean";
}

toml_document read_toml(std::string_view text) {
    toml_document doc;
    doc.tables.push_back(toml_table{});
    std::size_t line_no = 0;
    auto problem = [&](std::string message) { doc.problems.push_back({line_no, std::move(message)}); };

    while (!text.empty()) {
        ++line_no;
        auto nl = text.find('\n');
        std::string_view line = text.substr(0, nl);
        text = nl == std::string_view::npos ? std::string_view{} : text.substr(nl + 1);
        if (line.ends_with('\r')) line.remove_suffix(1);
        if (line.find('\0') != std::string_view::npos) {
            problem("NUL byte in the manifest");
            continue;
        }
        if (!valid_utf8(line)) {
            problem("invalid UTF-8 (a manifest must be UTF-8 text)");
            continue;
        }
        std::size_t i = 0;
        skip_blank(line, i);
        if (i == line.size() || line[i] == '#') continue;

        if (line[i] == '[') {
            bool array = line.substr(i).starts_with("[[");
            std::size_t start = i + (array ? 2 : 1);
            std::string_view close = array ? "]]" : "]";
            auto end = line.find(close, start);
            if (end == std::string_view::npos) {
                problem("unterminated table header (a closing " + std::string(close) + " is missing)");
                continue;
            }
            auto name = line.substr(start, end - start);
            while (!name.empty() && (name.front() == ' ' || name.front() == '\t')) name.remove_prefix(1);
            while (!name.empty() && (name.back() == ' ' || name.back() == '\t')) name.remove_suffix(1);
            bool bare = !name.empty();
            for (char c : name) bare = bare && is_bare_key_char(c);
            if (!bare) {
                problem("unsupported table header [" + shown(name) + "]: use [defaults] or [[app]]");
                continue;
            }
            if (auto extra = trailing(line, end + close.size())) {
                problem(*extra);
                continue;
            }
            doc.tables.push_back({std::string(name), array, line_no, {}});
            continue;
        }

        std::size_t key_start = i;
        while (i < line.size() && is_bare_key_char(line[i])) ++i;
        auto key = line.substr(key_start, i - key_start);
        if (key.empty()) {
            problem(line[i] == '"' || line[i] == '\''
                        ? std::string("quoted keys are not supported in a manifest")
                        : "expected key = value, found \"" + shown(line.substr(key_start)) + "\"");
            continue;
        }
        skip_blank(line, i);
        if (i < line.size() && line[i] == '.') {
            problem("dotted keys are not supported in a manifest: \"" + shown(line.substr(key_start)) + "\"");
            continue;
        }
        if (i >= line.size() || line[i] != '=') {
            problem("expected = after the key \"" + shown(key) + "\"");
            continue;
        }
        ++i;
        skip_blank(line, i);
        auto parsed = value_at(line, i);
        if (auto* message = std::get_if<std::string>(&parsed)) {
            problem(std::string(key) + ": " + *message);
            continue;
        }
        auto& v = std::get<parsed_value>(parsed);
        if (auto extra = trailing(line, v.end)) {
            problem(std::string(key) + ": " + *extra);
            continue;
        }
        auto& table = doc.tables.back();
        bool duplicate = false;
        for (const auto& e : table.entries) duplicate = duplicate || e.key == key;
        if (duplicate) {
            problem("key \"" + std::string(key) + "\" is set twice in the same table");
            continue;
        }
        table.entries.push_back({std::string(key), std::move(v.value), line_no});
    }
    return doc;
}

}  // namespace r1::providers
