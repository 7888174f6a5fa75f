// r1 verify --every --metrics-listen: what a real Prometheus scrapes (blackbox_exporter's names with
// a target label, r1's counters, process metrics), /probe in blackbox_exporter's shape, and the
// listener under garbage, slow, huge and too many requests while the checks go on.
#include "tests/cli/watch_support.hpp"
#include "tests/support/processes.hpp"
#include "tests/support/raw_http.hpp"

#include <boost/json/parse.hpp>
#include <catch2/catch.hpp>

#include <csignal>
#include <optional>

#include <fcntl.h>
#include <spawn.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

using namespace r1::test::watching;
using r1::test::body_of;
using r1::test::flap_server;
using r1::test::http_get;
using r1::test::r1_process;
using r1::test::raw_exchange;
using r1::test::status_of;
using r1::test::temp_dir;
using r1::test::url_encode;

extern char** environ;

namespace {

/// Every line of a Prometheus text page that starts with `prefix` (a metric name and its labels).
std::vector<std::string> series(const std::string& page, const std::string& prefix) {
    std::vector<std::string> out;
    std::istringstream in(page);
    for (std::string line; std::getline(in, line);)
        if (line.starts_with(prefix)) out.push_back(line);
    return out;
}

/// The value of the one series `name_and_labels` ("probe_success{target=\"...\"}"), or NaN.
double value_of(const std::string& page, const std::string& name_and_labels) {
    auto found = series(page, name_and_labels + " ");
    if (found.size() != 1) return std::nan("");
    return std::stod(found[0].substr(name_and_labels.size() + 1));
}

std::string label(const std::string& url) { return "{target=\"" + url + "\"}"; }

/// promtool's own lint of an exposition page: Prometheus' parser is the judge of the format.
std::string promtool_check(const std::string& page) {
    temp_dir dir;
    r1::test::write_file(dir / "page.txt", page);
    auto cmd = "promtool check metrics < '" + (dir / "page.txt").string() + "' > '" + (dir / "out.txt").string() + "' 2>&1";
    int rc = std::system(cmd.c_str());
    return "rc=" + std::to_string(rc) + " " + r1::test::read_file(dir / "out.txt");
}

/// A started child (Prometheus), killed and reaped at scope end.
class child {
public:
    explicit child(std::vector<std::string> argv) {
        std::vector<char*> args;
        for (auto& a : argv) args.push_back(a.data());
        args.push_back(nullptr);
        posix_spawn_file_actions_t fa;
        posix_spawn_file_actions_init(&fa);
        posix_spawn_file_actions_addopen(&fa, 1, "/dev/null", O_WRONLY, 0);
        posix_spawn_file_actions_addopen(&fa, 2, "/dev/null", O_WRONLY, 0);
        ::posix_spawn(&pid_, args[0], &fa, nullptr, args.data(), environ);
        posix_spawn_file_actions_destroy(&fa);
    }
    ~child() {
        if (pid_ > 0) {
            ::kill(pid_, SIGKILL);
            ::waitpid(pid_, nullptr, 0);
        }
    }
    pid_t pid() const { return pid_; }

private:
    pid_t pid_ = -1;
};

}  // namespace

TEST_CASE("r1 verify --every --metrics-listen: /metrics has blackbox_exporter's series per target, r1's counters "
          "and process metrics, in a format promtool accepts",
          "[cli][watch][metrics]") {
    flap_server server;
    auto urls = six_targets(server);
    urls.push_back(server.http_url("plain"));
    server.set_status("f", 503);
    r1_process r1p{{.args = watch_args(urls, {"--metrics-listen", "0"})}};
    auto port = metrics_port(r1p);
    REQUIRE(port != 0);
    REQUIRE(wait_rounds(r1p, 2));
    auto response = http_get(port, "/metrics");
    REQUIRE(status_of(response) == 200);
    CHECK(response.find("Content-Type: text/plain; version=0.0.4; charset=utf-8\r\n") != std::string::npos);
    auto page = body_of(response);
    INFO(page.substr(0, 3000));

    auto a = label(server.url("a"));
    CHECK(value_of(page, "probe_success" + a) == 1);
    CHECK(value_of(page, "probe_success" + label(server.url("f"))) == 0);
    CHECK(value_of(page, "probe_http_status_code" + label(server.url("f"))) == 503);
    CHECK(value_of(page, "probe_http_status_code" + a) == 200);
    CHECK(value_of(page, "probe_duration_seconds" + a) > 0);
    CHECK(value_of(page, "probe_http_content_length" + a) == 7);  // "OK flap"
    CHECK(value_of(page, "probe_http_redirects" + a) == 0);
    CHECK(value_of(page, "probe_http_ssl" + a) == 1);
    CHECK(value_of(page, "probe_http_ssl" + label(server.http_url("plain"))) == 0);
    for (auto phase : {"resolve", "connect", "tls", "processing", "transfer"}) {
        auto v = value_of(page, "probe_http_duration_seconds{target=\"" + server.url("a") + "\",phase=\"" + phase + "\"}");
        CHECK(v >= 0);
        CHECK(v < 5);
    }
    CHECK(value_of(page, "probe_http_duration_seconds{target=\"" + server.url("a") + "\",phase=\"tls\"}") > 0);
    // The test certificate expires 7 days after it was made.
    auto expiry = value_of(page, "probe_ssl_earliest_cert_expiry" + a);
    auto now = static_cast<double>(std::time(nullptr));
    CHECK(expiry > now + 6 * 86400);
    CHECK(expiry < now + 7 * 86400 + 60);
    CHECK(value_of(page, "r1_cert_expiry_days" + a) > 6);
    CHECK(series(page, "probe_ssl_earliest_cert_expiry" + label(server.http_url("plain"))).empty());

    CHECK(value_of(page, "r1_targets") == 7);
    CHECK(value_of(page, "r1_checks_total{result=\"ok\",cause=\"none\"}") >= 10);
    CHECK(value_of(page, "r1_checks_total{result=\"failed\",cause=\"http_status\"}") >= 2);
    CHECK(value_of(page, "r1_rounds_total{verdict=\"conclusive\"}") >= 2);
    CHECK(value_of(page, "r1_target_up" + label(server.url("f"))) == 0);
    CHECK(value_of(page, "r1_target_up" + a) == 1);
    CHECK(value_of(page, "r1_tls_handshakes_total{kind=\"full\"}") >= 6);
    CHECK(value_of(page, "process_cpu_seconds_total") > 0);
    CHECK(value_of(page, "process_resident_memory_bytes") > 1e6);
    CHECK(value_of(page, "process_open_fds") > 3);
    CHECK(value_of(page, "process_threads") == 1);  // 7 targets at 4 rounds a second: one loop
    // Prometheus' own parser and linter: the page parses, and the one lint remark is the unit of
    // r1_cert_expiry_days, which is in days on purpose (seconds: probe_ssl_earliest_cert_expiry - time()).
    CHECK(promtool_check(page) == "rc=768 r1_cert_expiry_days use base unit \"seconds\" instead of \"days\"\n");

    SECTION("HEAD has the headers only; other methods and paths are refused") {
        auto head = raw_exchange(port, "HEAD /metrics HTTP/1.1\r\nHost: x\r\n\r\n");
        CHECK(status_of(head) == 200);
        CHECK(body_of(head).empty());
        CHECK(status_of(raw_exchange(port, "POST /metrics HTTP/1.1\r\nHost: x\r\nContent-Length: 0\r\n\r\n")) == 405);
        CHECK(status_of(http_get(port, "/nope")) == 404);
    }
    auto r = stop(r1p, SIGTERM);
    CHECK(r.exit_code == 143);
}

TEST_CASE("r1 verify --every: /probe?target=URL answers one check in blackbox_exporter's shape",
          "[cli][watch][metrics][probe]") {
    flap_server server;
    server.set_status("down", 503);
    r1_process r1p{{.args = watch_args({server.url("a")}, {"--metrics-listen", "127.0.0.1:0"})}};
    auto port = metrics_port(r1p);
    REQUIRE(port != 0);

    auto ok = http_get(port, "/probe?target=" + url_encode(server.url("other")) + "&module=http_2xx");
    REQUIRE(status_of(ok) == 200);
    auto page = body_of(ok);
    INFO(page);
    CHECK(value_of(page, "probe_success") == 1);
    CHECK(value_of(page, "probe_http_status_code") == 200);
    CHECK(value_of(page, "probe_http_ssl") == 1);
    CHECK(value_of(page, "probe_duration_seconds") > 0);
    CHECK(value_of(page, "probe_timeout_seconds") == 5);
    CHECK(value_of(page, "probe_http_duration_seconds{phase=\"tls\"}") > 0);
    CHECK(value_of(page, "probe_ssl_earliest_cert_expiry") > static_cast<double>(std::time(nullptr)));
    CHECK(page.find("target=") == std::string::npos);  // one probe, no target label, as blackbox_exporter
    CHECK(server.requests("other") == 1);
    CHECK(promtool_check(page).starts_with("rc=0"));

    auto down = body_of(http_get(port, "/probe?target=" + url_encode(server.url("down"))));
    CHECK(value_of(down, "probe_success") == 0);
    CHECK(value_of(down, "probe_http_status_code") == 503);

    // Prometheus' scrape timeout bounds the probe, less half a second for the answer.
    auto timed = raw_exchange(port, "GET /probe?target=" + url_encode(server.url("x")) +
                                        " HTTP/1.1\r\nHost: x\r\nX-Prometheus-Scrape-Timeout-Seconds: 2\r\n\r\n");
    CHECK(value_of(body_of(timed), "probe_timeout_seconds") == 1.5);

    CHECK(status_of(http_get(port, "/probe")) == 400);
    CHECK(body_of(http_get(port, "/probe")) == "Target parameter is missing\n");
    auto module = http_get(port, "/probe?target=" + url_encode(server.url("a")) + "&module=icmp");
    CHECK(status_of(module) == 400);
    CHECK(body_of(module) == "Unknown module \"icmp\"\n");
    CHECK(status_of(http_get(port, "/probe?target=" + url_encode("ftp://x/"))) == 400);
    auto r = stop(r1p, SIGTERM);
    CHECK(r.exit_code == 143);
}

TEST_CASE("r1 verify --every: the metrics listener withstands garbage, huge, slow and too many requests while "
          "the checks go on",
          "[cli][watch][metrics][hardening]") {
    flap_server server;
    r1_process r1p{{.args = watch_args({server.url("a")}, {"--every", "200ms", "--metrics-listen", "0"})}};
    auto port = metrics_port(r1p);
    REQUIRE(port != 0);
    REQUIRE(wait_rounds(r1p, 1));

    SECTION("garbage") {
        constexpr char bytes[] = "\x00\x01\x02 GARBAGE \xff\xfe\r\n\r\n";
        std::string junk(bytes, sizeof bytes - 1);  // the NUL bytes included
        CHECK(status_of(raw_exchange(port, junk)) == 400);
        CHECK(status_of(raw_exchange(port, "GET /metrics HTTP/9.9\r\n\r\n")) == 400);
        CHECK(status_of(raw_exchange(port, "GET /metrics HTTP/1.1\r\nContent-Length: 5\r\n\r\nhello")) == 413);
    }
    SECTION("huge headers and a huge request line") {
        std::string big = "GET /metrics HTTP/1.1\r\nX-Big: " + std::string(100 * 1024, 'b') + "\r\n\r\n";
        CHECK(status_of(raw_exchange(port, big)) == 431);
        std::string long_target = "GET /" + std::string(64 * 1024, 'a') + " HTTP/1.1\r\n\r\n";
        CHECK(status_of(raw_exchange(port, long_target)) == 431);
    }
    SECTION("a client that never finishes its request is dropped, and checks go on meanwhile") {
        int fd = r1::test::connect_loopback(port);
        REQUIRE(fd >= 0);
        REQUIRE(::send(fd, "GET /metr", 9, 0) == 9);
        auto before = server.requests("a");
        auto started = std::chrono::steady_clock::now();
        char c;
        auto n = ::recv(fd, &c, 1, 0);  // blocks until r1 closes the connection
        auto waited = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
        ::close(fd);
        CHECK(n == 0);  // closed without an answer
        CHECK(waited > 4);
        CHECK(waited < 8);
        CHECK(server.requests("a") >= before + 10);  // 200 ms rounds kept running
    }
    SECTION("more connections than the listener serves at once: the extra ones get 503 at once") {
        std::vector<int> idle;
        for (int i = 0; i < 32; ++i) idle.push_back(r1::test::connect_loopback(port));
        std::this_thread::sleep_for(std::chrono::milliseconds(300));  // accepted by r1
        auto busy = raw_exchange(port, "GET /metrics HTTP/1.1\r\n\r\n", 3000);
        CHECK(status_of(busy) == 503);
        for (int fd : idle) ::close(fd);
        std::this_thread::sleep_for(std::chrono::milliseconds(300));
        CHECK(status_of(http_get(port, "/metrics")) == 200);
    }
    // And it still answers properly afterwards.
    auto page = body_of(http_get(port, "/metrics"));
    CHECK(value_of(page, "probe_success" + label(server.url("a"))) == 1);
    CHECK(value_of(page, "r1_scrapes_rejected_total") >= 1);
    auto r = stop(r1p, SIGTERM);
    CHECK(r.exit_code == 143);
}

TEST_CASE("r1 verify --every: --metrics-listen on an address in use is refused before anything starts",
          "[cli][watch][metrics]") {
    flap_server server;
    r1_process first{{.args = watch_args({server.url("a")}, {"--metrics-listen", "0"})}};
    auto port = metrics_port(first);
    REQUIRE(port != 0);
    auto r = r1::test::run_r1({.args = watch_args({server.url("b")}, {"--metrics-listen", std::to_string(port)})});
    CHECK(r.exit_code == 2);
    CHECK(r.err == "r1: error: cannot listen on 127.0.0.1:" + std::to_string(port) + ": Address already in use\n");
    CHECK(server.requests("b") == 0);
    stop(first, SIGTERM);
}

TEST_CASE("r1 verify --every: a real Prometheus scrapes /metrics and /probe and answers PromQL about the targets",
          "[cli][watch][metrics][prometheus]") {
    REQUIRE(std::filesystem::exists("/usr/bin/prometheus"));  // .ci/install-deps.sh installs it
    flap_server server;
    server.set_status("b", 503);
    r1_process r1p{{.args = watch_args({server.url("a"), server.url("b")}, {"--every", "500ms", "--metrics-listen", "0"})}};
    auto port = metrics_port(r1p);
    REQUIRE(port != 0);

    temp_dir dir;
    auto prom_port = r1::test::refused_port();
    auto config = "global:\n  scrape_interval: 1s\n  scrape_timeout: 900ms\n"
                  "scrape_configs:\n"
                  "  - job_name: r1\n    static_configs:\n      - targets: ['127.0.0.1:" + std::to_string(port) + "']\n"
                  // blackbox_exporter's documented relabelling: the target becomes ?target=, r1 the address.
                  "  - job_name: blackbox\n    metrics_path: /probe\n    params:\n      module: [http_2xx]\n"
                  "    static_configs:\n      - targets: ['" + server.url("c") + "']\n"
                  "    relabel_configs:\n"
                  "      - source_labels: [__address__]\n        target_label: __param_target\n"
                  "      - source_labels: [__param_target]\n        target_label: instance\n"
                  "      - target_label: __address__\n        replacement: 127.0.0.1:" + std::to_string(port) + "\n";
    r1::test::write_file(dir / "prometheus.yml", config);
    child prom{{"/usr/bin/prometheus", "--config.file=" + (dir / "prometheus.yml").string(),
                "--storage.tsdb.path=" + (dir / "data").string(), "--web.listen-address=127.0.0.1:" + std::to_string(prom_port)}};
    REQUIRE(prom.pid() > 0);

    auto query = [&](const std::string& promql) -> std::optional<std::string> {
        auto res = body_of(http_get(prom_port, "/api/v1/query?query=" + url_encode(promql), 3000));
        if (res.empty()) return std::nullopt;
        auto doc = boost::json::parse(res);
        const auto& result = doc.at("data").at("result").as_array();
        if (result.size() != 1) return std::nullopt;
        return std::string(result[0].at("value").as_array()[1].as_string());
    };
    auto eventually = [&](const std::string& promql) -> std::optional<std::string> {
        auto until = std::chrono::steady_clock::now() + std::chrono::seconds(60);
        while (std::chrono::steady_clock::now() < until) {
            if (auto v = query(promql)) return v;
            std::this_thread::sleep_for(std::chrono::milliseconds(250));
        }
        return std::nullopt;
    };
    CHECK(eventually("probe_success{job=\"r1\",target=\"" + server.url("a") + "\"}") == "1");
    CHECK(eventually("probe_success{job=\"r1\",target=\"" + server.url("b") + "\"}") == "0");
    CHECK(eventually("probe_http_status_code{target=\"" + server.url("b") + "\"}") == "503");
    CHECK(eventually("probe_success{job=\"blackbox\",instance=\"" + server.url("c") + "\"}") == "1");
    auto tls_seconds = eventually("probe_http_duration_seconds{job=\"r1\",phase=\"tls\",target=\"" + server.url("a") + "\"}");
    REQUIRE(tls_seconds);
    CHECK(std::stod(*tls_seconds) > 0);
    CHECK(eventually("up{job=\"r1\"}") == "1");
    CHECK(server.requests("c") >= 1);
    auto r = stop(r1p, SIGTERM);
    CHECK(r.exit_code == 143);
}
