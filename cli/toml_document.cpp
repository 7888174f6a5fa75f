#include "cli/toml_document.hpp"

#include "engine/text.hpp"

// toml++ is header-only and slow to compile: this is the one file that includes it. Exceptions off,
// so a syntax error is a value (parse_result) like every other problem.
#define TOML_EXCEPTIONS 0
#include <toml++/toml.h>

#include <algorithm>

namespace r1::cli {
namespace {

std::size_t line_of(const toml::node& n) { return n.source().begin.line; }

/// A hint for the commonest slip, `region = iad`: toml++ reads a bare word as a malformed number.
std::string hint_for(std::string_view text, std::size_t line_no) {
    std::size_t start = 0;
    for (std::size_t l = 1; l < line_no && start != std::string_view::npos; ++l) {
        start = text.find('\n', start);
        if (start != std::string_view::npos) ++start;
    }
    if (start == std::string_view::npos) return {};
    auto line = text.substr(start, text.find('\n', start) - start);
    auto eq = line.find('=');
    if (eq == std::string_view::npos) return {};
    auto value = line.substr(eq + 1);
    value.remove_prefix(std::min(value.find_first_not_of(" \t"), value.size()));
    if (value.empty()) return {};
    char c = value.front();
    bool word = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
    if (!word || value.starts_with("true") || value.starts_with("false") || value.starts_with("inf") ||
        value.starts_with("nan"))
        return {};
    return " (strings need quotes: key = \"value\")";
}

class reader {
public:
    explicit reader(toml_document& out) : out_(out) {}

    void problem(std::size_t line, std::string message) { out_.problems.push_back({line, std::move(message)}); }

    /// One key = value of a table into `table`, or a problem with the value's line.
    void entry(toml_table& table, const std::string& key, const toml::node& value) {
        std::size_t line = line_of(value);
        auto shown = engine::quoted(key, 40);
        if (auto s = value.as_string()) {
            if (s->get().find('\0') != std::string::npos) problem(line, "NUL byte in the value of " + shown);
            else table.entries.push_back({key, s->get(), line});
        } else if (auto i = value.as_integer()) {
            table.entries.push_back({key, i->get(), line});
        } else if (auto b = value.as_boolean()) {
            table.entries.push_back({key, b->get(), line});
        } else if (value.is_array() || (value.is_table() && value.as_table()->is_inline())) {
            problem(line, shown + ": arrays and inline tables are not supported in a manifest");
        } else if (value.is_table()) {
            problem(line, "dotted keys and sub-tables are not supported in a manifest: " + shown);
        } else {
            problem(line, shown + ": a manifest takes strings, whole numbers and true/false");
        }
    }

    void table(std::string name, bool array_item, const toml::table& t) {
        toml_table out{std::move(name), array_item, line_of(t), {}};
        for (const auto& [key, value] : t) entry(out, std::string(key.str()), value);
        std::stable_sort(out.entries.begin(), out.entries.end(),
                         [](const auto& a, const auto& b) { return a.line < b.line; });
        out_.tables.push_back(std::move(out));
    }

private:
    toml_document& out_;
};

}  // namespace

std::string_view toml_type_name(const toml_value& v) {
    if (std::holds_alternative<std::string>(v)) return "string";
    if (std::holds_alternative<bool>(v)) return "boolean";
    return "whole number";
}

toml_document read_toml(std::string_view text) {
    toml_document doc;
    doc.tables.push_back({});  // the root
    if (auto nul = text.find('\0'); nul != std::string_view::npos) {
        auto line = static_cast<std::size_t>(std::count(text.begin(), text.begin() + static_cast<std::ptrdiff_t>(nul), '\n')) + 1;
        doc.problems.push_back({line, "NUL byte in the manifest"});
        return doc;
    }
    auto parsed = toml::parse(text);
    if (!parsed) {
        const auto& e = parsed.error();
        std::size_t line = e.source().begin.line;
        std::string_view why = e.description();
        std::string hint = why.find("not representable") != std::string_view::npos ? " (number too large)"
                                                                                   : hint_for(text, line);
        doc.problems.push_back({line, "not valid TOML: " + engine::printable(why.substr(0, 200), true) + hint});
        return doc;
    }
    reader r{doc};
    for (const auto& [key, value] : parsed.table()) {
        std::string name(key.str());
        if (auto t = value.as_table(); t && !t->is_inline()) {
            r.table(name, false, *t);
        } else if (auto a = value.as_array(); a && a->is_array_of_tables() && !a->empty() &&
                                              !a->front().as_table()->is_inline()) {
            for (const auto& item : *a) r.table(name, true, *item.as_table());
        } else {
            r.entry(doc.tables.front(), name, value);
        }
    }
    // toml++ keeps keys sorted; a manifest is read in file order.
    std::stable_sort(doc.tables.begin() + 1, doc.tables.end(), [](const auto& a, const auto& b) { return a.line < b.line; });
    std::stable_sort(doc.tables.front().entries.begin(), doc.tables.front().entries.end(),
                     [](const auto& a, const auto& b) { return a.line < b.line; });
    std::stable_sort(doc.problems.begin(), doc.problems.end(), [](const auto& a, const auto& b) { return a.line < b.line; });
    return doc;
}

}  // namespace r1::cli
