// Input checks a new user trips over: a message that names the flag, a manifest problem at its
// value's own line, one rule for a health URL given twice, "did you mean" for flags and flyctl's short
// forms, one rule for the directories of output files.
#include "tests/support/fake_flyctl.hpp"
#include "tests/support/processes.hpp"
#include "tests/support/r1_process.hpp"

#include <catch2/catch.hpp>

#include <algorithm>
#include <filesystem>

using r1::test::read_file;
using r1::test::run_r1;
using r1::test::temp_dir;
using r1::test::write_file;

namespace {

std::size_t lines_in(const std::string& s) { return static_cast<std::size_t>(std::count(s.begin(), s.end(), '\n')); }

}  // namespace

TEST_CASE("r1 deploy --region Frankfurt: the message names the flag", "[cli][input]") {
    auto r = run_r1({.args = {"deploy", "--app", "web", "--region", "Frankfurt"}});
    CHECK(r.exit_code == 2);
    CHECK(r.err ==
          "r1: error: invalid --region \"Frankfurt\": use a region code such as iad or fra (lowercase letters and "
          "digits)\n");
    auto image = run_r1({.args = {"deploy", "--app", "web", "--image", "nginx latest"}});
    CHECK(image.err.starts_with("r1: error: invalid --image \"nginx latest\": use an image reference"));
}

TEST_CASE("r1 deploy: flyctl's short forms -a, -r and -i, in each way flyctl takes them", "[cli][input][args]") {
    for (auto args : {std::vector<std::string>{"-a", "web", "-r", "fra", "-i", "nginx:1"},
                      std::vector<std::string>{"-aweb", "-rfra", "-inginx:1"},
                      std::vector<std::string>{"-a=web", "-r=fra", "-i=nginx:1"}}) {
        CAPTURE(args);
        args.insert(args.begin(), "deploy");
        args.push_back("--dry-run");
        auto r = run_r1({.args = args});
        CHECK(r.exit_code == 0);
        CHECK(r.err.find("\nrun:      flyctl deploy --app web --region fra --image nginx:1\n") != std::string::npos);
    }
    auto help = run_r1({.args = {"deploy", "--help"}});
    CHECK(help.out.find("\n  -a, --app NAME         ") != std::string::npos);
    CHECK(help.out.find("\n  -r, --region CODE      ") != std::string::npos);
    CHECK(help.out.find("\n  -- ARGS...             the rest goes to the provider CLI's deploy") != std::string::npos);
    CHECK(run_r1({.args = {"deploy", "-a"}}).err == "r1: error: -a needs a value\n");
}

TEST_CASE("r1 deploy: an unknown flag gets a \"did you mean\", or where a provider's flag goes", "[cli][input][args]") {
    auto [flag, message] = GENERATE(table<std::string, std::string>({
        {"--ap", "unknown flag --ap (did you mean --app?)"},
        {"--helth-url", "unknown flag --helth-url (did you mean --health-url?)"},
        {"--dryrun", "unknown flag --dryrun (did you mean --dry-run?)"},
        {"--retires", "unknown flag --retires (did you mean --retries?)"},
        {"--config", "unknown flag --config (see r1 deploy --help; a flag of the provider's CLI goes after --, as in "
                     "r1 deploy --app NAME -- --config ...)"},
    }));
    auto r = run_r1({.args = {"deploy", "--app", "web", flag, "x"}});
    CHECK(r.exit_code == 2);
    CHECK(r.err == "r1: error: " + message + "\n");
    auto verify = run_r1({.args = {"verify", "--expected-bdy", "OK", "https://x.example/"}});
    CHECK(verify.err == "r1: error: unknown flag --expected-bdy (did you mean --expected-body?)\n");
}

TEST_CASE("r1 deploy --batch: a problem in a value is reported at that value's line", "[cli][input][manifest]") {
    temp_dir dir;
    write_file(dir / "fleet.toml",
               "[defaults]\n"                       // 1
               "image = \"nginx latest\"\n"         // 2
               "\n"                                 // 3
               "[[app]]\n"                          // 4
               "name = \"api\"\n"                   // 5
               "\n"                                 // 6
               "region = \"Frankfurt\"\n"           // 7
               "health_url = \"ftp://api.example\"\n"  // 8
               "\n"                                 // 9
               "[[app]]\n"                          // 10
               "name = \"web\"\n"                   // 11
               "provider = \"heroku\"\n"            // 12
               "\n"                                 // 13
               "[[app]]\n"                          // 14
               "name = \"www\"\n"                   // 15
               "image = \"nginx:1\"\n"              // 16
               "provider_args = [\"--access-token\", \"fm2_xxxxxxxxxxxxxxxxxxxxxxxx\"]\n");  // 17
    auto r = run_r1({.args = {"deploy", "--batch", (dir / "fleet.toml").string(), "--dry-run"}});
    const auto m = (dir / "fleet.toml").string();
    CHECK(r.exit_code == 2);
    CHECK(r.err.find("r1: error: " + m + ":2: invalid image \"nginx latest\": use an image reference") != std::string::npos);
    CHECK(r.err.find("r1: error: " + m + ":7: invalid region \"Frankfurt\": use a region code") != std::string::npos);
    CHECK(r.err.find("r1: error: " + m + ":8: invalid health_url: ") != std::string::npos);
    CHECK(r.err.find("r1: error: " + m + ":12: unknown provider \"heroku\"") != std::string::npos);
    CHECK(r.err.find("r1: error: " + m + ":17: argument 1 for flyctl is --access-token, a credential flag") !=
          std::string::npos);
    CHECK(r.err.find("fm2_xxxx") == std::string::npos);
    CHECK(r.err.find("; nothing was started\n") != std::string::npos);

    SECTION("a flag's bad value, not set in the manifest, is the command line's") {
        write_file(dir / "one.toml", "[[app]]\nname = \"api\"\n");
        auto cli = run_r1({.args = {"deploy", "--batch", (dir / "one.toml").string(), "--region", "Frankfurt", "--dry-run"}});
        CHECK(cli.exit_code == 2);
        CHECK(cli.err.find((dir / "one.toml").string() + ":1: invalid --region \"Frankfurt\": use a region code such as "
                           "iad or fra (lowercase letters and digits) (given on the command line)\n") != std::string::npos);
    }
    SECTION("provider_args must be a list of strings") {
        write_file(dir / "bad.toml", "[[app]]\nname = \"api\"\nprovider_args = \"--strategy rolling\"\n"
                                     "[[app]]\nname = \"web\"\nprovider_args = [\"--ha\", false]\n");
        auto bad = run_r1({.args = {"deploy", "--batch", (dir / "bad.toml").string(), "--dry-run"}});
        CHECK(bad.err.find(":3: provider_args must be a list of strings, like [\"--strategy\", \"rolling\"], not a string\n") !=
              std::string::npos);
        CHECK(bad.err.find(":6: \"provider_args\": an array in a manifest holds strings only\n") != std::string::npos);
    }
}

TEST_CASE("r1 deploy --batch: two apps checked at one URL run, with a warning naming both lines",
          "[cli][input][manifest]") {
    temp_dir dir;
    write_file(dir / "fleet.toml", "[[app]]\nname = \"web\"\n\n[[app]]\nname = \"www\"\n"
                                   "health_url = \"https://web.fly.dev\"\n\n[[app]]\nname = \"api\"\n");
    auto r = run_r1({.args = {"deploy", "--batch", (dir / "fleet.toml").string(), "--dry-run"}});
    CHECK(r.exit_code == 0);
    CHECK(r.err == "r1: warning: " + (dir / "fleet.toml").string() +
                       ":6: app \"www\" is checked at the same URL as app \"web\" (line 2): \"https://web.fly.dev\"; "
                       "both are deployed and checked\n");
    CHECK(r.out.find("3 ok, 0 failed; exit 0") != std::string::npos);
    // A URL list is nothing but its URLs: there a duplicate is refused, as before.
    auto list = run_r1({.args = {"verify", "https://a.example/", "https://a.example/"}});
    CHECK(list.exit_code == 2);
    CHECK(list.err.find("duplicate") != std::string::npos);
}

TEST_CASE("r1: --report, --junit and --log-dir create a missing directory alike", "[cli][input][output-files]") {
    temp_dir dir;
    write_file(dir / "urls.txt", "http://127.0.0.1:1/\n");
    const auto report = dir / "ci" / "run-42" / "report.json";
    const auto junit = dir / "ci" / "junit" / "r1.xml";
    const auto logs = dir / "ci" / "logs";
    auto r = run_r1({.args = {"verify", "--batch", (dir / "urls.txt").string(), "--timeout", "2s", "--report",
                              report.string(), "--junit", junit.string(), "--log-dir", logs.string()}});
    CHECK(r.exit_code == 1);  // nothing listens there; the files are what this test is about
    CHECK(read_file(report).find("\"tasks\"") != std::string::npos);
    CHECK(read_file(junit).find("<testsuites") != std::string::npos);
    CHECK(std::filesystem::is_directory(logs));
    SECTION("what cannot be created is refused before anything runs, in one line") {
        write_file(dir / "plain-file", "x");
        auto refused = run_r1({.args = {"verify", "--batch", (dir / "urls.txt").string(), "--report",
                                        (dir / "plain-file" / "sub" / "r.json").string()}});
        CHECK(refused.exit_code == 2);
        CHECK(lines_in(refused.err) == 1);
        CHECK(refused.err == "r1: error: cannot write " + (dir / "plain-file" / "sub" / "r.json").string() +
                                 ": Not a directory\n");
        auto proc = run_r1({.args = {"verify", "--batch", (dir / "urls.txt").string(), "--junit", "/proc/r1-none/j.xml"}});
        CHECK(proc.exit_code == 2);
        CHECK(proc.err.starts_with("r1: error: cannot write /proc/r1-none/j.xml: cannot create its directory: "));
        CHECK(lines_in(proc.err) == 1);
    }
}
