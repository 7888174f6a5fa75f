#pragma once
/// A fleet manifest's TOML, read by toml++ and reduced to what a manifest may hold: `[defaults]`,
/// `[[app]]` and `key = value` lines whose values are strings, whole numbers or booleans, each with
/// its line. Anything else is a problem with its line, so a user sees where to look.
#include <cstdint>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

namespace r1::cli {

using toml_value = std::variant<std::string, std::int64_t, bool>;

struct toml_entry {
    std::string key;
    toml_value value;
    std::size_t line = 0;  // 1-based: the value's own line
};

struct toml_table {
    std::string name;         // "" for keys before any header, else the header ("defaults", "app",
                              // "region.fra" for [region.fra], "provider.vercel" for [provider.vercel])
    bool array_item = false;  // [[name]] rather than [name]
    std::size_t line = 0;     // the header's line (0 for the root)
    std::vector<toml_entry> entries;
};

struct toml_problem {
    std::size_t line = 0;
    std::string message;  // one line, printable
};

struct toml_document {
    std::vector<toml_table> tables;  // the root first (possibly empty), then each table in file order
    std::vector<toml_problem> problems;
};

/// Reads the document. A syntax error stops toml++ at its first one (reported with its line); the
/// values of a well-formed document are all checked, so every unsupported one is listed.
toml_document read_toml(std::string_view text);

/// "string", "whole number" or "boolean", for messages.
std::string_view toml_type_name(const toml_value& v);

}  // namespace r1::cli
