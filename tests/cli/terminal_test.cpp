// What reaches a terminal: r1 never echoes an argument, a path or a server's words raw, and a
// provider CLI's streamed output cannot drive the terminal (clipboard writes, titles, screen
// clears, cursor moves); only its colours survive.
#include "tests/support/fake_flyctl.hpp"
#include "tests/support/processes.hpp"
#include "tests/support/r1_process.hpp"
#include "tests/support/test_pki.hpp"

#include <catch2/catch.hpp>

#include <cstdio>
#include <string>
#include <vector>

#include <sys/stat.h>

using r1::test::fake_flyctl;
using r1::test::refused_http_url;
using r1::test::run_r1;
using r1::test::temp_dir;

namespace {

// OSC 52 (write the clipboard), a title, C1 CSI written as UTF-8 (U+009B) and as a raw byte,
// U+009D (OSC) and U+009C (ST), BEL, a colour and a screen clear.
const std::string hostile = "x\x1b]52;c;cHduZWQ=\x07y\xc2\x9b" "2J\x1b]0;owned\x1b\\z\xc2\x9d" "0;t\xc2\x9c\x9b" "31m\x1b[2J";

/// Bytes that drive a terminal: C0 controls but tab and newline, DEL, and C1 controls, raw or as
/// UTF-8 (U+0080..U+009F). Returns their offsets, empty when there are none.
std::string terminal_controls_in(const std::string& text) {
    std::string found;
    for (std::size_t i = 0; i < text.size();) {
        auto c = static_cast<unsigned char>(text[i]);
        std::size_t len = c < 0x80 ? 1 : (c >> 5) == 0x6 ? 2 : (c >> 4) == 0xE ? 3 : (c >> 3) == 0x1E ? 4 : 0;
        bool whole = len > 0 && i + len <= text.size();
        for (std::size_t k = 1; whole && k < len; ++k) whole = (static_cast<unsigned char>(text[i + k]) & 0xC0) == 0x80;
        if (!whole) {  // a byte outside a UTF-8 sequence: 0x80..0x9F is a raw C1 control
            if (c >= 0x80 && c <= 0x9F) found += std::to_string(i) + " ";
            ++i;
            continue;
        }
        bool control = len == 1 ? (c < 0x20 && c != '\n' && c != '\t') || c == 0x7F
                                : len == 2 && c == 0xC2 && static_cast<unsigned char>(text[i + 1]) <= 0x9F;
        if (control) found += std::to_string(i) + " ";
        i += len;
    }
    return found;
}

/// An argument as a test log may show it: every byte outside printable ASCII as \\xNN.
std::string escaped(const std::string& text) {
    std::string out;
    for (unsigned char c : text) {
        if (c >= 0x20 && c < 0x7F) {
            out += static_cast<char>(c);
        } else {
            char buf[8];
            std::snprintf(buf, sizeof buf, "\\x%02x", c);
            out += buf;
        }
    }
    return out;
}

}  // namespace

TEST_CASE("r1: no argument, path or server text reaches stdout or stderr with terminal controls in it",
          "[cli][security][terminal]") {
    temp_dir dir;
    fake_flyctl fly;
    const std::string h = hostile;
    const std::string url = refused_http_url();
    auto with_fly = [&](std::vector<std::string> extra) {
        std::vector<std::string> a{"deploy", "--app", "demo-app", "--flyctl", fly.path(), "--health-url", url};
        a.insert(a.end(), extra.begin(), extra.end());
        return a;
    };
    const std::vector<std::vector<std::string>> runs = {
        {"deploy", "--app", h},
        {"deploy", "--app", "demo-app", "--region", h},
        {"deploy", "--app", "demo-app", "--image", h},
        {"deploy", "--app", "demo-app", "--provider", h},
        {"deploy", "--app", "demo-app", "--flyctl", h, "--health-url", url},
        {"deploy", "--app", "demo-app", "--flyctl", (dir / h).string(), "--health-url", url},
        with_fly({"--dir", h}),
        with_fly({"--dir", (dir / h).string()}),
        {"deploy", "--app", "demo-app", "--health-url", h},
        {"deploy", "--verify-only", "--health-url", "http://127.0.0.1:1/" + h},
        {"deploy", "--verify-only", "--health-url", url, "--expected-body", h},
        {"deploy", "--verify-only", "--health-url", url, "--ca-file", h},
        {"deploy", "--verify-only", "--health-url", url, "--ca-file", (dir / h).string()},
        {"deploy", "--app", "demo-app", "--timeout", h},
        {"deploy", "--app", "demo-app", "--deploy-timeout", h},
        {"deploy", "--app", "demo-app", "--retries", h},
        {"deploy", "--app", "demo-app", "--retry-budget", h},
        {"deploy", "--app", "demo-app", "--output", h},
        {"deploy", h},
        {"deploy", "--" + h},
        {"deploy", "--" + h + "=1"},
        {h},
        {"deploy", "--batch", h},
        {"deploy", "--batch", (dir / h).string()},
        {"verify", h},
        {"verify", url, "--report", h},
        {"verify", url, "--report", (dir / h / "r.json").string()},
        {"verify", url, "--junit", (dir / h / "j.xml").string()},
        {"verify", url, "--log-dir", (dir / "file" / h).string()},
        {"verify", url, "--concurrency", h},
        {"classify", h},
        {"classify", "--lines", h},
        {"verify", url, "--browser", "--chromium", h},
        {"verify", url, "--browser", "--chromium", (dir / h).string()},
        {"deploy", "--verify-only", "--health-url", url, "--browser", "--browser-url", h},
        {"deploy", "--verify-only", "--health-url", url, "--browser-timeout", h},
        {"deploy", "--batch", (dir / (h + ".toml")).string()},
        {"deploy", "--batch", (dir / "hostile-values.toml").string()},
        {"verify", "--batch", (dir / "hostile-values.toml").string()},
        {"deploy", "--batch", (dir / "hostile-values.toml").string(), "--shard", h},
        {"verify", "--batch", (dir / "hostile-values.toml").string(), "--shard", "1/" + h},
        {"deploy", "--batch", (dir / "hostile-values.toml").string(), "--waves", h},
        {"deploy", "--batch", (dir / "hostile-values.toml").string(), "--canary", h},
        {"deploy", "--batch", (dir / "hostile-values.toml").string(), "--max-failures", h},
        {"deploy", "--batch", (dir / "hostile-values.toml").string(), "--region-concurrency", h},
        {"deploy", "--batch", (dir / "hostile-region.toml").string()},
        {"report", "merge", h},
        {"report", "merge", (dir / h).string()},
        {"report", "merge", (dir / (h + ".json")).string()},
        {"report", "merge", (dir / "file").string(), "--report", (dir / h / "m.json").string()},
    };
    r1::test::write_file(dir / "file", "a file where a directory is needed");
    r1::test::write_file(dir / (h + ".toml"), "[[app]]\nname = \"Not Valid\"\nbogus = 1\n");
    r1::test::write_file(dir / (h + ".json"), "{\"r1_version\": 1,\n oops}\n");  // r1 report merge: not JSON
    // TOML escapes put the same controls into a manifest's values.
    const std::string t = "x\\u001b]52;c;cHduZWQ=\\u0007y\\u009b2J\\u001b[2J";
    r1::test::write_file(dir / "hostile-values.toml",
                         "[defaults]\nflyctl = \"" + fly.path() + "\"\nhealth_url = \"" + url + "\"\nretries = 0\n"
                         "[[app]]\nname = \"dir-app\"\ndir = \"" + t + "\"\n"
                         "[[app]]\nname = \"fly-app\"\nflyctl = \"" + t + "\"\n"
                         "[[app]]\nname = \"body-app\"\nexpected_body = \"" + t + "\"\n");
    // A [region.CODE] table naming a region no app deploys to: refused, with the regions named.
    r1::test::write_file(dir / "hostile-region.toml", "[region.\"" + t + "\"]\nconcurrency = 1\n"
                                                      "[[app]]\nname = \"web\"\nregion = \"" + t + "y\"\n");
    for (const auto& args : runs) {
        std::string shown;
        for (const auto& a : args) shown += escaped(a) + " ";
        INFO("r1 " << shown);
        auto r = run_r1({.args = args, .env = {{"FAKE_FLY_RECORD", fly.record_dir()}}, .cwd = dir.path().string()});
        CHECK(r.exit_code != 0);
        CHECK(terminal_controls_in(r.out).empty());
        CHECK(terminal_controls_in(r.err).empty());
    }
}

namespace {

/// A stand-in flyctl whose build log tries to drive the terminal, then deploys fine.
std::string escaping_flyctl(const temp_dir& dir) {
    auto path = dir / "flyctl-escapes";
    r1::test::write_file(path, std::string("#!/bin/sh\n") + r1::test::flyctl_queries_sh +
                               "printf '==> Building \\033[31mred\\033[0m image\\n'\n"
                               "printf 'clipboard \\033]52;c;cHduZWQ=\\007 title \\033]0;owned\\033\\\\ done\\n' >&2\n"
                               "printf 'c1 \\302\\2332J raw \\2331;1H clear \\033[2J\\033[H bell \\007 reset \\033c\\n'\n"
                               "printf 'unterminated \\033]0;gone\\nvisible again\\n'\n"
                               "exit 0\n");
    ::chmod(path.c_str(), 0755);
    return path.string();
}

}  // namespace

TEST_CASE("r1 deploy: flyctl's output streamed to a terminal keeps its colours and loses every other control",
          "[cli][security][terminal]") {
    temp_dir dir;
    r1::test::r1_options o{.args = {"deploy", "--app", "demo-app", "--flyctl", escaping_flyctl(dir), "--retries", "0",
                                    "--health-url", refused_http_url()}};
    SECTION("stderr is a terminal") {
        o.stderr_terminal = true;
        auto r = run_r1(o);
        INFO(escaped(r.err));
        CHECK(r.exit_code == 1);
        CHECK(r.err.find("==> Building \x1b[31mred\x1b[0m image\n") != std::string::npos);
        CHECK(r.err.find("clipboard  title  done\n") != std::string::npos);
        CHECK(r.err.find("c1 \xEF\xBF\xBD" "2J raw \xEF\xBF\xBD" "1;1H clear  bell  reset \n") != std::string::npos);
        CHECK(r.err.find("unterminated \nvisible again\n") != std::string::npos);
        // Outside the kept colours, nothing that drives a terminal.
        std::string rest = r.err;
        for (std::string sgr : {"\x1b[31m", "\x1b[0m"})
            for (auto at = rest.find(sgr); at != std::string::npos; at = rest.find(sgr)) rest.erase(at, sgr.size());
        CHECK(terminal_controls_in(rest).empty());
    }
    SECTION("stderr is a file: the log is kept as flyctl wrote it") {
        auto r = run_r1(o);
        CHECK(r.exit_code == 1);
        CHECK(r.err.find("clipboard \x1b]52;c;cHduZWQ=\x07 title \x1b]0;owned\x1b\\ done\n") != std::string::npos);
    }
}
