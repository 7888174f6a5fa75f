#pragma once
/// Text helpers for operator-facing messages built from untrusted output (a CLI's stderr, a server).
#include <cstddef>
#include <cstdint>
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
/// bytes (C0, DEL, and the C1 controls U+0080..U+009F, which terminals obey as ESC sequences) and
/// invalid UTF-8 as U+FFFD. Keeps tabs and newlines, unless `one_line` is set: then a tab becomes a
/// space and a newline U+FFFD.
std::string printable(std::string_view text, bool one_line = false);

/// Neutralises a program's output on its way to a terminal, chunk by chunk, as a pipe delivers it:
/// SGR colour sequences (ESC [ digits ; : m) and text pass, with tabs, newlines and CR; every other
/// escape sequence (cursor moves, screen clears, OSC titles, hyperlinks and clipboard writes, DCS,
/// APC, charset switches) is dropped whole, other C0 controls and DEL are dropped, and C1 controls
/// (U+0080..U+009F) and invalid UTF-8 become U+FFFD. A string sequence (OSC, DCS, SOS, PM, APC)
/// missing its terminator ends at the next newline, so it cannot swallow the rest of a log.
class terminal_filter {
public:
    std::string feed(std::string_view chunk);
    /// The end of the stream: an unfinished sequence is dropped, a cut UTF-8 character shown as
    /// U+FFFD, and colours are reset if any were passed.
    std::string finish();

private:
    enum class state : std::uint8_t { ground, escape, escape_intermediate, csi, csi_ignore, string, string_escape };
    void ground_byte(unsigned char c, std::string& out);
    state state_ = state::ground;
    std::string pending_;   // a CSI sequence being collected, or a UTF-8 character being completed
    bool coloured_ = false;  // an SGR sequence went out: reset at the end
};

/// A value quoted in a one-line message: `"<printable first max_bytes>"`, with "..." inside the
/// quotes when it was longer.
std::string quoted(std::string_view value, std::size_t max_bytes = 64);

}  // namespace r1::engine
