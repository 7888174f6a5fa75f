// r1 deploy / r1 verify --browser, end to end: the real r1 binary, real Chromium, loopback HTTPS pages.
#include "tests/support/chromium.hpp"
#include "tests/support/output_checks.hpp"
#include "tests/support/page_server.hpp"
#include "tests/support/processes.hpp"
#include "tests/support/r1_process.hpp"
#include "tests/support/test_pki.hpp"

#include <catch2/catch.hpp>

#include <boost/json.hpp>

#include <csignal>
#include <map>
#include <thread>

namespace {

namespace json = boost::json;
using namespace std::chrono_literals;
using r1::test::page_server;

std::string html(const std::string& inner) { return "<!doctype html><html><body>" + inner + "</body></html>"; }

/// A site with a clean page and a page with a console error, and a TMPDIR for r1's Chromium profiles.
struct site {
    page_server pages;
    r1::test::temp_dir tmp;
    site() {
        pages.serve("/clean", {.body = html("<p>fine</p>")});
        pages.serve("/broken", {.body = html("<script>\nconsole.error('bundle failed', 7);\n</script>")});
        pages.serve("/never", {.body = html("<img src=/hang.png>")});
        pages.serve("/hang.png", {.hang = true});
    }
    r1::test::r1_options r1(std::vector<std::string> args) const {
        r1::test::r1_options o;
        o.args = std::move(args);
        o.env = {{"TMPDIR", tmp.path().string()}};
        return o;
    }
    /// Nothing of any browser r1 ran is left: no live process, no profile.
    void check_nothing_left() const {
        CHECK(r1::test::processes_mentioning(tmp.path().string()).empty());
        CHECK(r1::test::empty_dir(tmp.path()));
    }
};

const json::object& browser_of(const json::object& event) { return event.at("browser").as_object(); }

}  // namespace

TEST_CASE("r1 verify --browser: findings in NDJSON, --report, JUnit and a screenshot per page under --log-dir",
          "[cli][browser]") {
    site s;
    r1::test::temp_dir out;
    auto report = (out / "report.json").string();
    auto junit = (out / "junit.xml").string();
    auto logs = out / "logs";
    auto res = r1::test::run_r1(s.r1({"verify", s.pages.url("/clean"), s.pages.url("/broken"), "--ca-file",
                                      r1::test::ca_path(), "--browser", "--output", "json", "--report", report, "--junit",
                                      junit, "--log-dir", logs.string()}));

    INFO(res.err);
    CHECK(res.exit_code == 1);
    auto events = r1::test::ndjson(res.out);
    std::map<std::string, json::object> ends;
    for (const auto& e : events)
        if (e.as_object().at("event") == "task.end") ends[std::string(e.as_object().at("url").as_string())] = e.as_object();
    REQUIRE(ends.size() == 2);
    const auto& clean = ends[s.pages.url("/clean")];
    const auto& broken = ends[s.pages.url("/broken")];
    CHECK(clean.at("ok") == true);
    CHECK(browser_of(clean).at("console_errors") == 0);
    CHECK(browser_of(clean).at("timings").as_object().contains("load_ms"));
    CHECK(broken.at("ok") == false);
    CHECK(broken.at("code") == 1);
    CHECK(broken.at("detail") == "browser check: 1 console error");
    const auto& b = browser_of(broken);
    CHECK(b.at("console_errors") == 1);
    const auto& first = b.at("console").as_array().at(0).as_object();
    CHECK(first.at("text") == "bundle failed 7");
    CHECK(first.at("source").as_string() == s.pages.url("/broken"));
    CHECK(first.at("line") == 2);

    auto doc = json::parse(r1::test::read_file(report)).as_object();
    std::size_t with_errors = 0;
    for (const auto& t : doc.at("tasks").as_array())
        with_errors += t.as_object().at("browser").as_object().at("console_errors").as_int64();
    CHECK(with_errors == 1);
    auto xml = r1::test::read_file(junit);
    CHECK(xml.find("message=\"browser check: 1 console error\"") != std::string::npos);
    CHECK(xml.find("console.error: bundle failed 7 (" + s.pages.url("/broken") + ":2:9)") != std::string::npos);
    CHECK(r1::test::read_file(logs / ("task-1-https___localhost_" + std::to_string(s.pages.port()) + "_clean.png"))
              .starts_with("\x89PNG"));
    CHECK(r1::test::read_file(logs / ("task-2-https___localhost_" + std::to_string(s.pages.port()) + "_broken.log"))
              .find("browser check: 1 console error") != std::string::npos);
    s.check_nothing_left();
}

TEST_CASE("r1 deploy --verify-only --browser: the result carries the console-error count", "[cli][browser]") {
    site s;
    SECTION("--max-console-errors lets it pass, the count still reported") {
        auto res = r1::test::run_r1(s.r1({"deploy", "--verify-only", "--health-url", s.pages.url("/broken"), "--ca-file",
                                          r1::test::ca_path(), "--browser", "--max-console-errors", "1", "--output", "json"}));
        INFO(res.err);
        CHECK(res.exit_code == 0);
        auto events = r1::test::ndjson(res.out);
        REQUIRE(!events.empty());
        CHECK(browser_of(events.back().as_object()).at("console_errors") == 1);
    }
    SECTION("text: the verdict and its cause, exit 1") {
        auto res = r1::test::run_r1(s.r1({"deploy", "--verify-only", "--health-url", s.pages.url("/broken"), "--ca-file",
                                          r1::test::ca_path(), "--browser"}));
        CHECK(res.exit_code == 1);
        CHECK(res.out.starts_with("health check: 200 OK"));
        CHECK(res.err.find("r1: error: browser check: 1 console error\n") != std::string::npos);
        CHECK(res.err.find("  | console.error: bundle failed 7 (" + s.pages.url("/broken") + ":2:9)\n") != std::string::npos);
    }
    s.check_nothing_left();
}

TEST_CASE("r1 verify --batch: manifest keys browser and browser_url", "[cli][browser]") {
    site s;
    r1::test::temp_dir dir;
    r1::test::write_file(dir / "fleet.toml", "[defaults]\nbrowser = true\n\n[[app]]\nname = \"web\"\nhealth_url = \"" +
                                                 s.pages.url("/clean") + "\"\nbrowser_url = \"" + s.pages.url("/broken") +
                                                 "\"\nmax_console_errors = 0\n");
    auto res = r1::test::run_r1(s.r1({"verify", "--batch", (dir / "fleet.toml").string(), "--ca-file", r1::test::ca_path()}));
    CHECK(res.exit_code == 1);
    CHECK(res.out.find("FAILED web") != std::string::npos);
    CHECK(res.out.find("browser check: 1 console error") != std::string::npos);

    r1::test::write_file(dir / "typo.toml", "[[app]]\nname = \"web\"\nbrowsr = true\nbrowser_timeout = \"soon\"\n");
    auto bad = r1::test::run_r1(s.r1({"verify", "--batch", (dir / "typo.toml").string()}));
    CHECK(bad.exit_code == 2);
    CHECK(bad.err.find("unknown key \"browsr\" (did you mean \"browser\"?)") != std::string::npos);
    CHECK(bad.err.find("browser_timeout \"soon\" is not a duration") != std::string::npos);
    s.check_nothing_left();
}

TEST_CASE("r1 --browser without Chromium: exit 2, how to install it, nothing run", "[cli][browser]") {
    site s;
    SECTION("not on $PATH") {
        auto o = s.r1({"verify", s.pages.url("/clean"), "--browser"});
        o.env.emplace_back("PATH", "/nonexistent");
        auto res = r1::test::run_r1(o);
        CHECK(res.exit_code == 2);
        CHECK(res.err == "r1: error: --browser needs Chromium: install it (apt-get install chromium) or pass --chromium PATH\n");
    }
    SECTION("--chromium names no executable") {
        auto res = r1::test::run_r1(s.r1({"deploy", "--verify-only", "--health-url", s.pages.url("/clean"), "--browser",
                                          "--chromium", "/nonexistent/chromium"}));
        CHECK(res.exit_code == 2);
        CHECK(res.err == "r1: error: --chromium \"/nonexistent/chromium\" is not an executable file\n");
    }
    CHECK(s.pages.requested().empty());
}

TEST_CASE("r1 verify --browser interrupted mid-check: exit 130, no Chromium process or profile left", "[cli][browser]") {
    site s;
    r1::test::r1_process r1p{s.r1({"verify", s.pages.url("/never"), "--ca-file", r1::test::ca_path(), "--browser",
                                   "--browser-timeout", "60s"})};
    for (int i = 0; i < 500 && s.pages.count("/hang.png") == 0; ++i) std::this_thread::sleep_for(20ms);
    REQUIRE(s.pages.count("/hang.png") == 1);  // the browser is mid-check, waiting on the image
    REQUIRE(!r1::test::processes_mentioning(s.tmp.path().string()).empty());
    r1p.signal(SIGINT);
    auto res = r1p.wait();
    CHECK(res.exit_code == 130);
    s.check_nothing_left();
}
