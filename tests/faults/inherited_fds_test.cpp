// What a provider CLI inherits from r1: its stdio and nothing else. In a busy batch other tasks'
// health checks hold live connections while a flyctl starts; none of them (and none of r1's event
// loops, pipes or pidfds) may show up in that flyctl's descriptor table.
#include "tests/faults/fault_support.hpp"
#include "tests/support/stall_server.hpp"

#include <catch2/catch.hpp>

#include <filesystem>
#include <sstream>

using namespace r1::test;
using namespace r1::test::faults;

TEST_CASE("r1 deploy --batch: a flyctl started while other apps' health checks hold connections inherits none",
          "[faults][security][fds]") {
    stall_server server;
    fake_flyctl fly;
    temp_dir dir;
    auto rec = dir / "record";
    std::filesystem::create_directories(rec);
    // gate holds its slot until the test says the holders' connections are open; lister then takes
    // that slot and writes down its own descriptor table before it does anything else.
    write_file(dir / "flyctl-gate",
               "#!/bin/sh\nwhile [ ! -e '" + (rec / "go").string() + "' ]; do sleep 0.02; done\nexit 1\n");
    write_file(dir / "flyctl-lister", "#!/bin/sh\nfor f in /proc/$$/fd/*; do echo \"${f##*/} $(readlink \"$f\")\"; "
                                      "done > '" + (rec / "fds.tmp").string() + "'\nmv '" + (rec / "fds.tmp").string() +
                                          "' '" + (rec / "fds").string() + "'\nexec " + fly.path() + " \"$@\"\n");
    ::chmod((dir / "flyctl-gate").c_str(), 0755);
    ::chmod((dir / "flyctl-lister").c_str(), 0755);
    auto manifest = dir / "fleet.toml";
    write_file(manifest, "[defaults]\nflyctl = \"" + fly.path() + "\"\nretries = 0\nhealth_url = \"" + server.url("/") +
                             "\"\n"
                             "[[app]]\nname = \"holder-1\"\nhealth_url = \"" + server.url("/stall") +
                             "\"\nhealth_timeout = \"20s\"\n"
                             "[[app]]\nname = \"holder-2\"\nhealth_url = \"" + server.url("/stall") +
                             "\"\nhealth_timeout = \"20s\"\n"
                             "[[app]]\nname = \"gate\"\nflyctl = \"" + (dir / "flyctl-gate").string() + "\"\n"
                             "[[app]]\nname = \"lister\"\nflyctl = \"" + (dir / "flyctl-lister").string() + "\"\n");
    r1_options o;
    o.args = {"deploy", "--batch", manifest.string(), "--concurrency", "3"};
    o.env = {{"FAKE_FLY_RECORD", fly.record_dir()}};
    r1_process r1p{o};
    REQUIRE(server.wait_requests("/stall", 2));  // both holders' sockets are open now
    write_file(rec / "go", "");
    auto listed = [&] { return !read_file(rec / "fds").empty(); };
    for (int i = 0; i < 500 && !listed(); ++i) std::this_thread::sleep_for(std::chrono::milliseconds(20));
    r1p.signal(SIGTERM);  // the holders would wait out their 20 s
    auto r = r1p.wait();
    CHECK(r.exit_code == 143);

    auto fds = read_file(rec / "fds");
    INFO("lister's descriptors:\n" << fds);
    REQUIRE(listed());
    std::istringstream in(fds);
    for (std::string fd, target; in >> fd >> target;) {
        INFO(fd << " -> " << target);
        CHECK(target.find("socket:") == std::string::npos);
        CHECK(target.find("anon_inode:") == std::string::npos);  // epoll, eventfd, timerfd, pidfd
    }
    // (Pipes are not checked: the listing shell's own command substitutions show up as pipes. The
    // other children's pipes are made with O_CLOEXEC in proc/spawn.cpp.)
}
