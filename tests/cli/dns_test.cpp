// Host names resolved on the event loop (c-ares) against a DNS server on loopback: r1 runs in a
// private mount namespace whose /etc/resolv.conf (and /etc/hosts) the test wrote, so no query
// leaves the machine. resolv.conf's timeout and attempts, /etc/hosts first, --timeout, SIGINT
// during a lookup, and no thread per lookup.
#include "tests/cli/watch_support.hpp"
#include "tests/support/dns_server.hpp"
#include "tests/support/processes.hpp"
#include "tests/support/raw_http.hpp"

#include <catch2/catch.hpp>

#include <csignal>
#include <fstream>
#include <sstream>

#include <sys/stat.h>
#include <unistd.h>

using r1::test::dns_server;
using r1::test::flap_server;
using r1::test::r1_options;
using r1::test::r1_process;
using r1::test::temp_dir;
using r1::test::with_private_resolver;

namespace {

/// A DNS server of its own on 127.53.0.x:53, where resolv.conf can name it (no port there).
std::string dns_address() {
    static int n = 0;
    return "127.53.0." + std::to_string(1 + (n++ % 200));
}

r1_options in_namespace(const temp_dir& dir, const dns_server& dns, const std::string& hosts,
                        std::vector<std::string> args, int resolv_timeout = 1) {
    auto wrapper = with_private_resolver(dir.path().string(), dns.resolv_conf(resolv_timeout), hosts, {});
    return {.args = std::move(args), .wrapper = std::move(wrapper)};
}

long threads_of(pid_t pid) {
    std::ifstream status("/proc/" + std::to_string(pid) + "/status");
    for (std::string line; std::getline(status, line);)
        if (line.rfind("Threads:", 0) == 0) return std::atol(line.c_str() + 8);
    return -1;
}

}  // namespace

TEST_CASE("r1 verify: host names come from /etc/hosts first, then resolv.conf's name server", "[cli][dns]") {
    flap_server server;
    dns_server dns{dns_address(), 53};
    dns.add("api.r1test", "127.0.0.1");
    dns.add("both.r1test", "127.0.0.9");  // /etc/hosts says 127.0.0.1: hosts must win
    temp_dir dir;
    auto port = server.http_url("x").substr(std::string("http://127.0.0.1:").size());
    port = port.substr(0, port.find('/'));
    auto url = [&](std::string host, std::string name) { return "http://" + host + ":" + port + "/t/" + name; };
    auto r = r1::test::run_r1(in_namespace(dir, dns, "127.0.0.1 localhost\n127.0.0.1 fromhosts.r1test both.r1test\n",
                                           {"verify", "--output", "json", url("api.r1test", "a"),
                                            url("fromhosts.r1test", "b"), url("both.r1test", "c"),
                                            url("missing.r1test", "d")}));
    INFO(r.out << r.err);
    REQUIRE(r.exit_code != 125);  // the namespace and mounts were made
    CHECK(r.exit_code == 1);
    CHECK(server.requests("a") == 1);  // through DNS
    CHECK(server.requests("b") == 1);  // through /etc/hosts, unknown to DNS
    CHECK(server.requests("c") == 1);  // /etc/hosts before DNS
    CHECK(r.out.find("GET " + url("missing.r1test", "d") + ": host not found\"") != std::string::npos);
    CHECK(dns.queries() >= 2);
}

TEST_CASE("r1 verify: a name server that never answers is bounded by resolv.conf's timeout and by --timeout",
          "[cli][dns][deadline]") {
    dns_server dns{dns_address(), 53};
    temp_dir dir;
    SECTION("resolv.conf: timeout:1 attempts:1") {
        auto started = std::chrono::steady_clock::now();
        auto r = r1::test::run_r1(in_namespace(dir, dns, "", {"verify", "--timeout", "20s", "http://hole.r1test/"}));
        auto took = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
        INFO(r.out << r.err);
        CHECK(r.exit_code == 1);
        CHECK(r.out.find("host not found (DNS temporary failure)") != std::string::npos);
        CHECK(took < 10);
    }
    SECTION("--timeout 500ms before resolv.conf's 5 s") {
        auto started = std::chrono::steady_clock::now();
        auto r = r1::test::run_r1(
            in_namespace(dir, dns, "", {"verify", "--timeout", "500ms", "http://hole.r1test/"}, 5));
        auto took = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
        INFO(r.out << r.err);
        CHECK(r.exit_code == 1);
        CHECK(r.out.find("timed out after deadline") != std::string::npos);
        CHECK(took < 3);
    }
    SECTION("SIGINT during the lookup ends r1 at once") {
        r1_process r1p{in_namespace(dir, dns, "", {"verify", "--timeout", "30s", "http://hole.r1test/"}, 5)};
        auto until = std::chrono::steady_clock::now() + std::chrono::seconds(10);
        while (dns.queries() == 0 && std::chrono::steady_clock::now() < until)
            std::this_thread::sleep_for(std::chrono::milliseconds(10));
        REQUIRE(dns.queries() > 0);
        auto sent = std::chrono::steady_clock::now();
        r1p.signal(SIGINT);
        auto r = r1p.wait();
        CHECK(r.exit_code == 130);
        CHECK(std::chrono::duration<double>(std::chrono::steady_clock::now() - sent).count() < 2);
    }
}

TEST_CASE("r1 verify --every: lookups in flight take no thread each", "[cli][dns][watch]") {
    dns_server dns{dns_address(), 53};
    temp_dir dir;
    std::vector<std::string> args{"verify", "--every", "1s", "--timeout", "30s", "--output", "json"};
    for (int i = 0; i < 100; ++i) args.push_back("http://hole.n" + std::to_string(i) + ".r1test/");
    r1_process r1p{in_namespace(dir, dns, "", args, 5)};
    auto until = std::chrono::steady_clock::now() + std::chrono::seconds(20);
    while (dns.queries() < 100 && std::chrono::steady_clock::now() < until)
        std::this_thread::sleep_for(std::chrono::milliseconds(20));
    REQUIRE(dns.queries() >= 100);  // every lookup is waiting on the silent server now
    auto threads = threads_of(r1p.pid());
    // 100 checks a second run on r1's one loop (see checks_per_loop); a thread per lookup would be
    // 100 more.
    CHECK(threads == 1);
    auto r = r1::test::watching::stop(r1p, SIGTERM);
    CHECK(r.exit_code == 143);
}

TEST_CASE("r1 verify --every: an --on-change command inherits no socket: not the listener, a scrape, a check or a lookup",
          "[cli][dns][watch][security][fds]") {
    flap_server server;
    dns_server dns{dns_address(), 53};  // never answers: the lookup stays in flight
    temp_dir dir;
    auto fds = dir / "fds";
    auto hook = dir / "hook.sh";
    r1::test::write_file(hook, "#!/bin/sh\ncat >/dev/null\nfor f in /proc/$$/fd/*; do echo \"${f##*/} $(readlink \"$f\")\"; "
                               "done > '" + fds.string() + ".tmp'\nmv '" + fds.string() + ".tmp' '" + fds.string() + "'\n");
    ::chmod(hook.c_str(), 0755);
    r1_process r1p{in_namespace(dir, dns, "",
                                {"verify", "--every", "1s", "--timeout", "30s", "--output", "json", "--fail-after", "1",
                                 "--metrics-listen", "0", "--on-change", hook.string(), server.url("a"),
                                 "http://hole.r1test/"},
                                5)};
    auto port = r1::test::watching::metrics_port(r1p);
    REQUIRE(port != 0);
    auto until = std::chrono::steady_clock::now() + std::chrono::seconds(10);
    while (dns.queries() == 0 && std::chrono::steady_clock::now() < until)
        std::this_thread::sleep_for(std::chrono::milliseconds(10));
    REQUIRE(dns.queries() > 0);            // c-ares' socket is open
    int scrape = r1::test::connect_loopback(port);  // an accepted connection, idle (dropped after 5 s)
    REQUIRE(scrape >= 0);
    server.set_status("a", 503);  // target.down at the next check: the command runs
    until = std::chrono::steady_clock::now() + std::chrono::seconds(4);
    while (r1::test::read_file(fds).empty() && std::chrono::steady_clock::now() < until)
        std::this_thread::sleep_for(std::chrono::milliseconds(20));
    ::close(scrape);
    auto r = r1::test::watching::stop(r1p, SIGTERM);
    CHECK(r.exit_code == 143);
    auto listed = r1::test::read_file(fds);
    INFO("the command's descriptors:\n" << listed << r.err);
    REQUIRE(!listed.empty());
    std::istringstream in(listed);
    for (std::string fd, target; in >> fd >> target;) {
        INFO(fd << " -> " << target);
        CHECK(target.find("socket:") == std::string::npos);
        CHECK(target.find("anon_inode:") == std::string::npos);
    }
}
