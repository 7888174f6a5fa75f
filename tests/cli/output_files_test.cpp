// The files r1 leaves behind (--report, --junit, --log-dir) in a directory others can reach: a link
// planted where r1 writes is never followed, a log directory someone else controls is refused, and
// what r1 creates is readable by the user alone.
#include "tests/support/processes.hpp"
#include "tests/support/page_server.hpp"
#include "tests/support/r1_process.hpp"
#include "tests/support/test_pki.hpp"

#include <catch2/catch.hpp>

#include <filesystem>
#include <string>

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

using r1::test::r1_options;
using r1::test::read_file;
using r1::test::run_r1;
using r1::test::temp_dir;
using r1::test::write_file;

namespace {

const std::string precious = "the victim's own content\n";

/// A file outside the output directory that a planted link points at.
std::filesystem::path victim(const temp_dir& dir, const std::string& name) {
    std::filesystem::create_directories(dir / "home");
    auto p = dir / "home" / name;
    write_file(p, precious);
    return p;
}

mode_t mode_of(const std::filesystem::path& p) {
    struct stat st {};
    REQUIRE(::lstat(p.c_str(), &st) == 0);
    return st.st_mode & 07777;
}

bool is_link(const std::filesystem::path& p) { return std::filesystem::is_symlink(std::filesystem::symlink_status(p)); }

/// A manifest whose one app `web` is checked at a URL that is refused at once: the verdict is a
/// failure, its log file is web.log.
std::string fleet(const temp_dir& dir) {
    auto path = dir / "fleet.toml";
    write_file(path, "[[app]]\nname = \"web\"\nhealth_url = \"" + r1::test::refused_http_url() + "\"\n");
    return path.string();
}

/// Sets the test process's umask (r1 inherits it) for one scope.
struct scoped_umask {
    explicit scoped_umask(mode_t m) : old(::umask(m)) {}
    ~scoped_umask() { ::umask(old); }
    mode_t old;
};

}  // namespace

TEST_CASE("r1 verify: links planted at the report, JUnit and log paths are replaced, their targets untouched",
          "[cli][security][files]") {
    temp_dir dir;
    auto out = dir / "out";
    std::filesystem::create_directories(out);
    std::filesystem::create_directories(dir / "logs");
    ::chmod((dir / "logs").c_str(), 0700);
    // Where main's r1 wrote through: the fixed temporary names (truncated already at the start-up
    // check), the final names, and the log file.
    auto tmp_victim = victim(dir, "tmp-victim");
    auto junit_tmp_victim = victim(dir, "junit-tmp-victim");
    auto report_victim = victim(dir, "report-victim");
    auto log_victim = victim(dir, "log-victim");
    std::filesystem::create_symlink(tmp_victim, out / "report.json.r1-tmp");
    std::filesystem::create_symlink(junit_tmp_victim, out / "junit.xml.r1-tmp");
    std::filesystem::create_symlink(report_victim, out / "report.json");
    std::filesystem::create_symlink(log_victim, dir / "logs" / "web.log");

    auto r = run_r1({.args = {"verify", "--batch", fleet(dir), "--report", (out / "report.json").string(), "--junit",
                              (out / "junit.xml").string(), "--log-dir", (dir / "logs").string()}});
    INFO(r.out << r.err);
    CHECK(r.exit_code == 1);
    for (const auto& v : {tmp_victim, junit_tmp_victim, report_victim, log_victim}) {
        INFO(v);
        CHECK(read_file(v) == precious);
    }
    CHECK_FALSE(is_link(out / "report.json"));
    CHECK(read_file(out / "report.json").find("\"name\":\"web\"") != std::string::npos);
    CHECK(read_file(out / "junit.xml").find("<testcase") != std::string::npos);
    CHECK_FALSE(is_link(dir / "logs" / "web.log"));
    CHECK(read_file(dir / "logs" / "web.log").find(" r1: failed: health check:") != std::string::npos);
    // Nothing of r1's is left in the shared directory but the two results (the planted links at the
    // old temporary names may stay: r1 no longer uses those names).
    for (const auto& e : std::filesystem::directory_iterator(out)) {
        auto name = e.path().filename().string();
        INFO(name);
        CHECK((name == "report.json" || name == "junit.xml" || name.ends_with(".r1-tmp")));
    }
}

TEST_CASE("r1 verify --log-dir: a directory others can write to, owned by another user, or a link is refused",
          "[cli][security][files]") {
    temp_dir dir;
    auto logs = dir / "logs";
    std::filesystem::create_directories(logs);
    auto refused = [&](const std::filesystem::path& log_dir, const std::string& why) {
        auto r = run_r1({.args = {"verify", "--batch", fleet(dir), "--log-dir", log_dir.string()}});
        CHECK(r.exit_code == 2);
        CHECK(r.err == "r1: error: cannot use --log-dir " + log_dir.string() + ": " + why + "\n");
        CHECK(r.out.empty());
        CHECK_FALSE(std::filesystem::exists(log_dir / "web.log"));
    };
    SECTION("writable by others") {
        ::chmod(logs.c_str(), 0777);
        refused(logs, "it is writable by others (mode 0777); use a directory only you can write to");
    }
    SECTION("writable by its group") {
        ::chmod(logs.c_str(), 0770);
        refused(logs, "it is writable by others (mode 0770); use a directory only you can write to");
    }
    SECTION("owned by another user") {
        if (::geteuid() == 0) {
            REQUIRE(::chown(logs.c_str(), 65534, 65534) == 0);
            ::chmod(logs.c_str(), 0755);
            refused(logs, "it is owned by another user (uid 65534)");
        } else {
            refused("/", "it is owned by another user (uid 0)");  // root's, and not writable by others
        }
    }
    SECTION("a symbolic link to a directory") {
        auto elsewhere = dir / "elsewhere";
        std::filesystem::create_directories(elsewhere);
        std::filesystem::remove(logs);
        std::filesystem::create_directory_symlink(elsewhere, logs);
        refused(logs, "it is a symbolic link");
    }
}

TEST_CASE("r1 verify: reports and logs are created 0600 in a 0700 log directory, stricter under a stricter umask",
          "[cli][security][files]") {
    temp_dir dir;
    auto logs = dir / "new" / "logs";  // created by r1
    r1_options o{.args = {"verify", "--batch", fleet(dir), "--report", (dir / "report.json").string(), "--junit",
                          (dir / "junit.xml").string(), "--log-dir", logs.string()}};
    SECTION("umask 022") {
        scoped_umask mask{022};
        auto r = run_r1(o);
        INFO(r.err);
        CHECK(r.exit_code == 1);
        CHECK(mode_of(dir / "report.json") == 0600);
        CHECK(mode_of(dir / "junit.xml") == 0600);
        CHECK(mode_of(logs) == 0700);
        CHECK(mode_of(logs / "web.log") == 0600);
    }
    SECTION("umask 0377: only the owner may read, and not write") {
        scoped_umask mask{0377};
        o.args.resize(o.args.size() - 2);  // a 0400 directory could not take the log files
        auto r = run_r1(o);
        INFO(r.err);
        CHECK(r.exit_code == 1);
        CHECK(mode_of(dir / "report.json") == 0400);
        CHECK(mode_of(dir / "junit.xml") == 0400);
    }
    SECTION("an earlier, world-readable report is replaced by a private one") {
        write_file(dir / "report.json", "old");
        ::chmod((dir / "report.json").c_str(), 0644);
        scoped_umask mask{022};
        auto r = run_r1(o);
        CHECK(r.exit_code == 1);
        CHECK(mode_of(dir / "report.json") == 0600);
        CHECK(read_file(dir / "report.json").starts_with("{"));
    }
}

TEST_CASE("r1 verify --report: /dev/fd/1 and a FIFO are written in place, a directory is refused",
          "[cli][security][files]") {
    temp_dir dir;
    SECTION("/dev/fd/1, itself a link, names r1's own stdout (a file here)") {
        // /dev/fd/1 rather than /dev/stdout: an r1 that takes the name for a file to replace (as
        // main's did, renaming a file over /dev/stdout when stdout was a file) fails this test
        // without damaging the machine, since nothing can be created in /proc/self/fd.
        auto r = run_r1({.args = {"verify", "--batch", fleet(dir), "--output", "json", "--report", "/dev/fd/1"}});
        CHECK(r.exit_code == 1);
        CHECK(r.out.find("\"r1_version\"") != std::string::npos);
        CHECK(is_link("/dev/fd"));
    }
    SECTION("a FIFO with a reader") {
        auto fifo = dir / "report.fifo";
        REQUIRE(::mkfifo(fifo.c_str(), 0600) == 0);
        // Read and write ends at once, so neither r1's check nor its write waits for a reader; the
        // report (a few hundred bytes) fits the pipe's buffer.
        int fd = ::open(fifo.c_str(), O_RDWR | O_NONBLOCK);
        REQUIRE(fd >= 0);
        auto r = run_r1({.args = {"verify", "--batch", fleet(dir), "--report", fifo.string()}});
        char buf[65536];
        auto n = ::read(fd, buf, sizeof buf);
        ::close(fd);
        CHECK(r.exit_code == 1);
        REQUIRE(n > 0);
        CHECK(std::string(buf, static_cast<std::size_t>(n)).find("\"r1_version\"") != std::string::npos);
        CHECK(mode_of(fifo) == 0600);  // still the FIFO, not replaced by a file
        struct stat st {};
        ::lstat(fifo.c_str(), &st);
        CHECK(S_ISFIFO(st.st_mode));
    }
    SECTION("a directory") {
        auto r = run_r1({.args = {"verify", "--batch", fleet(dir), "--report", dir.path().string()}});
        CHECK(r.exit_code == 2);
        CHECK(r.err == "r1: error: cannot write " + dir.path().string() + ": it is a directory\n");
    }
}

TEST_CASE("r1 verify --browser --log-dir: the screenshot is 0600 and a link at its name is replaced, not followed",
          "[cli][security][files][browser]") {
    r1::test::page_server pages;
    pages.serve("/clean", {.body = "<!doctype html><html><body><p>fine</p></body></html>"});
    temp_dir dir;
    temp_dir tmp;  // Chromium's profiles
    auto logs = dir / "logs";
    std::filesystem::create_directories(logs);
    ::chmod(logs.c_str(), 0700);
    write_file(dir / "fleet.toml", "[[app]]\nname = \"web\"\nhealth_url = \"" + pages.url("/clean") + "\"\n");
    auto png_victim = victim(dir, "png-victim");
    std::filesystem::create_symlink(png_victim, logs / "web.png");
    scoped_umask mask{022};
    auto r = run_r1({.args = {"verify", "--batch", (dir / "fleet.toml").string(), "--ca-file", r1::test::ca_path(),
                              "--browser", "--log-dir", logs.string()},
                     .env = {{"TMPDIR", tmp.path().string()}}});
    INFO(r.out << r.err);
    CHECK(r.exit_code == 0);
    CHECK(read_file(png_victim) == precious);
    CHECK_FALSE(is_link(logs / "web.png"));
    CHECK(read_file(logs / "web.png").starts_with("\x89PNG"));
    CHECK(mode_of(logs / "web.png") == 0600);
    for (const auto& e : std::filesystem::directory_iterator(logs)) {
        INFO(e.path());
        CHECK((e.path().filename() == "web.png" || e.path().filename() == "web.log"));  // no temporary left
    }
}
