#pragma once
/// The small part of TOML a fleet manifest needs: `[defaults]`, `[[app]]` and `key = value` lines
/// whose values are strings, whole numbers or booleans. Anything else is refused with its line.
#include <cstdint>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

namespace r1::providers {

using toml_value = std::variant<std::string, std::int64_t, bool>;

struct toml_entry {
    std::string key;
    toml_value value;
    std::size_t line = 0;  // 1-based
};

struct toml_table {
    std::string name;  // "" for keys before any header, else the header ("defaults", "app")
    bool array_item = false;  // [[name]] rather than [name]
    std::size_t line = 0;     // the header's line (0 for the root)
    std::vector<toml_entry> entries;
};

struct toml_problem {
    std::size_t line = 0;
    std::string message;  // one line, printable
};

struct toml_document {
    std::vector<toml_table> tables;  // the root first (possibly empty), then each header in order
    std::vector<toml_problem> problems;
};

/// Reads every line it can and collects a problem for each one it cannot, so a user sees them all.
toml_document read_toml(std::string_view text);

/// "string", "whole number" or "boolean", for messages.
std::string_view toml_type_name(const toml_value& v);

}  // namespace r1::providers
