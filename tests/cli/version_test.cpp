#include "tests/support/processes.hpp"
#include "tests/support/r1_process.hpp"

#include <catch2/catch.hpp>

#include <openssl/crypto.h>

#include <array>
#include <cstdio>
#include <string>

using r1::test::run_r1;

namespace {

/// What a shell command prints on stdout (its exit status in `status`).
std::string shell_output(const std::string& command, int* status = nullptr) {
    std::string out;
    FILE* p = ::popen(command.c_str(), "r");
    REQUIRE(p != nullptr);
    std::array<char, 4096> buf{};
    for (std::size_t n; (n = std::fread(buf.data(), 1, buf.size(), p)) > 0;) out.append(buf.data(), n);
    int rc = ::pclose(p);
    if (status) *status = rc;
    return out;
}

/// The revision cmake/git_revision.cmake finds for `dir`, as CMake computes it at configure time.
std::string configured_revision(const std::string& dir) {
    auto out = shell_output("cmake -DR1_DIR='" + dir + "' -P '" R1_SOURCE_DIR "/cmake/git_revision.cmake' 2>&1");
    auto at = out.find("revision=");
    REQUIRE(at != std::string::npos);
    auto rev = out.substr(at + 9);
    return rev.substr(0, rev.find('\n'));
}

}  // namespace

TEST_CASE("r1 --version: names r1's version, the git revision it was built from and the OpenSSL it runs with",
          "[cli][version]") {
    auto r = run_r1({.args = {"--version"}});
    CHECK(r.exit_code == 0);
    CHECK(r.err.empty());
    CHECK(r.out.starts_with(std::string("r1 ") + R1_VERSION + "\n"));
    // The OpenSSL this process loaded is the one r1 loads: the same shared library.
    CHECK(r.out.find("\nOpenSSL: " + std::string(OpenSSL_version(OPENSSL_VERSION))) != std::string::npos);
    auto at = r.out.find("\nrevision: ");
    REQUIRE(at != std::string::npos);
    auto rev = r.out.substr(at + 11, r.out.find('\n', at + 1) - at - 11);
    if (configured_revision(R1_SOURCE_DIR).empty()) {
        CHECK(rev == "unknown (not built from a git checkout)");
    } else {
        // A commit of this checkout (HEAD when CMake last ran, which may be behind a newer commit).
        REQUIRE(rev.size() == 40);
        CHECK(rev.find_first_not_of("0123456789abcdef") == std::string::npos);
        int status = -1;
        shell_output("git -C '" R1_SOURCE_DIR "' cat-file -e '" + rev + "^{commit}' 2>/dev/null", &status);
        CHECK(status == 0);
    }
}

TEST_CASE("r1 --version: the configure-time revision is HEAD of r1's own checkout, else empty", "[cli][version]") {
    r1::test::temp_dir dir;
    SECTION("not a git checkout") { CHECK(configured_revision(dir.path().string()).empty()); }
    SECTION("a tree unpacked inside another repository is not a checkout of its own") {
        int status = -1;
        shell_output("cd '" + dir.path().string() + "' && git init -q . && mkdir r1 && git -c user.name=t -c user.email=t@t "
                     "commit -q --allow-empty -m x",
                     &status);
        REQUIRE(status == 0);
        CHECK(configured_revision((dir / "r1").string()).empty());
        auto head = shell_output("git -C '" + dir.path().string() + "' rev-parse HEAD");
        CHECK(configured_revision(dir.path().string()) + "\n" == head);
    }
}
