// Smaller hardening of what r1 reads and passes on: a TOML number past 64 bits, a verdict reached
// over plain HTTP after an https redirect, the open-file limit a provider CLI starts with.
#include "tests/support/fake_flyctl.hpp"
#include "tests/support/processes.hpp"
#include "tests/support/r1_process.hpp"
#include "tests/support/test_pki.hpp"
#include "tests/support/tls_server.hpp"

#include <catch2/catch.hpp>

#include <string>

#include <sys/resource.h>

using r1::test::fake_flyctl;
using r1::test::read_file;
using r1::test::run_r1;
using r1::test::temp_dir;
using r1::test::write_file;

TEST_CASE("r1 deploy --batch: a whole number past 64 bits is 'number too large', not wrapped round",
          "[cli][security][manifest]") {
    temp_dir dir;
    // 18446744073709551620 = 2^64 + 4: main read it as retries = 4.
    auto value = GENERATE(as<std::string>{}, "18446744073709551620", "9223372036854775808", "99999999999999999999999");
    write_file(dir / "fleet.toml", "[[app]]\nname = \"api\"\nretries = " + value + "\n");
    auto r = run_r1({.args = {"deploy", "--batch", (dir / "fleet.toml").string(), "--dry-run"}});
    CHECK(r.exit_code == 2);
    CHECK(r.err.starts_with("r1: error: " + (dir / "fleet.toml").string() + ":3: "));
    CHECK(r.err.find("number too large") != std::string::npos);
    CHECK(r.err.ends_with("r1: error: 1 problem in " + (dir / "fleet.toml").string() + "; nothing was started\n"));
    CHECK(r.out.empty());
}

TEST_CASE("r1: a redirect from https to plain http is refused unless --allow-insecure-redirects says otherwise",
          "[cli][security][redirect]") {
    r1::test::tls_server server;
    temp_dir dir;
    const auto url = server.https_url("/to-http");
    const std::string refused = "health check: GET " + url + ": refused the redirect from https to " +
                                server.http_url("/ok") + " (--allow-insecure-redirects permits it)";
    SECTION("r1 deploy --verify-only") {
        auto r = run_r1({.args = {"deploy", "--verify-only", "--health-url", url, "--ca-file", r1::test::ca_path()}});
        CHECK(r.exit_code == 1);
        CHECK(r.out == refused + "\n");
        CHECK(server.requests().size() == 1);
        auto allowed = run_r1({.args = {"deploy", "--verify-only", "--health-url", url, "--ca-file", r1::test::ca_path(),
                                        "--allow-insecure-redirects"}});
        CHECK(allowed.exit_code == 0);
    }
    SECTION("r1 verify, the flag and the manifest key") {
        auto r = run_r1({.args = {"verify", url, "--ca-file", r1::test::ca_path(), "--output", "json"}});
        CHECK(r.exit_code == 1);
        CHECK(r.out.find("refused the redirect from https to") != std::string::npos);
        auto flag = run_r1({.args = {"verify", url, "--ca-file", r1::test::ca_path(), "--allow-insecure-redirects"}});
        CHECK(flag.exit_code == 0);
        write_file(dir / "fleet.toml", "[[app]]\nname = \"api\"\nhealth_url = \"" + url +
                                           "\"\nallow_insecure_redirects = true\n[[app]]\nname = \"web\"\nhealth_url = \"" +
                                           url + "\"\n");
        auto manifest = run_r1({.args = {"verify", "--batch", (dir / "fleet.toml").string(), "--ca-file",
                                         r1::test::ca_path(), "--output", "json"}});
        INFO(manifest.out);
        CHECK(manifest.exit_code == 1);  // web refused, api allowed
        CHECK(manifest.out.find("\"app\":\"api\",\"provider\":\"fly\",\"url\":\"" + url + "\",\"status\":\"ok\"") !=
              std::string::npos);
    }
}
