#include "engine/redact/redact.hpp"
#include "providers/registry.hpp"

#include "tests/support/processes.hpp"

#include <catch2/catch.hpp>

#include <algorithm>
#include <string>
#include <vector>

using r1::engine::redactor;
using r1::engine::stream_scrubber;

namespace {

/// A redactor with the token formats r1 installs at start-up: every provider's, from the registry.
redactor with_provider_formats(std::vector<std::string> exact = {}) {
    return redactor{std::move(exact), r1::providers::registry::builtin().secret_formats().token_prefixes};
}

const std::string macaroon = "fm2_lJPECAAAAAAAAMfakeTOKENvalue0123456789+/abcdEFGH==";
const std::string macaroon2 = "fm2_lJPEsecondMacaroonZZZZ0987654321abcdefgh==";
const std::string pat = "fo1_Abc-def_GHI0123456789jklmnopQRSTuvwxyz01234";

std::string build_log() { return r1::test::read_file(std::string(R1_SOURCE_DIR) + "/tests/data/redact/build.log"); }

/// feed() at the given cuts, then finish(): what a child's pipe would deliver.
std::string streamed(const redactor& r, std::string_view text, std::vector<std::size_t> cuts) {
    stream_scrubber s{r};
    std::string out;
    std::size_t at = 0;
    for (auto c : cuts) {
        out += s.feed(text.substr(at, c - at));
        at = c;
    }
    out += s.feed(text.substr(at));
    return out + s.finish();
}

}  // namespace

TEST_CASE("redactor: masks fly.io tokens bare, in FlyV1 and Bearer headers, and comma-joined", "[engine][redact]") {
    auto r = with_provider_formats();
    CHECK(r.scrub("token " + pat + " ok\n") == "token [redacted] ok\n");
    CHECK(r.scrub(macaroon + "\n") == "[redacted]\n");
    CHECK(r.scrub("fm1_" + pat.substr(4)) == "[redacted]");
    CHECK(r.scrub(macaroon + "," + macaroon2 + "\n") == "[redacted],[redacted]\n");
    CHECK(r.scrub("Authorization: FlyV1 " + macaroon + "," + macaroon2 + "\r\n") == "Authorization: FlyV1 [redacted]\r\n");
    CHECK(r.scrub("authorization: bearer eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxIn0.sig_-abc\n") ==
          "authorization: bearer [redacted]\n");
    CHECK(r.scrub("DEBUG --> GET https://api.fly.io/graphql\nAuthorization: Bearer " + pat + "\n") ==
          "DEBUG --> GET https://api.fly.io/graphql\nAuthorization: Bearer [redacted]\n");
    SECTION("short or word-embedded shapes are left alone") {
        CHECK(r.scrub("fm2_short fo1_ Bearer token Bearer realm=\"api\"") == "fm2_short fo1_ Bearer token Bearer realm=\"api\"");
        CHECK(r.scrub("info1_handler_function_long_name") == "info1_handler_function_long_name");
    }
}

TEST_CASE("redactor: masks Vercel and Cloudflare token shapes but keeps git SHAs and bare hex", "[engine][redact]") {
    auto r = with_provider_formats();
    CHECK(r.scrub("vcp_1A2b3C4d5E6f7G8h9I0j1K2l3M") == "[redacted]");
    CHECK(r.scrub("key cfut_abcdefghijklmnopqrstuvwxyz0123456789ABCDabcd.") == "key [redacted].");
    CHECK(r.scrub("cfat_abcdefghijklmnopqrstuvwxyz0123456789ABCD cfk_abcdefghijklmnopqrstuvwxyz0123456789") ==
          "[redacted] [redacted]");
    const std::string sha_line = "HEAD is now at 3f2a9c1e0b7d5a6c4e8f9a0b1c2d3e4f5a6b7c8d (deploy: fix)\n";
    CHECK(r.scrub(sha_line) == sha_line);
    const std::string old_cf = "id 0123456789abcdef0123456789abcdef01234567 and Abc123Def456Ghi789Jkl012Mno345Pqr678Stu9\n";
    CHECK(r.scrub(old_cf) == old_cf);  // unprefixed tokens: only the exact-value and NAME rules know them
}

TEST_CASE("redactor: masks the value of NAME=value, NAME: value and JSON/YAML pairs named like secrets",
          "[engine][redact]") {
    redactor r;
    CHECK(r.scrub("FLY_API_TOKEN=abc123\nHOME=/root\n") == "FLY_API_TOKEN=[redacted]\nHOME=/root\n");
    CHECK(r.scrub("export DB_PASSWORD='p@ss word'") == "export DB_PASSWORD='[redacted]'");
    CHECK(r.scrub("{\"access_token\": \"abc\", \"apiKey\":\"k\", \"name\": \"demo\"}") ==
          "{\"access_token\": \"[redacted]\", \"apiKey\":\"[redacted]\", \"name\": \"demo\"}");
    CHECK(r.scrub("  secret_key_base: 0123abcd\n  region: iad\n") == "  secret_key_base: [redacted]\n  region: iad\n");
    CHECK(r.scrub("X-Api-Key: 12345\n") == "X-Api-Key: [redacted]\n");
    CHECK(r.scrub("PRIVATE_KEY = \"-----BEGIN\"\n") == "PRIVATE_KEY = \"[redacted]\"\n");
    CHECK(r.scrub("aws_access_key_id=AKIAEXAMPLE") == "aws_access_key_id=[redacted]");
    CHECK(r.scrub("GET /cb?access_token=abc&state=1 HTTP/1.1") == "GET /cb?access_token=[redacted] HTTP/1.1");
    SECTION("a scheme before the credential stays readable") {
        CHECK(r.scrub("FLY_API_TOKEN=FlyV1 fm2_a,fm2_b\n") == "FLY_API_TOKEN=FlyV1 [redacted]\n");
        CHECK(r.scrub("auth_token: Bearer abc\n") == "auth_token: Bearer [redacted]\n");
    }
    SECTION("the value stops where JSON, XML or a colour code would break") {
        CHECK(r.scrub("\x1b[32mTOKEN=abc\x1b[0m") == "\x1b[32mTOKEN=[redacted]\x1b[0m");
        CHECK(r.scrub("<failure>token=abc</failure>") == "<failure>token=[redacted]</failure>");
        CHECK(r.scrub("\"detail\":\"token=abc\\\"x\"") == "\"detail\":\"token=[redacted]\\\"x\"");
    }
    SECTION("names that only contain a secret word keep their values") {
        for (const std::string& keep : std::vector<std::string>{"Collecting tokenizers==0.13.3\n", "tokens: 5\n", "passwords_checked=3\n",
                                 "secretary=bob\n", "key=value\n", "TOKEN=\n", "password: \n", "see http://x:80/"})
            CHECK(r.scrub(keep) == keep);
    }
}

TEST_CASE("redactor: exact values are masked anywhere; short, repeated or mask-like values are ignored",
          "[engine][redact]") {
    redactor r{{"hunter2-correct-horse", "1", "short7!", "aaaaaaaaaa", "redacted", "[redacted]", "s3cr3t-value"}};
    CHECK(r.exact_values() == std::vector<std::string>{"hunter2-correct-horse", "s3cr3t-value"});
    CHECK(r.scrub("pw=xhunter2-correct-horsex; s3cr3t-value.") == "pw=x[redacted]x; [redacted].");
    CHECK(r.scrub("1 1 short7! aaaaaaaaaa redacted") == "1 1 short7! aaaaaaaaaa redacted");
    SECTION("the longest value wins where two start at one place") {
        redactor nested{{"abcdefgh", "abcdefghijkl"}};
        CHECK(nested.scrub("xabcdefghijklx abcdefghx") == "x[redacted]x [redacted]x");
    }
}

TEST_CASE("redactor: a real build log with no secret passes byte for byte", "[engine][redact]") {
    auto log = build_log();
    REQUIRE(log.size() > 100'000);
    redactor r{{"hunter2-correct-horse", "s3cr3t-value"}};
    CHECK(r.scrub(log) == log);
    CHECK(streamed(r, log, {1, 4096, 4097, 50'000}) == log);
}

TEST_CASE("redactor: secrets planted in a real build log change only the planted spans", "[engine][redact]") {
    auto log = build_log();
    const std::string exact = "hunter2-correct-horse";
    auto r = with_provider_formats({exact});
    // (what is planted, what it must become), at the end of every 50th line.
    const std::vector<std::pair<std::string, std::string>> plants = {
        {" " + exact, " [redacted]"},
        {" " + macaroon + "," + macaroon2, " [redacted],[redacted]"},
        {" Authorization: FlyV1 " + macaroon, " Authorization: FlyV1 [redacted]"},
        {" Authorization: Bearer " + pat, " Authorization: Bearer [redacted]"},
        {" FLY_API_TOKEN=" + exact, " FLY_API_TOKEN=[redacted]"},
        {" {\"access_token\": \"plainvalue\"}", " {\"access_token\": \"[redacted]\"}"},
    };
    std::string planted, expected;
    std::size_t line = 0, at = 0;
    while (at < log.size()) {
        auto nl = log.find('\n', at);
        auto end = nl == std::string::npos ? log.size() : nl;
        planted.append(log, at, end - at);
        expected.append(log, at, end - at);
        if (++line % 50 == 0) {
            const auto& [plant, masked] = plants[(line / 50) % plants.size()];
            planted += plant;
            expected += masked;
        }
        if (nl == std::string::npos) break;
        planted += '\n';
        expected += '\n';
        at = nl + 1;
    }
    REQUIRE(line > 1000);
    CHECK(r.scrub(planted) == expected);
    CHECK(streamed(r, planted, {7, 8191, 8192, 65'536, 65'540}) == expected);
}

TEST_CASE("redactor: scrubbing scrubbed text changes nothing", "[engine][redact]") {
    auto r = with_provider_formats({"hunter2-correct-horse"});
    for (const std::string& text : std::vector<std::string>{
             "Authorization: FlyV1 " + macaroon + "," + macaroon2, "TOKEN=Bearer abc", "x hunter2-correct-horsefm2_" + pat,
          "{\"password\": \"pw\"}", "a_token: 'v' b_secret=\"w\""}) {
        auto once = r.scrub(text);
        CHECK(once != text);
        CHECK(r.scrub(once) == once);
    }
}

TEST_CASE("stream_scrubber: gives what scrub gives, wherever the stream is cut", "[engine][redact][stream]") {
    auto r = with_provider_formats({"hunter2-correct-horse"});
    const std::string text = "a hunter2-correct-horse b\nAuthorization: FlyV1 " + macaroon + "," + macaroon2 +
                             "\nFLY_API_TOKEN=xyz \"api_key\": \"k\" " + pat + " fo1_short\n";
    const auto whole = r.scrub(text);
    for (std::size_t a = 0; a <= text.size(); ++a) {
        for (std::size_t b = a; b <= text.size(); b += 7) {
            INFO("cuts at " << a << " and " << b);
            REQUIRE(streamed(r, text, {a, b}) == whole);
        }
    }
    std::vector<std::size_t> every_byte;
    for (std::size_t k = 1; k < text.size(); ++k) every_byte.push_back(k);
    CHECK(streamed(r, text, every_byte) == whole);
}

TEST_CASE("stream_scrubber: holds back only a possible secret's start, so long lines stay live and memory bounded",
          "[engine][redact][stream]") {
    auto r = with_provider_formats({"hunter2-correct-horse"});
    stream_scrubber s{r};
    const std::string block(64 * 1024, 'o');
    std::size_t out = 0;
    for (int k = 0; k < 16; ++k) {  // a megabyte on one line: passed on as it comes
        out += s.feed(block).size();
        CHECK(s.held_bytes() == 0);
    }
    CHECK(out == 16 * block.size());
    CHECK(s.feed("compiling hunter2-cor").size() == std::string_view("compiling ").size());
    CHECK(s.held_bytes() == std::string_view("hunter2-cor").size());
    CHECK(s.feed("rect-horse done") == "[redacted] done");
    CHECK(s.feed("FLY_API_TOKEN=" + std::string(1 << 20, 'v')) == "FLY_API_TOKEN=[redacted]");
    CHECK(s.held_bytes() == 0);  // a long secret is swallowed as it comes, not buffered
    CHECK(s.feed(std::string(1 << 20, 'v') + " after") == " after");
    CHECK(s.feed("Authorization: Bear") == "Authorization: ");
    CHECK(s.finish() == "Bear");
}

TEST_CASE("secret_values_from: secret-looking names only, with FlyV1 macaroons split", "[engine][redact][env]") {
    std::string fly = "FLY_API_TOKEN=FlyV1 " + macaroon + "," + macaroon2;
    const char* env[] = {fly.c_str(), "HOME=/home/someone-long", "VERCEL_TOKEN=vercel-token-123",
                         "CLOUDFLARE_API_TOKEN=cf-token-4567890", "MY_PASSWORD=1", "db_secret=s3cr3t-value",
                         "PATH=/usr/bin:/bin", "GH_ACCESS_KEY=AKIA12345678", nullptr};
    redactor r{r1::engine::secret_values_from(env)};
    auto has = [&](const std::string& v) {
        return std::find(r.exact_values().begin(), r.exact_values().end(), v) != r.exact_values().end();
    };
    CHECK(has(macaroon + "," + macaroon2));
    CHECK_FALSE(has(fly.substr(14)));  // the scheme is left to the FlyV1 rule, so it stays readable
    CHECK(has(macaroon));
    CHECK(has(macaroon2));
    CHECK(has("vercel-token-123"));
    CHECK(has("cf-token-4567890"));
    CHECK(has("s3cr3t-value"));
    CHECK(has("AKIA12345678"));
    CHECK_FALSE(has("/home/someone-long"));
    CHECK_FALSE(has("1"));
    CHECK(r1::engine::env_name_looks_secret("fly_access_token"));
    CHECK_FALSE(r1::engine::env_name_looks_secret("PATH"));
}

TEST_CASE("redactor: an exact value outlasting the rule that fired first is masked whole, cut anywhere",
          "[engine][redact][stream]") {
    const std::string password = "correct horse battery staple";
    const std::string token = "abcdefghijklmnop!uvwxyz0123456789";
    const std::string quoted = "'quoted from .env' x";
    redactor r{{password, token, quoted}};
    const std::vector<std::pair<std::string, std::string>> cases = {
        {"DB_PASSWORD=" + password + "\n", "DB_PASSWORD=[redacted]\n"},
        {"Authorization: Bearer " + token + " ok\n", "Authorization: Bearer [redacted] ok\n"},
        {"Bearer " + token + "\n", "Bearer [redacted]\n"},
        {"api_key: " + quoted + "\n", "api_key: [redacted]\n"},  // the quote is the value's own
        {"X-Api-Key: [redacted](sent)\n", "X-Api-Key: [redacted](sent)\n"},  // a mask stays a mask
    };
    for (const auto& [in, want] : cases) {
        INFO(in);
        CHECK(r.scrub(in) == want);
        CHECK(r.scrub(want) == want);
        for (std::size_t cut = 1; cut < in.size(); ++cut) CHECK(streamed(r, in, {cut}) == want);
        std::vector<std::size_t> every;
        for (std::size_t cut = 1; cut < in.size(); ++cut) every.push_back(cut);
        CHECK(streamed(r, in, every) == want);
    }
}

TEST_CASE("secret_values_from: a value with a trailing CR, blank or tab is masked with and without it",
          "[engine][redact][env]") {
    const char* envp[] = {"FLY_API_TOKEN=crlf-token-value-0123456789\r", "DB_PASSWORD=trailing-blank-pw \t", nullptr};
    redactor r{r1::engine::secret_values_from(envp)};
    CHECK(r.scrub("token: crlf-token-value-0123456789\n") == "token: [redacted]\n");
    CHECK(r.scrub("crlf-token-value-0123456789\r\n") == "[redacted]\n");
    CHECK(r.scrub("pw is trailing-blank-pw.\n") == "pw is [redacted].\n");
}
