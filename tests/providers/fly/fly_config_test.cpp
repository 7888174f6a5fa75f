#include "providers/fly/fly_config.hpp"

#include "tests/support/processes.hpp"

#include <catch2/catch.hpp>

#include <filesystem>

using namespace r1::providers::fly;
using r1::test::temp_dir;
using r1::test::write_file;

// Lines of real fly.toml files from flyctl's repository (github.com/superfly/flyctl):
//   internal/appconfig/testdata/full-reference.toml: primary_region = "sea"
//   test/preflight/fixtures/deploy-node/fly.toml:    primary_region = '{{region}}' (fly launch's quoting)
TEST_CASE("fly_config: primary_region at the top level of a fly.toml", "[providers][fly][region]") {
    CHECK(toml_primary_region("app = \"foo\"\nkill_signal = \"SIGTERM\"\nprimary_region = \"sea\"\n\n[build]\n") == "sea");
    CHECK(toml_primary_region("app = \"x\"\nprimary_region = 'ams'\n[build]\n  dockerfile = 'Dockerfile'\n") == "ams");
    CHECK(toml_primary_region("# comment\n  primary_region   =   \"fra\"   # where the db is\r\n") == "fra");
    SECTION("a key of a table is not the app's") {
        CHECK(toml_primary_region("app = \"x\"\n[env]\n  primary_region = \"syd\"\n").empty());
        CHECK(toml_primary_region("[[vm]]\nprimary_region = \"syd\"\n").empty());
    }
    SECTION("a multi-line value does not end the top level early, nor hide a key in its text") {
        CHECK(toml_primary_region("console = \"\"\"\n[not a table]\nprimary_region = \"xxx\"\n\"\"\"\nprimary_region = \"lhr\"\n") ==
              "lhr");
        CHECK(toml_primary_region("cmd = [\n  \"a\",\n  [\"b\"],\n]\nprimary_region = 'gru'\n") == "gru");
    }
    SECTION("anything but a plain string is not read") {
        CHECK(toml_primary_region("primary_region = 42\n").empty());
        CHECK(toml_primary_region("primary_region = \"\"\"iad\"\"\"\n").empty());
        CHECK(toml_primary_region("primary_region = \"ia\\u0064\"\n").empty());
        CHECK(toml_primary_region("primary_region = \"iad\" trailing\n").empty());
        CHECK(toml_primary_region("").empty());
    }
}

TEST_CASE("fly_config: primary_region in fly.json and fly.yaml", "[providers][fly][region]") {
    CHECK(json_primary_region(R"({"app":"x","primary_region":"cdg","build":{}})") == "cdg");
    CHECK(json_primary_region(R"({"app":"x","build":{"primary_region":"cdg"}})").empty());
    CHECK(json_primary_region("not json").empty());
    CHECK(yaml_primary_region("app: x\nprimary_region: nrt # tokyo\nbuild:\n  dockerfile: Dockerfile\n") == "nrt");
    CHECK(yaml_primary_region("app: x\nprimary_region: 'sin'\n") == "sin");
    CHECK(yaml_primary_region("build:\n  primary_region: sin\n").empty());
}

TEST_CASE("fly_config: --config among the arguments, as pflag reads it", "[providers][fly][region]") {
    using args = std::vector<std::string>;
    CHECK_FALSE(config_flag(args{"--strategy", "rolling"}));
    CHECK(config_flag(args{"--config", "fly.prod.toml"}) == "fly.prod.toml");
    CHECK(config_flag(args{"--config=a.toml"}) == "a.toml");
    CHECK(config_flag(args{"-c", "b.toml"}) == "b.toml");
    CHECK(config_flag(args{"-cc.toml"}) == "c.toml");
    CHECK(config_flag(args{"-c=d.toml"}) == "d.toml");
    CHECK(config_flag(args{"-c", "first.toml", "--config", "last.toml"}) == "last.toml");
    CHECK_FALSE(config_flag(args{"--", "--config", "x.toml"}));
}

TEST_CASE("fly_config: the file flyctl reads, in flyctl's order", "[providers][fly][region]") {
    temp_dir d;
    const std::string dir = d.path().string();
    SECTION("none") {
        auto c = find_app_config(dir, {});
        CHECK(c.path.empty());
        CHECK_FALSE(c.exists);
        CHECK(c.problem.empty());
    }
    SECTION("fly.toml before fly.json before fly.yaml") {
        write_file(d / "fly.yaml", "primary_region: nrt\n");
        CHECK(find_app_config(dir, {}).primary_region == "nrt");
        write_file(d / "fly.json", R"({"primary_region":"cdg"})");
        CHECK(find_app_config(dir, {}).primary_region == "cdg");
        write_file(d / "fly.toml", "app = \"x\"\nprimary_region = \"ams\"\n");
        auto c = find_app_config(dir, {});
        CHECK(c.path == (d / "fly.toml").string());
        CHECK(c.exists);
        CHECK(c.primary_region == "ams");
        CHECK(c.text == "app = \"x\"\nprimary_region = \"ams\"\n");
    }
    SECTION("--config PATH, relative to the directory flyctl runs in; else PATH/fly.toml") {
        write_file(d / "fly.toml", "primary_region = \"ams\"\n");
        write_file(d / "fly.prod.toml", "primary_region = \"fra\"\n");
        auto c = find_app_config(dir, {"--config", "fly.prod.toml"});
        CHECK(c.from_flag);
        CHECK(c.path == (d / "fly.prod.toml").string());
        CHECK(c.primary_region == "fra");
        std::filesystem::create_directory(d / "prod");
        write_file(d / "prod" / "fly.toml", "primary_region = \"syd\"\n");
        CHECK(find_app_config(dir, {"-c", "prod/fly.toml"}).primary_region == "syd");
        CHECK(find_app_config(dir, {"-c", "staging"}).problem.find("does not exist") != std::string::npos);
        // flyctl reads the path itself when it exists: a directory is an error, not PATH/fly.toml.
        CHECK(find_app_config(dir, {"-c", "prod"}).problem.find("it is a directory") != std::string::npos);
    }
    SECTION("a long file is cut for display, its region still read") {
        write_file(d / "fly.toml", "primary_region = \"waw\"\n" + std::string(max_config_bytes, '#') + "\n");
        auto c = find_app_config(dir, {});
        CHECK(c.cut);
        CHECK(c.text.size() == max_config_bytes);
        CHECK(c.primary_region == "waw");
    }
}
