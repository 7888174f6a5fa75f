// --junit stays well-formed XML 1.0 whatever a provider CLI prints: every character class XML 1.0
// forbids (C0 controls but tab, newline and CR; U+FFFE and U+FFFF; surrogates, which arrive as
// invalid UTF-8) is replaced, checked code point by code point and by a real XML parser.
#include "tests/support/fake_flyctl.hpp"
#include "tests/support/processes.hpp"
#include "tests/support/r1_process.hpp"

#include <catch2/catch.hpp>

#include <cstdlib>
#include <optional>
#include <string>

#include <sys/stat.h>

using r1::test::read_file;
using r1::test::run_r1;
using r1::test::temp_dir;
using r1::test::write_file;

namespace {

/// The code points of `s`, or nullopt (with the offset) where it is not well-formed UTF-8.
std::optional<std::u32string> decode(const std::string& s, std::size_t& bad_at) {
    std::u32string out;
    for (std::size_t i = 0; i < s.size();) {
        auto c = static_cast<unsigned char>(s[i]);
        std::size_t len = c < 0x80 ? 1 : (c >> 5) == 6 ? 2 : (c >> 4) == 14 ? 3 : (c >> 3) == 30 ? 4 : 0;
        bad_at = i;
        if (len == 0 || i + len > s.size()) return std::nullopt;
        char32_t cp = len == 1 ? c : len == 2 ? c & 0x1F : len == 3 ? c & 0x0F : c & 0x07;
        for (std::size_t k = 1; k < len; ++k) {
            auto cc = static_cast<unsigned char>(s[i + k]);
            if ((cc & 0xC0) != 0x80) return std::nullopt;
            cp = (cp << 6) | (cc & 0x3F);
        }
        static constexpr char32_t least[] = {0, 0, 0x80, 0x800, 0x10000};
        if (cp < least[len] || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) return std::nullopt;
        out.push_back(cp);
        i += len;
    }
    return out;
}

/// XML 1.0 (Fifth Edition) section 2.2: Char ::= #x9 | #xA | #xD | [#x20-#xD7FF] | [#xE000-#xFFFD] |
/// [#x10000-#x10FFFF].
bool xml_char(char32_t c) {
    return c == 0x9 || c == 0xA || c == 0xD || (c >= 0x20 && c <= 0xD7FF) || (c >= 0xE000 && c <= 0xFFFD) ||
           (c >= 0x10000 && c <= 0x10FFFF);
}

}  // namespace

TEST_CASE("r1 deploy --batch --junit: every character class XML 1.0 forbids is replaced, the file parses",
          "[cli][security][junit]") {
    temp_dir dir;
    // One line per class on stderr (the failure's message and body), the last one also in the
    // error line r1 quotes. printf's octal escapes write the raw bytes.
    write_file(dir / "flyctl-bytes",
               std::string("#!/bin/sh\n") + r1::test::flyctl_queries_sh +
               "printf 'nul [\\000] c0 [\\001\\002\\003\\004\\005\\006\\007\\010\\013\\014\\016\\017\\020\\021\\022\\023"
               "\\024\\025\\026\\027\\030\\031\\032\\033\\034\\035\\036\\037] del [\\177]\\n' >&2\n"
               "printf 'nonchars [\\357\\277\\276] [\\357\\277\\277]\\n' >&2\n"
               "printf 'surrogates [\\355\\240\\200] [\\355\\277\\277] [\\355\\260\\200]\\n' >&2\n"
               "printf 'invalid [\\300\\200] [\\200] [\\370\\210\\200\\200\\200] [\\364\\220\\200\\200] [\\377]\\n' >&2\n"
               "printf 'c1 [\\302\\200] [\\302\\233] [\\302\\237]\\n' >&2\n"
               "printf 'kept [\\t] [\\360\\237\\232\\200] [\\356\\200\\200] [\\357\\277\\275] [<&>\"]\\n' >&2\n"
               "printf 'Error: failed [\\357\\277\\276\\001\\355\\240\\200]\\n' >&2\n"
               "exit 1\n");
    ::chmod((dir / "flyctl-bytes").c_str(), 0755);
    write_file(dir / "fleet.toml", "[defaults]\nflyctl = \"" + (dir / "flyctl-bytes").string() +
                                       "\"\nretries = 0\n[[app]]\nname = \"api\"\n");
    auto junit = dir / "junit.xml";
    auto r = run_r1({.args = {"deploy", "--batch", (dir / "fleet.toml").string(), "--junit", junit.string()}});
    CHECK(r.exit_code == 3);
    auto xml = read_file(junit);
    INFO(xml);
    REQUIRE(xml.find("<failure") != std::string::npos);
    std::size_t bad_at = 0;
    auto code_points = decode(xml, bad_at);
    INFO("first byte that is not well-formed UTF-8: " << bad_at);
    REQUIRE(code_points);
    for (std::size_t i = 0; i < code_points->size(); ++i) {
        if (xml_char((*code_points)[i])) continue;
        INFO("code point " << static_cast<unsigned long>((*code_points)[i]) << " at character " << i);
        CHECK(xml_char((*code_points)[i]));
    }
    // What XML allows survives: a tab, a character outside the BMP, a private-use one, U+FFFD,
    // and markup characters, escaped.
    CHECK(xml.find("kept [\t] [\xF0\x9F\x9A\x80] [\xEE\x80\x80] [\xEF\xBF\xBD] [&lt;&amp;&gt;&quot;]") !=
          std::string::npos);
    // A real XML 1.0 parser (expat, through Python) takes the file.
    auto cmd = "python3 -c 'import sys, xml.dom.minidom; xml.dom.minidom.parse(sys.argv[1])' " + junit.string();
    CHECK(std::system(cmd.c_str()) == 0);
}
