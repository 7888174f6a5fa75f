#include "proc/find_executable.hpp"

#include "tests/support/processes.hpp"

#include <catch2/catch.hpp>

#include <filesystem>

#include <sys/stat.h>

TEST_CASE("find_executable: searches $PATH in order and skips non-executables", "[proc][path]") {
    r1::test::temp_dir a, b;
    r1::test::write_file(a / "flyctl", "not executable");
    r1::test::write_file(b / "flyctl", "#!/bin/sh\n");
    ::chmod((b / "flyctl").c_str(), 0755);
    std::string path = a.path().string() + ":" + b.path().string();

    auto found = r1::proc::find_executable("flyctl", path);
    REQUIRE(found);
    CHECK(*found == (b / "flyctl").string());
    CHECK_FALSE(r1::proc::find_executable("fly", path));
    CHECK_FALSE(r1::proc::find_executable("flyctl", ""));
}

TEST_CASE("find_executable: a name with a slash is a path, not a $PATH lookup", "[proc][path]") {
    r1::test::temp_dir d;
    r1::test::write_file(d / "tool", "#!/bin/sh\n");
    ::chmod((d / "tool").c_str(), 0755);
    CHECK(r1::proc::find_executable((d / "tool").string(), "") == (d / "tool").string());
    CHECK_FALSE(r1::proc::find_executable((d / "missing").string(), d.path().string()));
    CHECK_FALSE(r1::proc::find_executable(d.path().string(), ""));  // a directory is not a program
}

TEST_CASE("find_executable: empty and relative $PATH entries are never searched", "[proc][path]") {
    r1::test::temp_dir d;
    std::filesystem::create_directories(d / "bin");
    for (auto p : {d / "tool", d / "bin" / "tool"}) {
        r1::test::write_file(p, "#!/bin/sh\n");
        ::chmod(p.c_str(), 0755);
    }
    auto old = std::filesystem::current_path();
    std::filesystem::current_path(d.path());
    CHECK_FALSE(r1::proc::find_executable("tool", ""));
    CHECK_FALSE(r1::proc::find_executable("tool", ":"));
    CHECK_FALSE(r1::proc::find_executable("tool", ".:bin:./bin"));
    CHECK(r1::proc::find_executable("tool", "bin:" + (d / "bin").string()) == (d / "bin" / "tool").string());
    std::filesystem::current_path(old);
}
