#pragma once
/// Text helpers for operator-facing messages built from untrusted output (a CLI's stderr, a server).
#include <cstddef>
#include <string>
#include <string_view>

namespace r1::engine {

/// Length (1-4) of the well-formed UTF-8 sequence starting at text[i], or 0 when it is not one:
/// truncated, overlong, a surrogate or past U+10FFFF.
std::size_t utf8_sequence_length(std::string_view text, std::size_t i) noexcept;

/// The last `max_chars` characters of `text`, with trailing white space dropped, prefixed with "..."
/// when cut. A multi-byte UTF-8 sequence is never split; a stray byte counts as one character.
std::string tail_chars(std::string_view text, std::size_t max_chars);

/// Makes text safe to print on a terminal: drops ANSI escape sequences and CR, shows other control
/// bytes and invalid UTF-8 as U+FFFD. Keeps tabs and newlines, unless `one_line` is set: then a tab
/// becomes a space and a newline U+FFFD.
std::string printable(std::string_view text, bool one_line = false);

/// A value quoted in a one-line message: `"<printable first max_bytes>"`, with "..." inside the
/// quotes when it was longer.
std::string quoted(std::string_view value, std::size_t max_bytes = 64);

}  // namespace r1::engine
