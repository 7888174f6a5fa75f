// r1 as a process that holds secrets and starts children: a SIGKILLed r1 (whose clean-up never
// runs) still takes its flyctl along, a crashing r1 leaves no core dump of its memory, and flyctl
// starts with the open-file and core-file limits r1 itself started with, not the ones r1 raised.
#include "tests/faults/fault_support.hpp"

#include <catch2/catch.hpp>

#include <csignal>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>

#include <sys/resource.h>

using namespace r1::test;
using namespace r1::test::faults;

namespace {

/// Sets the test process's soft limit (r1 inherits it) for one scope, and restores it.
struct scoped_soft_limit {
    scoped_soft_limit(int resource, rlim_t soft) : resource_(resource) {
        ::getrlimit(resource, &old_);
        rlimit now = old_;
        now.rlim_cur = std::min(soft, old_.rlim_max);
        ::setrlimit(resource, &now);
    }
    ~scoped_soft_limit() { ::setrlimit(resource_, &old_); }
    int resource_;
    rlimit old_{};
};

/// "Max open files" -> {soft, hard} as /proc/<pid>/limits shows them ("unlimited" stays text).
std::pair<std::string, std::string> limit_of(const std::string& limits, const std::string& name) {
    std::istringstream in(limits);
    for (std::string line; std::getline(in, line);) {
        if (!line.starts_with(name)) continue;
        std::istringstream fields(line.substr(name.size()));
        std::string soft, hard;
        fields >> soft >> hard;
        return {soft, hard};
    }
    return {};
}

/// Kills whatever a stand-in left in its process group (the family mode's sleeping grandchild).
void clean_up_group(pid_t leader) {
    if (leader > 0) ::kill(-leader, SIGKILL);
}

}  // namespace

TEST_CASE("process hardening: r1 killed with SIGKILL mid-deploy takes its flyctl along", "[faults][security][pdeathsig]") {
    fake_flyctl fly;
    SECTION("a single deploy") {
        r1_process r1p{deploy_opts(fly, "family", {"--health-url", refused_http_url()})};
        auto flyctl = wait_for_pid_file(fly.record_dir() + "/flyctl.pid");
        REQUIRE(flyctl > 0);
        REQUIRE(process_alive(flyctl));
        r1p.signal(SIGKILL);
        auto r = r1p.wait();
        CHECK(r.signal == SIGKILL);
        CHECK(wait_until_gone(flyctl, 5000));
        clean_up_group(flyctl);
    }
    SECTION("a batch, whose flyctls are started by other threads") {
        temp_dir dir;
        auto a = mode_wrapper(dir.path(), fly, "family", (dir / "rec-a").string());
        auto b = mode_wrapper(dir.path(), fly, "stubborn", (dir / "rec-b").string());
        write_file(dir / "fleet.toml", "[defaults]\nhealth_url = \"" + refused_http_url() + "\"\nretries = 0\n"
                                       "[[app]]\nname = \"a\"\nflyctl = \"" + a + "\"\n"
                                       "[[app]]\nname = \"b\"\nflyctl = \"" + b + "\"\n");
        r1_process r1p{{.args = {"deploy", "--batch", (dir / "fleet.toml").string(), "--concurrency", "2"}}};
        auto fa = wait_for_pid_file(dir / "rec-a" / "flyctl.pid");
        auto fb = wait_for_pid_file(dir / "rec-b" / "flyctl.pid");
        REQUIRE(fa > 0);
        REQUIRE(fb > 0);
        r1p.signal(SIGKILL);
        r1p.wait();
        CHECK(wait_until_gone(fa, 5000));
        CHECK(wait_until_gone(fb, 5000));  // it ignores SIGTERM and SIGINT, not SIGKILL
        clean_up_group(fa);
        clean_up_group(fb);
    }
}

TEST_CASE("process hardening: r1 killed by SIGQUIT mid-deploy leaves no core dump, whatever ulimit -c says",
          "[faults][security][core]") {
    scoped_soft_limit cores{RLIMIT_CORE, RLIM_INFINITY};
    rlimit now{};
    ::getrlimit(RLIMIT_CORE, &now);
    REQUIRE(now.rlim_cur > 0);  // a core would be written, but for r1
    fake_flyctl fly;
    temp_dir cwd;
    auto o = deploy_opts(fly, "family", {"--health-url", refused_http_url()});
    o.cwd = cwd.path().string();
    r1_process r1p{o};
    auto flyctl = wait_for_pid_file(fly.record_dir() + "/flyctl.pid");
    REQUIRE(flyctl > 0);
    auto limits = read_file("/proc/" + std::to_string(r1p.pid()) + "/limits");
    CHECK(limit_of(limits, "Max core file size").first == "0");
    r1p.signal(SIGQUIT);  // its default action dumps core
    auto r = r1p.wait();
    CHECK(r.signal == SIGQUIT);
    CHECK_FALSE(r.core_dumped);
    for (const auto& e : std::filesystem::directory_iterator(cwd.path())) {
        INFO(e.path());
        CHECK_FALSE(e.path().filename().string().starts_with("core"));
    }
    CHECK(wait_until_gone(flyctl, 5000));
    clean_up_group(flyctl);
}

TEST_CASE("process hardening: flyctl starts with the open-file and core-file soft limits r1 started with",
          "[faults][security][rlimit]") {
    rlimit nofile{};
    ::getrlimit(RLIMIT_NOFILE, &nofile);
    REQUIRE(nofile.rlim_max > 1000);  // room for r1 to raise its own limit above ours
    scoped_soft_limit files{RLIMIT_NOFILE, 1000};
    scoped_soft_limit cores{RLIMIT_CORE, 1048576};
    fake_flyctl fly;
    temp_dir dir;
    auto recorder = dir / "flyctl-limits";
    write_file(recorder, "#!/bin/sh\ncat /proc/$$/limits > '" + (dir / "limits.tmp").string() + "'\nmv '" +
                             (dir / "limits.tmp").string() + "' '" + (dir / "limits").string() + "'\nsleep 60\n");
    ::chmod(recorder.c_str(), 0755);
    r1_options o{.args = {"deploy", "--app", "demo-app", "--flyctl", recorder.string(), "--retries", "0",
                          "--health-url", refused_http_url()}};
#if defined(__SANITIZE_ADDRESS__)
    // ASan sets RLIMIT_CORE to 0 itself before main (disable_coredump): r1 would start with 0.
    const char* asan = std::getenv("ASAN_OPTIONS");
    o.env.emplace_back("ASAN_OPTIONS", std::string(asan ? asan : "") + ":disable_coredump=0");
#endif
    r1_process r1p{o};
    auto until = sclock::now() + std::chrono::seconds(10);
    while (read_file(dir / "limits").empty() && sclock::now() < until) std::this_thread::sleep_for(std::chrono::milliseconds(10));
    auto r1_limits = read_file("/proc/" + std::to_string(r1p.pid()) + "/limits");
    r1p.signal(SIGTERM);
    r1p.wait();
    auto child = read_file(dir / "limits");
    INFO("flyctl's limits:\n" << child << "\nr1's limits:\n" << r1_limits);
    REQUIRE_FALSE(child.empty());
    CHECK(limit_of(r1_limits, "Max open files").first == std::to_string(nofile.rlim_max));  // r1 raised its own
    CHECK(limit_of(child, "Max open files").first == "1000");
    CHECK(limit_of(child, "Max open files").second == std::to_string(nofile.rlim_max));
    CHECK(limit_of(r1_limits, "Max core file size").first == "0");
    CHECK(limit_of(child, "Max core file size").first == "1048576");
}
