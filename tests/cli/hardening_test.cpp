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
    CHECK(r.err == "r1: error: " + (dir / "fleet.toml").string() + ":3: retries: number too large\nr1: error: 1 problem in " +
                       (dir / "fleet.toml").string() + "; nothing was started\n");
    CHECK(r.out.empty());
}
