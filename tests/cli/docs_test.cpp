// r1 man and r1 completion bash|zsh: generated from the settings table that drives --help, so
// every flag --help shows is documented and completed, and the shells accept the scripts.
#include "tests/support/processes.hpp"
#include "tests/support/r1_process.hpp"

#include <catch2/catch.hpp>

#include <array>
#include <cstdio>
#include <filesystem>
#include <regex>
#include <set>
#include <sstream>

using r1::test::run_r1;

namespace {

/// Every --flag at the start of a --help line ("  --region CODE   ...").
std::set<std::string> help_flags(const std::vector<std::string>& args) {
    auto r = run_r1({.args = args});
    REQUIRE(r.exit_code == 0);
    std::set<std::string> out;
    std::istringstream in(r.out);
    static const std::regex flag(R"(^  (?:-[a-z], )?(--[a-z][a-z-]*))");
    for (std::string line; std::getline(in, line);)
        if (std::smatch m; std::regex_search(line, m, flag) && m[1] != "--help") out.insert(m[1]);
    REQUIRE(out.size() >= 2);
    return out;
}

struct shell_result {
    int status = -1;
    std::string out;
};

/// Runs `script` with /bin/sh -c (its stdout collected), as a shell user would.
shell_result shell(const std::string& script) {
    shell_result r;
    FILE* p = ::popen(script.c_str(), "r");
    REQUIRE(p != nullptr);
    std::array<char, 4096> buf{};
    for (std::size_t n; (n = std::fread(buf.data(), 1, buf.size(), p)) > 0;) r.out.append(buf.data(), n);
    r.status = ::pclose(p);
    return r;
}

std::string quote(const std::string& s) {
    std::string out = "'";
    for (char c : s) out += c == '\'' ? std::string("'\\''") : std::string(1, c);
    return out + "'";
}

/// What bash's completion offers for the words typed so far (the last one being completed).
std::set<std::string> bash_complete(const std::string& script_file, const std::vector<std::string>& words) {
    std::string arr;
    for (const auto& w : words) arr += quote(w) + " ";
    auto r = shell("bash --norc --noprofile -c " +
                   quote("source " + quote(script_file) + "; COMP_WORDS=(" + arr + "); COMP_CWORD=" +
                         std::to_string(words.size() - 1) + "; _r1; printf '%s\\n' \"${COMPREPLY[@]}\""));
    REQUIRE(r.status == 0);
    std::set<std::string> out;
    std::istringstream in(r.out);
    for (std::string line; std::getline(in, line);)
        if (!line.empty()) out.insert(line);
    return out;
}

const std::vector<std::vector<std::string>> help_commands = {
    {"deploy", "--help"}, {"verify", "--help"}, {"report", "--help"}, {"classify", "--help"}, {"rollback", "--help"}};

}  // namespace

TEST_CASE("r1 man: a man page that documents every flag --help shows, without groff warnings", "[cli][docs]") {
    auto man = run_r1({.args = {"man"}});
    REQUIRE(man.exit_code == 0);
    CHECK(man.err.empty());
    CHECK(man.out.find(".TH R1 1") != std::string::npos);
    for (const auto& cmd : help_commands)
        for (const auto& flag : help_flags(cmd)) {
            std::string roff = "\\fB" + std::regex_replace(flag, std::regex("-"), "\\-") + "\\fR";
            INFO(cmd[0] << " " << flag);
            CHECK(man.out.find(roff) != std::string::npos);
        }
    CHECK(man.out.find("FLY_API_TOKEN") != std::string::npos);  // credentials: where they come from

    r1::test::temp_dir dir;
    auto page = (dir.path() / "r1.1").string();
    r1::test::write_file(page, man.out);
    if (std::filesystem::exists("/usr/bin/groff")) {
        // -ww: every warning; -z: no output. A roff mistake (an unescaped leading dot, a bad macro) warns.
        auto lint = shell("groff -man -ww -z " + quote(page) + " 2>&1");
        CHECK(lint.status == 0);
        CHECK(lint.out.empty());
        auto text = shell("groff -man -Tutf8 " + quote(page) + " 2>/dev/null | col -b 2>/dev/null || true");
        CHECK(text.out.find("--deploy-timeout") != std::string::npos);
    } else {
        WARN("groff is not installed (groff-base): the page's roff is not linted");
    }
    auto extra = run_r1({.args = {"man", "extra"}});
    CHECK(extra.exit_code == 2);
    CHECK(extra.err == "r1: error: r1 man takes no argument\n");
}

TEST_CASE("r1 completion bash: bash completes subcommands, every --help flag and flag values", "[cli][docs]") {
    auto script = run_r1({.args = {"completion", "bash"}});
    REQUIRE(script.exit_code == 0);
    r1::test::temp_dir dir;
    auto file = (dir.path() / "r1.bash").string();
    r1::test::write_file(file, script.out);
    REQUIRE(shell("bash -n " + quote(file)).status == 0);

    auto subs = bash_complete(file, {"r1", ""});
    for (auto s : {"deploy", "verify", "report", "rollback", "classify", "completion", "man"}) CHECK(subs.count(s) == 1);
    CHECK(bash_complete(file, {"r1", "ver"}) == std::set<std::string>{"verify", "version"});

    const std::vector<std::string> sub_of[] = {{"deploy"}, {"verify"}, {"report", "merge"}, {"classify"}, {"rollback"}};
    for (std::size_t i = 0; i < help_commands.size(); ++i) {
        auto words = std::vector<std::string>{"r1"};
        words.insert(words.end(), sub_of[i].begin(), sub_of[i].end());
        words.push_back("--");
        auto offered = bash_complete(file, words);
        for (const auto& flag : help_flags(help_commands[i])) {
            INFO(help_commands[i][0] << " " << flag);
            CHECK(offered.count(flag) == 1);
        }
    }
    CHECK(bash_complete(file, {"r1", "deploy", "--reg"}) == std::set<std::string>{"--region", "--region-concurrency"});
    CHECK(bash_complete(file, {"r1", "deploy", "--output", ""}) == std::set<std::string>{"json", "text"});
    auto providers = bash_complete(file, {"r1", "deploy", "--provider", ""});
    CHECK(providers.count("fly") == 1);
    CHECK(bash_complete(file, {"r1", "completion", ""}) == std::set<std::string>{"bash", "zsh"});
    CHECK(bash_complete(file, {"r1", "report", ""}) == std::set<std::string>{"merge", "--help"});
    // A value that is free text gets no suggestion (not a file name, not a flag).
    CHECK(bash_complete(file, {"r1", "deploy", "--app", ""}).empty());
    // A file flag completes file names.
    r1::test::write_file(dir.path() / "fleet.toml", "");
    auto files = bash_complete(file, {"r1", "deploy", "--batch", (dir.path() / "fle").string()});
    CHECK(files == std::set<std::string>{(dir.path() / "fleet.toml").string()});
}

TEST_CASE("r1 completion zsh: zsh loads it and it holds a spec for every --help flag", "[cli][docs]") {
    auto script = run_r1({.args = {"completion", "zsh"}});
    REQUIRE(script.exit_code == 0);
    CHECK(script.out.starts_with("#compdef r1\n"));
    for (const auto& cmd : help_commands)
        for (const auto& flag : help_flags(cmd)) {
            INFO(cmd[0] << " " << flag);
            CHECK(script.out.find("'" + flag + "[") != std::string::npos);
        }
    auto bad = run_r1({.args = {"completion", "fish"}});
    CHECK(bad.exit_code == 2);
    CHECK(bad.err == "r1: error: r1 completion needs the shell: bash or zsh\n");
    if (!std::filesystem::exists("/usr/bin/zsh") && !std::filesystem::exists("/bin/zsh")) {
        WARN("zsh is not installed: the script is not loaded into zsh");
        return;
    }
    r1::test::temp_dir dir;
    r1::test::write_file(dir.path() / "_r1", script.out);
    CHECK(shell("zsh -n " + quote((dir.path() / "_r1").string())).status == 0);
    // compinit finds it on $fpath and binds it to r1, as an installed vendor completion is.
    auto bound = shell("zsh -f -c " + quote("fpath=(" + quote(dir.path().string()) +
                                            " $fpath); autoload -Uz compinit; compinit -u -D; print -r -- $_comps[r1]"));
    CHECK(bound.status == 0);
    CHECK(bound.out == "_r1\n");

    // Typed into an interactive zsh on a pseudo-terminal (zsh/zpty): keys with TABs, then Enter
    // runs a stand-in r1 function that prints the words the line ended up with.
    r1::test::write_file(dir.path() / "type.zsh", R"ZSH(
zmodload zsh/zpty
zpty -b z 'zsh -f -i'
zpty -w z "fpath=($1 \$fpath); autoload -Uz compinit; compinit -u -D; PS1='> '; r1() { print -r -- \"ARGS:\$*:END\" }; print READY"
out=""
for i in {1..200}; do zpty -r -t z chunk 2>/dev/null && out+=$chunk; [[ $out == *READY* ]] && break; sleep 0.05; done
zpty -n -w z "$2"$'\n'
out=""
for i in {1..200}; do zpty -r -t z chunk 2>/dev/null && out+=$chunk; [[ $out == *ARGS:*:END* ]] && break; sleep 0.05; done
zpty -d z
[[ $out =~ 'ARGS:([^:]*):END' ]] && print -r -- "$match[1]"
)ZSH");
    auto typed = [&](const std::string& keys) {
        auto r = shell("timeout 30 zsh -f " + quote((dir.path() / "type.zsh").string()) + " " +
                       quote(dir.path().string()) + " " + quote(keys));
        return r.out;
    };
    CHECK(typed("r1 depl\t--outp\tjs\t") == "deploy --output json\n");
    CHECK(typed("r1 deploy --dry\t") == "deploy --dry-run\n");
    CHECK(typed("r1 verify --expected-b\t") == "verify --expected-body\n");
    CHECK(typed("r1 report mer\t--jun\t") == "report merge --junit\n");
    CHECK(typed("r1 completion b\t") == "completion bash\n");
    CHECK(typed("r1 rollb\t--ap\t") == "rollback --app\n");
}
