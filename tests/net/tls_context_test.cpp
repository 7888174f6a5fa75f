#include "net/tls_context.hpp"

#include "tests/support/processes.hpp"
#include "tests/support/test_pki.hpp"

#include <catch2/catch.hpp>

using r1::net::make_tls_context;

TEST_CASE("tls_context: builds with the system store alone and with an extra CA file", "[net][tls_context]") {
    CHECK(make_tls_context().has_value());
    CHECK(make_tls_context(r1::test::pki().ca_file.string()).has_value());
}

TEST_CASE("tls_context: names the CA file it cannot load and why", "[net][tls_context][ca_file]") {
    r1::test::temp_dir dir;
    SECTION("missing") {
        auto path = (dir / "nope.pem").string();
        auto r = make_tls_context(path);
        REQUIRE(r.has_error());
        CHECK(r.error() == "cannot load --ca-file " + path + ": no such file");
    }
    SECTION("a directory") {
        auto r = make_tls_context(dir.path().string());
        REQUIRE(r.has_error());
        CHECK(r.error() == "cannot load --ca-file " + dir.path().string() + ": is a directory");
    }
    SECTION("not PEM") {
        auto path = dir / "junk.pem";
        r1::test::write_file(path, "this is not a certificate\n");
        auto r = make_tls_context(path.string());
        REQUIRE(r.has_error());
        CHECK(r.error().starts_with("cannot load --ca-file " + path.string() + ": "));
        CHECK(r.error().find('\n') == std::string::npos);
    }
}
