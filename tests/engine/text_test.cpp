#include "engine/text/duration.hpp"
#include "engine/error.hpp"
#include "engine/text/text.hpp"
#include "tests/support/processes.hpp"

#include <catch2/catch.hpp>

#include <system_error>

using namespace std::chrono_literals;
using r1::engine::printable;
using r1::engine::tail_chars;

TEST_CASE("tail_chars: keeps short text, cuts long text with an ellipsis", "[engine][text]") {
    CHECK(tail_chars("Error: boom\n\n", 500) == "Error: boom");
    CHECK(tail_chars("abcdef", 3) == "...def");
    CHECK(tail_chars("abc", 3) == "abc");
    CHECK(tail_chars("", 3).empty());
}

TEST_CASE("tail_chars: never splits a UTF-8 sequence and counts characters, not bytes", "[engine][text][utf8]") {
    std::string snowmen;
    for (int i = 0; i < 10; ++i) snowmen += "\xE2\x98\x83";
    CHECK(tail_chars(snowmen, 2) == "...\xE2\x98\x83\xE2\x98\x83");
    CHECK(tail_chars("x\xF0\x9F\x9A\x80y", 2) == "...\xF0\x9F\x9A\x80y");
    // Stray bytes count one each and never swallow their neighbours.
    CHECK(tail_chars("ab\xFF\xFE", 2) == "...\xFF\xFE");
    CHECK(tail_chars("a\x80\x80\x80\x80\x80", 3) == "...\x80\x80\x80");
}

TEST_CASE("tail_chars: a long run of stray continuation bytes still yields n characters", "[engine][text][fuzz]") {
    // Found by fuzz_text (tests/data/fuzz/text/): the window used to skip the whole run and index
    // before the start of its list.
    auto input = r1::test::read_file(std::string(R1_SOURCE_DIR) + "/tests/data/fuzz/text/crash-da906f3e00e092a2986dc3d45bb28d2de9b4ef54");
    REQUIRE(input.size() == 19);
    std::string_view text = std::string_view(input).substr(1);  // byte 0 chose n = 3
    CHECK(tail_chars(text, 3) == "...\x9f\xf8\x03");
}

TEST_CASE("printable: drops ANSI colour and CR, masks other control bytes and bad UTF-8", "[engine][text]") {
    CHECK(printable("\x1b[1;31mred\x1b[0m\r\n") == "red\n");
    CHECK(printable("tab\tok") == "tab\tok");
    CHECK(printable(std::string("nul\0x", 5)) == "nul\xEF\xBF\xBDx");
    CHECK(printable("\xC3\xA9\xFF") == "\xC3\xA9\xEF\xBF\xBD");
    CHECK(printable("\x1b") == "");
    CHECK(printable("a\tb\nc", true) == "a b\xEF\xBF\xBD" "c");
}

TEST_CASE("parse_duration: reads Go-style durations and rejects the rest", "[engine][duration]") {
    CHECK(r1::engine::parse_duration("15s") == 15s);
    CHECK(r1::engine::parse_duration("500ms") == 500ms);
    CHECK(r1::engine::parse_duration("30m") == 30min);
    CHECK(r1::engine::parse_duration("1h30m") == 90min);
    CHECK(r1::engine::parse_duration("168h") == 168h);
    for (auto bad : {"", "15", "s", "-1s", "1.5s", "0s", "169h", "99999999999999999999s", "1d", "15 s", "1s "})
        CHECK_FALSE(r1::engine::parse_duration(bad));
    CHECK(r1::engine::format_duration(90min) == "1h30m");
    CHECK(r1::engine::format_duration(1500ms) == "1s500ms");
}

TEST_CASE("error: sentinels compare equal as boost and std error codes", "[engine][error]") {
    boost::system::error_code b = r1::error::flyctl_not_found;
    std::error_code s = r1::error::app_name_missing;
    CHECK(b == r1::error::flyctl_not_found);
    CHECK(b != r1::error::app_name_missing);
    CHECK(s == r1::error::app_name_missing);
    CHECK(std::error_code(b) == r1::error::flyctl_not_found);
    CHECK(std::error_code(r1::error::provider_unsupported) == r1::error::provider_unsupported);
    CHECK(std::string(b.category().name()) == "r1");
    CHECK(b.message().find("install it") != std::string::npos);
}

TEST_CASE("printable: C1 controls written as UTF-8 (U+009B CSI, U+009D OSC, U+009C ST) are masked",
          "[engine][text][security]") {
    CHECK(printable("a\xc2\x9b" "2J\xc2\x9d" "0;t\xc2\x9c" "b") == "a\xEF\xBF\xBD" "2J\xEF\xBF\xBD" "0;t\xEF\xBF\xBD" "b");
    CHECK(printable("\xc2\x80\xc2\x9f\xc2\xa0") == "\xEF\xBF\xBD\xEF\xBF\xBD\xc2\xa0");  // U+00A0 is a character
    CHECK(printable("\x9b" "31m") == "\xEF\xBF\xBD" "31m");                               // the raw 8-bit form
}

TEST_CASE("terminal_filter: text and colours pass, every other control is neutralised, cut anywhere",
          "[engine][text][terminal][security]") {
    const std::string in =
        "plain \x1b[31mred\x1b[0m \x1b[1;38;2;10;20;30mbold\x1b[m\n"      // SGR: kept
        "osc52 \x1b]52;c;cHduZWQ=\x07 title \x1b]0;owned\x1b\\ link \x1b]8;;https://x\x1b\\here\x1b]8;;\x1b\\\n"
        "c1 \xc2\x9b" "2J \x9b" "31m csi \x1b[2J\x1b[H\x1b[?1049h bell\x07 bs\x08 so\x0e reset\x1b" "c\n"
        "dcs \x1bP1$r0m\x1b\\ charset \x1b(0 apc \x1b_x\x1b\\ ok \xe2\x9c\x93\r\n"
        "unterminated \x1b]0;swallow\nnext line survives\n";
    const std::string want =
        "plain \x1b[31mred\x1b[0m \x1b[1;38;2;10;20;30mbold\x1b[m\n"
        "osc52  title  link here\n"
        "c1 \xEF\xBF\xBD" "2J \xEF\xBF\xBD" "31m csi  bell bs so reset\n"
        "dcs  charset  apc  ok \xe2\x9c\x93\r\n"
        "unterminated \nnext line survives\n"
        "\x1b[0m";  // colours were passed: reset at the end
    r1::engine::terminal_filter whole;
    auto got = whole.feed(in);
    got += whole.finish();
    CHECK(got == want);
    for (std::size_t cut = 0; cut <= in.size(); ++cut) {
        r1::engine::terminal_filter f;
        auto streamed = f.feed(std::string_view(in).substr(0, cut));
        streamed += f.feed(std::string_view(in).substr(cut));
        streamed += f.finish();
        INFO("cut at " << cut);
        CHECK(streamed == want);
    }
    r1::engine::terminal_filter plain;
    CHECK(plain.feed("no colour\n") + std::string() == "no colour\n");
    CHECK(plain.finish().empty());  // nothing to reset
}
