// Sharded fleets through the real binary: N r1 processes, each with --shard I/N, deploy with the
// stand-in flyctl and check against a real TLS server on loopback; r1 report merge must give what one
// process running the whole fleet gives. And every way a merge is refused.
#include "tests/support/fleet_dir.hpp"
#include "tests/support/output_checks.hpp"
#include "tests/support/processes.hpp"
#include "tests/support/r1_process.hpp"
#include "tests/support/test_pki.hpp"
#include "tests/support/tls_server.hpp"

#include <boost/json/serialize.hpp>

#include <catch2/catch.hpp>

#include <csignal>
#include <filesystem>
#include <map>
#include <memory>
#include <regex>
#include <set>
#include <sstream>
#include <thread>

using namespace std::chrono_literals;
using r1::test::app;
using r1::test::fleet_dir;
using r1::test::r1_options;
using r1::test::r1_process;
using r1::test::run_r1;
namespace json = boost::json;

namespace {

/// 24 apps with every outcome: healthy, health check 404 (exit 1), flyctl fails (3), flyctl
/// missing (2). The file order mixes them.
std::string mixed_fleet(const r1::test::tls_server& server) {
    std::string body = "health_url = \"" + server.https_url("/ok") + "\"\n";
    for (int i = 0; i < 6; ++i) {
        body += app("ok-" + std::to_string(i)) + app("web-" + std::to_string(i));
        body += app("sick-" + std::to_string(i), "health_url = \"" + server.https_url("/status/404") + "\"\n");
        if (i % 2 == 0) body += app("fail-" + std::to_string(i));
        else body += app("nofly-" + std::to_string(i), "flyctl = \"/nonexistent/flyctl\"\n");
    }
    return body;
}

/// Runs shards 0..n-1 of the batch at once, as n processes; returns each one's result.
std::vector<r1::test::r1_result> run_shards(const std::function<r1_options(std::size_t)>& opts, std::size_t n) {
    std::vector<std::unique_ptr<r1_process>> procs;
    for (std::size_t i = 0; i < n; ++i) procs.push_back(std::make_unique<r1_process>(opts(i)));
    std::vector<r1::test::r1_result> out;
    for (auto& p : procs) out.push_back(p->wait());
    return out;
}

/// What must match between a merged report and the one-process run: every task's outcome, the
/// counts, the exit code, the manifest; not timings.
json::object essence(const json::object& report) {
    json::array tasks;
    for (const auto& v : report.at("tasks").as_array()) {
        const auto& t = v.as_object();
        json::object e;
        for (auto key : {"index", "name", "provider", "url", "status", "exit_code", "detail", "criteria", "skip_reason",
                         "output_tail", "preview"})
            if (t.contains(key)) e[key] = t.at(key);
        e["attempts"] = t.at("attempts").as_array().size();
        tasks.push_back(std::move(e));
    }
    return json::object{{"command", report.at("command")},
                        {"dry_run", report.at("dry_run")},
                        {"exit_code", report.at("exit_code")},
                        {"interrupted_by", report.at("interrupted_by")},
                        {"counts", report.at("counts")},
                        {"manifest_sha256", report.at("manifest_sha256")},
                        {"settings", report.at("settings")},
                        {"tasks", std::move(tasks)}};
}

/// JUnit without its times.
std::string timeless(const std::string& xml) {
    return std::regex_replace(std::regex_replace(xml, std::regex(R"( time="[0-9.]+")"), ""),
                              std::regex(R"( timestamp="[^"]*")"), "");
}

}  // namespace

TEST_CASE("r1 report merge: N shards merged give the one-process run's report, JUnit and exit code (N = 1, 3, 8)",
          "[cli][shard][merge]") {
    r1::test::tls_server server;
    fleet_dir f;
    f.write(mixed_fleet(server));
    auto whole = run_r1(f.deploy({"--concurrency", "6", "--report", f.path("whole.json"), "--junit", f.path("whole.xml")}));
    INFO(whole.out << whole.err);
    REQUIRE(whole.exit_code == 2);  // 2 > 3 > 1
    auto expected = essence(r1::test::read_report(f.path("whole.json")));
    CHECK(expected.at("counts").at("ok").as_int64() == 12);

    auto n = GENERATE(1u, 3u, 8u);
    CAPTURE(n);
    std::vector<std::string> reports;
    for (std::size_t i = 0; i < n; ++i) reports.push_back(f.path("shard-" + std::to_string(i) + "-of-" + std::to_string(n) + ".json"));
    f.fly().forget_releases();  // the shards deploy the same releases the whole run made (v1), as it did
    auto shards = run_shards(
        [&](std::size_t i) {
            return f.deploy({"--shard", std::to_string(i) + "/" + std::to_string(n), "--concurrency", "2", "--report", reports[i]});
        },
        n);
    std::size_t held = 0;
    std::set<std::string> names;
    for (std::size_t i = 0; i < n; ++i) {
        INFO("shard " << i << ": " << shards[i].err);
        CHECK(shards[i].exit_code >= 0);
        auto doc = r1::test::read_report(reports[i]);
        CHECK(doc.at("shard").at("index") == i);
        CHECK(doc.at("shard").at("total") == n);
        CHECK(doc.at("shard").at("manifest_tasks").as_array().size() == 24);
        CHECK(doc.at("manifest_sha256") == expected.at("manifest_sha256"));
        for (const auto& t : doc.at("tasks").as_array()) names.insert(std::string(t.at("name").as_string()));
        held += doc.at("tasks").as_array().size();
    }
    CHECK(held == 24);         // every app once
    CHECK(names.size() == 24);

    std::vector<std::string> args{"report", "merge"};
    args.insert(args.end(), reports.rbegin(), reports.rend());  // any order
    args.insert(args.end(), {"--report", f.path("merged.json"), "--junit", f.path("merged.xml")});
    auto merged = run_r1({.args = args});
    INFO(merged.out << merged.err);
    CHECK(merged.exit_code == whole.exit_code);
    auto doc = r1::test::read_report(f.path("merged.json"));
    CHECK(json::serialize(essence(doc)) == json::serialize(expected));
    CHECK(doc.at("shard").is_null());
    CHECK(doc.at("merged").at("shards") == n);
    CHECK(doc.at("merged").at("missing").as_array().empty());
    CHECK(timeless(r1::test::read_file(f.path("merged.xml"))) == timeless(r1::test::read_file(f.path("whole.xml"))));
    // The summary ends as the one process's did.
    auto last_line = [](const std::string& out) { return out.substr(out.rfind(": ", out.rfind("; exit")) ); };
    CHECK(last_line(merged.out) == last_line(whole.out));
}

TEST_CASE("r1 verify --shard: the shards of a URL list merge into the one-process result", "[cli][shard][merge]") {
    r1::test::tls_server server;
    r1::test::temp_dir dir;
    std::string list;
    for (int i = 0; i < 30; ++i) list += server.https_url(i % 7 == 3 ? "/status/503?i=" + std::to_string(i) : "/ok?i=" + std::to_string(i)) + "\n";
    r1::test::write_file(dir / "urls.txt", list);
    auto verify = [&](std::vector<std::string> extra) {
        r1_options o{.args = {"verify", "--batch", (dir / "urls.txt").string(), "--ca-file", r1::test::ca_path()}};
        o.args.insert(o.args.end(), extra.begin(), extra.end());
        return o;
    };
    auto whole = run_r1(verify({"--report", (dir / "whole.json").string()}));
    REQUIRE(whole.exit_code == 1);
    auto shards = run_shards([&](std::size_t i) { return verify({"--shard", std::to_string(i) + "/3", "--report", (dir / ("s" + std::to_string(i))).string()}); }, 3);
    auto merged = run_r1({.args = {"report", "merge", (dir / "s0").string(), (dir / "s1").string(), (dir / "s2").string(),
                                   "--report", (dir / "merged.json").string()}});
    INFO(merged.err);
    CHECK(merged.exit_code == 1);
    CHECK(json::serialize(essence(r1::test::read_report((dir / "merged.json").string()))) ==
          json::serialize(essence(r1::test::read_report((dir / "whole.json").string()))));
}

TEST_CASE("--shard: adding an app moves no other app between shards; one shard more moves about 1/(N + 1), "
          "to the new shard alone", "[cli][shard]") {
    fleet_dir f;
    std::string body;
    for (int i = 0; i < 200; ++i) body += app("svc-" + std::to_string(i));
    f.write(body, "a.toml");
    f.write(body + app("svc-new"), "b.toml");
    // Which shard holds each app, from the dry runs' reports of every shard.
    auto assignment = [&](const std::string& file, std::size_t n) {
        std::map<std::string, std::size_t> at;
        for (std::size_t i = 0; i < n; ++i) {
            auto report = f.path(file + "-" + std::to_string(i) + ".json");
            auto r = run_r1(f.deploy({"--dry-run", "--shard", std::to_string(i) + "/" + std::to_string(n), "--report", report}, file));
            REQUIRE(r.exit_code == 0);
            auto doc = r1::test::read_report(report);
            for (const auto& t : doc.at("tasks").as_array()) at[std::string(t.at("name").as_string())] = i;
        }
        return at;
    };
    auto eight = assignment("a.toml", 8);
    auto eight_plus = assignment("b.toml", 8);
    auto nine = assignment("a.toml", 9);
    REQUIRE(eight.size() == 200);
    REQUIRE(eight_plus.size() == 201);
    std::size_t moved_by_app = 0, moved_by_shard = 0;
    for (const auto& [name, shard] : eight) {
        if (eight_plus.at(name) != shard) ++moved_by_app;
        if (nine.at(name) != shard) {
            ++moved_by_shard;
            CHECK(nine.at(name) == 8);
        }
    }
    CHECK(moved_by_app == 0);
    // 200 / 9 = 22 expected; the binomial spread at 200 apps is about 4.4.
    CAPTURE(moved_by_shard);
    CHECK(moved_by_shard >= 9);
    CHECK(moved_by_shard <= 36);
}

TEST_CASE("r1 report merge: a shard killed mid-run leaves its apps without a result, named, exit 4",
          "[cli][shard][merge][killed]") {
    r1::test::tls_server server;
    fleet_dir f;
    std::string body = "health_url = \"" + server.https_url("/ok") + "\"\n";
    for (int i = 0; i < 12; ++i) body += app("app-" + std::to_string(i));
    f.write(body);
    auto reports = std::vector<std::string>{f.path("s0.json"), f.path("s1.json"), f.path("s2.json")};
    auto ok0 = run_r1(f.deploy({"--shard", "0/3", "--report", reports[0]}));
    auto ok2 = run_r1(f.deploy({"--shard", "2/3", "--report", reports[2]}));
    REQUIRE(ok0.exit_code == 0);
    REQUIRE(ok2.exit_code == 0);
    // Shard 1's deploys hang (a grandchild each); r1 is killed outright, as an OOM kill would.
    auto o = f.deploy({"--shard", "1/3", "--report", reports[1]});
    o.env.emplace_back("FAKE_FLY_MODE", "family");
    std::vector<pid_t> pids;
    {
        r1_process shard1{o};
        for (int waited = 0; waited < 10'000 && pids.size() < 2; waited += 20) {
            std::this_thread::sleep_for(20ms);
            pids.clear();
            std::istringstream in(r1::test::read_file(f.fly().record_dir() + "/all.pids"));
            for (pid_t p; in >> p;) pids.push_back(p);
        }
        REQUIRE(pids.size() >= 2);
        shard1.signal(SIGKILL);
        auto r = shard1.wait();
        CHECK(r.signal == SIGKILL);
    }
    CHECK_FALSE(std::filesystem::exists(reports[1]));  // no report from a killed shard
    // A SIGKILLed r1 cannot stop its children; the test does, so none outlives it.
    std::this_thread::sleep_for(200ms);
    pids.clear();
    std::istringstream all_pids(r1::test::read_file(f.fly().record_dir() + "/all.pids"));
    for (pid_t p; all_pids >> p;) pids.push_back(p);
    for (auto p : pids) ::kill(p, SIGKILL);
    for (auto p : pids) CHECK(r1::test::wait_until_gone(p, 2000));

    auto held = r1::test::read_report(reports[0]).at("shard").at("manifest_tasks").as_array();
    std::set<std::string> in_reports;
    for (auto i : {0, 2}) {
        auto doc = r1::test::read_report(reports[static_cast<std::size_t>(i)]);
        for (const auto& t : doc.at("tasks").as_array()) in_reports.insert(std::string(t.at("name").as_string()));
    }
    std::vector<std::string> lost;
    for (const auto& n : held)
        if (!in_reports.contains(std::string(n.as_string()))) lost.emplace_back(n.as_string());
    REQUIRE_FALSE(lost.empty());

    auto merged = run_r1({.args = {"report", "merge", reports[0], reports[2], "--report", f.path("m.json"), "--junit", f.path("m.xml")}});
    INFO(merged.out << merged.err);
    CHECK(merged.exit_code == 4);
    CHECK(merged.err.find("shard 1/3 has no report: its " + std::to_string(lost.size()) + " tasks have no result: ") != std::string::npos);
    for (const auto& name : lost) CHECK(merged.err.find(name) != std::string::npos);
    CHECK(merged.out.find("without a result (shard report missing); exit 4") != std::string::npos);
    auto doc = r1::test::read_report(f.path("m.json"));
    CHECK(doc.at("exit_code") == 4);
    CHECK(doc.at("counts").at("unknown") == lost.size());
    CHECK(doc.at("counts").at("ok") == 12 - lost.size());
    const auto& missing = doc.at("merged").at("missing").as_array();
    REQUIRE(missing.size() == 1);
    CHECK(missing[0].at("index") == 1);
    CHECK(missing[0].at("tasks").as_array().size() == lost.size());
    for (const auto& t : doc.at("tasks").as_array())
        if (std::find(lost.begin(), lost.end(), t.at("name").as_string()) != lost.end()) {
            CHECK(t.at("status") == "unknown");
            CHECK(t.at("exit_code").is_null());
            CHECK(t.at("detail") == "no result: shard 1/3 left no report");
        }
    auto xml = r1::test::read_file(f.path("m.xml"));
    CHECK(r1::test::count_of(xml, "<error type=\"no result\"") == lost.size());
}

TEST_CASE("r1 report merge: an interrupted shard makes the merge 130 / 143; SIGTERM wins over SIGINT",
          "[cli][shard][merge][signal]") {
    fleet_dir f;
    std::string body = "health_url = \"" + r1::test::refused_http_url() + "\"\n";
    for (int i = 0; i < 9; ++i) body += app("app-" + std::to_string(i));
    f.write(body);
    std::vector<std::string> reports;
    for (int i = 0; i < 3; ++i) reports.push_back(f.path("s" + std::to_string(i) + ".json"));
    auto interrupted = [&](std::size_t i, int sig) {
        auto o = f.deploy({"--shard", std::to_string(i) + "/3", "--report", reports[i]});
        o.env.emplace_back("FAKE_FLY_MODE", "sleep");
        auto before = f.deploys().size();
        r1_process p{o};
        for (int waited = 0; waited < 10'000 && f.deploys().size() == before; waited += 20) std::this_thread::sleep_for(20ms);
        REQUIRE(f.deploys().size() > before);  // a deploy of this shard runs
        p.signal(sig);
        auto r = p.wait();
        CHECK(r.exit_code == 128 + sig);
    };
    interrupted(0, SIGINT);
    interrupted(1, SIGTERM);
    interrupted(2, SIGINT);
    for (auto order : {std::vector<std::size_t>{0, 1, 2}, std::vector<std::size_t>{2, 1, 0}}) {
        auto merged = run_r1({.args = {"report", "merge", reports[order[0]], reports[order[1]], reports[order[2]]}});
        CHECK(merged.exit_code == 143);
    }
    auto two = run_r1({.args = {"report", "merge", reports[0], reports[2], "--report", f.path("m.json")}});
    CHECK(two.exit_code == 130);  // the interrupt outranks the missing shard's 4
    CHECK(two.err.find("shard 1/3 has no report") != std::string::npos);
    CHECK(r1::test::read_report(f.path("m.json")).at("interrupted_by") == "SIGINT");
}

TEST_CASE("r1 report merge: reports that are not the shards of one run are refused, nothing written",
          "[cli][shard][merge][usage]") {
    fleet_dir f;
    std::string body;
    for (int i = 0; i < 10; ++i) body += app("app-" + std::to_string(i));
    f.write(body);
    f.write(body + app("app-new"), "changed.toml");
    auto shard = [&](std::string s, std::string report, std::vector<std::string> more = {}, std::string file = "fleet.toml") {
        std::vector<std::string> args{"--dry-run", "--shard", s, "--report", f.path(report)};
        args.insert(args.end(), more.begin(), more.end());
        auto r = run_r1(f.deploy(args, file));
        REQUIRE(r.exit_code == 0);
        return f.path(report);
    };
    auto a0 = shard("0/2", "a0.json"), a1 = shard("1/2", "a1.json");
    auto out = f.path("merged.json");
    auto refused = [&](std::vector<std::string> reports, std::string says) {
        std::vector<std::string> args{"report", "merge"};
        args.insert(args.end(), reports.begin(), reports.end());
        args.insert(args.end(), {"--report", out, "--junit", f.path("merged.xml")});
        auto r = run_r1({.args = args});
        INFO(r.err);
        CHECK(r.exit_code == 2);
        CHECK(r.out.empty());
        CHECK(r.err.find(says) != std::string::npos);
        CHECK(r.err.starts_with("r1: error: "));
        CHECK(r1::test::count_of(r.err, "\n") == 1);
        CHECK_FALSE(std::filesystem::exists(out));
        CHECK_FALSE(std::filesystem::exists(f.path("merged.xml")));
    };
    SECTION("a changed manifest") {
        auto b1 = shard("1/2", "b1.json", {}, "changed.toml");
        refused({a0, b1}, "are not shards of one run: different manifests");
    }
    SECTION("other settings") {
        auto c1 = shard("1/2", "c1.json", {"--region", "fra"});
        refused({a0, c1}, "different settings: --region \"fra\" in " + c1 + ", not given in " + a0);
    }
    SECTION("another shard count") {
        auto d1 = shard("1/3", "d1.json");
        refused({a0, d1}, "different shard counts (2 and 3)");
    }
    SECTION("a shard twice names the shard, the files and the apps it holds") {
        auto copy = f.path("a0-again.json");
        std::filesystem::copy_file(a0, copy);
        auto held = r1::test::read_report(a0).at("tasks").as_array();
        refused({a0, a1, copy}, "shard 0/2 is given 2 times (" + a0 + ", " + copy + "); it holds " +
                                    std::to_string(held.size()) + " tasks: " + std::string(held[0].at("name").as_string()));
    }
    SECTION("not JSON, not a report, a task on the wrong shard, too large") {
        r1::test::write_file(f.path("bad.json"), "{\n  \"r1_version\": \"1\",\n  oops\n}\n");
        refused({a0, f.path("bad.json")}, "bad.json: not valid JSON at line 3, column 3");
        r1::test::write_file(f.path("other.json"), "{\"hello\": 1}\n");
        refused({f.path("other.json")}, "other.json: not an r1 --report file");
        r1::test::write_file(f.path("two.json"), r1::test::read_file(a0) + r1::test::read_file(a1));
        refused({f.path("two.json")}, "more after the JSON document");
        // A task moved to the other shard's report: the hash says it is not that shard's.
        auto doc = r1::test::read_report(a0);
        auto other = r1::test::read_report(a1);
        doc.at("tasks").as_array().push_back(other.at("tasks").as_array()[0]);
        r1::test::write_file(f.path("tampered.json"), json::serialize(doc));
        refused({f.path("tampered.json"), a1}, "belongs to shard 1, not to this report's shard 0");
        // One byte past the limit, as a sparse file: r1 reads it up to the limit and stops.
        r1::test::write_file(f.path("huge.json"), " ");
        std::filesystem::resize_file(f.path("huge.json"), 256 * 1024 * 1024 + 1);
        refused({a0, f.path("huge.json")}, "huge.json is larger than 256 MiB");
        refused({a0, f.path("nonexistent.json")}, "cannot read");
    }
    SECTION("a single deploy's report: it has no manifest (null), so it is no shard") {
        auto single = f.path("single.json");
        auto r = run_r1({.args = {"deploy", "--app", "app-0", "--dry-run", "--report", single}});
        REQUIRE(r.exit_code == 0);
        CHECK(r1::test::read_report(single).at("manifest_sha256").is_null());
        refused({a0, single}, "single.json: a single deploy's report (no manifest): only the shards of one --batch merge");
    }
    SECTION("a report of another output schema") {
        CHECK(r1::test::read_report(a1).at("schema") == 1);
        auto doc = r1::test::read_report(a1);
        doc["schema"] = 2;
        r1::test::write_file(f.path("future.json"), json::serialize(doc));
        refused({a0, f.path("future.json")}, "future.json: written by r1 " + std::string(R1_VERSION) +
                                                 " in output schema 2; this r1 reads schema 1");
    }
    SECTION("no report, or a bad flag") {
        auto r = run_r1({.args = {"report", "merge"}});
        CHECK(r.exit_code == 2);
        CHECK(r.err.find("needs the reports to merge") != std::string::npos);
        CHECK(run_r1({.args = {"report", "merge", a0, "--concurrency", "2"}}).exit_code == 2);
        CHECK(run_r1({.args = {"report", "split", a0}}).exit_code == 2);
        auto help = run_r1({.args = {"report", "--help"}});
        CHECK(help.exit_code == 0);
        CHECK(help.out.find("--junit FILE") != std::string::npos);
    }
}

TEST_CASE("--shard auto/N takes the index from JOB_COMPLETION_INDEX, and refuses it missing or out of range",
          "[cli][shard][kubernetes]") {
    fleet_dir f;
    std::string body;
    for (int i = 0; i < 10; ++i) body += app("app-" + std::to_string(i));
    f.write(body);
    auto with_index = [&](std::vector<std::pair<std::string, std::string>> env, std::vector<std::string> unset = {}) {
        auto o = f.deploy({"--dry-run", "--shard", "auto/4", "--report", f.path("auto.json")});
        o.env.insert(o.env.end(), env.begin(), env.end());
        o.unset_env = std::move(unset);
        return run_r1(o);
    };
    auto r = with_index({{"JOB_COMPLETION_INDEX", "2"}});
    REQUIRE(r.exit_code == 0);
    auto by_env = r1::test::read_report(f.path("auto.json"));
    CHECK(by_env.at("shard").at("index") == 2);
    REQUIRE(run_r1(f.deploy({"--dry-run", "--shard", "2/4", "--report", f.path("explicit.json")})).exit_code == 0);
    // The same tasks, whatever each took (a dry run's duration_ms is 0 or 1 by chance).
    auto untimed = [](boost::json::value tasks) {
        for (auto& t : tasks.as_array()) t.as_object().erase("duration_ms");
        return tasks;
    };
    CHECK(untimed(by_env.at("tasks")) == untimed(r1::test::read_report(f.path("explicit.json")).at("tasks")));

    auto missing = with_index({}, {"JOB_COMPLETION_INDEX"});
    CHECK(missing.exit_code == 2);
    CHECK(missing.err == "r1: error: --shard auto/4: JOB_COMPLETION_INDEX is not set (a Kubernetes Indexed Job sets it "
                         "in each pod; elsewhere give the index: --shard I/4)\n");
    auto out_of_range = with_index({{"JOB_COMPLETION_INDEX", "4"}});
    CHECK(out_of_range.exit_code == 2);
    CHECK(out_of_range.err.find("JOB_COMPLETION_INDEX 4 is out of range 0 to 3") != std::string::npos);
    auto garbage = with_index({{"JOB_COMPLETION_INDEX", "two"}});
    CHECK(garbage.exit_code == 2);
    CHECK(garbage.err.find("is not a whole number") != std::string::npos);
    CHECK_FALSE(std::filesystem::exists(f.fly().record_dir() + "/argv"));  // nothing ran
    auto bad = run_r1(f.deploy({"--shard", "4/4"}));
    CHECK(bad.exit_code == 2);
    CHECK(bad.err.find("the index runs from 0 to 3") != std::string::npos);
}

TEST_CASE("r1 report merge: the merged report and JUnit are 0600 files that replace a link planted at their names",
          "[cli][merge][security]") {
    fleet_dir f;
    std::string body;
    for (int i = 0; i < 6; ++i) body += app("app-" + std::to_string(i));
    f.write(body);
    std::vector<std::string> args{"report", "merge"};
    for (int i = 0; i < 2; ++i) {
        auto report = f.path("s" + std::to_string(i) + ".json");
        REQUIRE(run_r1(f.deploy({"--dry-run", "--shard", std::to_string(i) + "/2", "--report", report})).exit_code == 0);
        args.push_back(report);
    }
    // The victims a careless writer would truncate or write through.
    auto victim = f.path("victim.txt"), victim_xml = f.path("victim.xml");
    r1::test::write_file(victim, "keep me\n");
    r1::test::write_file(victim_xml, "keep me too\n");
    std::filesystem::create_symlink(victim, f.path("merged.json"));
    std::filesystem::create_symlink(victim_xml, f.path("merged.xml"));
    args.insert(args.end(), {"--report", f.path("merged.json"), "--junit", f.path("merged.xml")});

    auto r = run_r1({.args = args});
    REQUIRE(r.exit_code == 0);
    CHECK(r1::test::read_file(victim) == "keep me\n");
    CHECK(r1::test::read_file(victim_xml) == "keep me too\n");
    for (auto name : {"merged.json", "merged.xml"}) {
        auto st = std::filesystem::symlink_status(f.path(name));
        INFO(name);
        CHECK(std::filesystem::is_regular_file(st));
        CHECK((st.permissions() & std::filesystem::perms::all) ==
              (std::filesystem::perms::owner_read | std::filesystem::perms::owner_write));
    }
    CHECK(r1::test::read_report(f.path("merged.json")).at("counts").at("ok") == 6);
}
