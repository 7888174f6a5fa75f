#include "engine/duration.hpp"
#include "engine/error.hpp"
#include "engine/text.hpp"
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
