#include "cli/docs.hpp"

#include "cli/settings.hpp"
#include "providers/registry.hpp"
#include "r1/version.hpp"

#include <algorithm>
#include <set>
#include <vector>

namespace r1::cli {
namespace {

/// The subcommands, as `r1 --help` lists them.
struct subcommand {
    std::string_view name;
    std::string_view summary;
};
constexpr subcommand subcommands[] = {
    {"deploy", "deploy an app, or every app of a fleet manifest (--batch), then health-check it"},
    {"verify", "health-check many URLs, or a manifest's apps, at once"},
    {"report", "merge the reports of a fleet's shards into one (r1 report merge)"},
    {"rollback", "put an earlier release of an app back, and verify it"},
    {"classify", "say whether a failure message is worth retrying"},
    {"completion", "print the bash or zsh completion script"},
    {"man", "print this manual page (roff)"},
    {"help", "print the overview"},
    {"version", "print the version"},
};

/// r1 classify parses its own flags (cli/classify_command.cpp), outside the settings table; a test
/// checks that this list holds every flag its --help names.
struct plain_flag {
    std::string_view flag, value_name, help;
};
constexpr plain_flag classify_flags[] = {
    {"--lines", "", "one verdict per input line instead of one for the whole text"},
    {"--explain", "", "also say why: the rules that matched, the model's probability and features"},
    {"--retry-budget", "DURATION", "a retry window in the text longer than this is permanent (default 10m)"},
    {"--output", "FORMAT", "text (default) or json: one JSON object per verdict"},
};

/// The scope a subcommand's flags come from, and whether to prefer the verify wording.
struct scope_of {
    unsigned scopes;
    bool verify;
};

std::vector<plain_flag> flags_in(scope_of scope) {
    std::vector<plain_flag> out;
    std::set<std::string_view> seen;
    for (const auto& s : settings()) {
        if (s.flag.empty() || (s.scopes & scope.scopes) == 0 || !seen.insert(s.flag).second) continue;
        std::string_view help = scope.verify && !s.verify_help.empty() ? s.verify_help : s.help;
        out.push_back({s.flag, s.value_name, help});
    }
    return out;
}

const scope_of deploy_scope{in_deploy, false};
const scope_of batch_scope{in_batch, false};
const scope_of verify_scope{in_verify, true};
const scope_of merge_scope{in_report_merge, false};
const scope_of rollback_scope{in_rollback, false};

bool takes_value(std::string_view flag) {
    for (const auto& s : settings())
        if (s.flag == flag) return s.kind != value_kind::on && s.kind != value_kind::toggle;
    for (const auto& c : classify_flags)
        if (c.flag == flag) return !c.value_name.empty();
    return false;
}

/// What a flag's value is, for completion: a file, a directory, one of some words, or free text.
enum class value_sort { none, file, directory, words, text };
value_sort sort_of(std::string_view flag, std::string_view value_name) {
    if (!takes_value(flag)) return value_sort::none;
    if (value_name == "DIR" || flag == "--dir") return value_sort::directory;
    if (value_name == "FILE" || value_name == "PATH") return value_sort::file;
    if (flag == "--output" || flag == "--provider") return value_sort::words;
    return value_sort::text;
}

std::string words_for(std::string_view flag) {
    if (flag == "--output") return "text json";
    std::string out;
    for (const auto& p : providers::registry::builtin().wired()) out += (out.empty() ? "" : " ") + std::string(p->name());
    return out;
}

/// Help text on one line: its continuation lines joined.
std::string one_line(std::string_view help) {
    std::string out(help);
    std::replace(out.begin(), out.end(), '\n', ' ');
    return out;
}

// ---- roff -------------------------------------------------------------------------------------

/// Text safe in a roff line: backslashes escaped, hyphens as \- (so flags copy and search as
/// typed), and a leading . or ' defused.
std::string roff(std::string_view text) {
    std::string out;
    for (char c : text) {
        if (c == '\\') out += "\\e";
        else if (c == '-') out += "\\-";
        else out += c;
    }
    if (!out.empty() && (out[0] == '.' || out[0] == '\'')) out.insert(0, "\\&");
    return out;
}

std::string man_flags(std::string_view title, const std::vector<plain_flag>& flags) {
    std::string out = ".SH " + std::string(title) + "\n";
    for (const auto& f : flags) {
        out += ".TP\n\\fB" + roff(f.flag) + "\\fR";
        if (!f.value_name.empty()) out += " \\fI" + roff(f.value_name) + "\\fR";
        out += "\n" + roff(one_line(f.help)) + "\n";
    }
    return out;
}

// ---- shell quoting ----------------------------------------------------------------------------

/// A word in single quotes for bash and zsh.
std::string single_quoted(std::string_view s) {
    std::string out = "'";
    for (char c : s) out += c == '\'' ? std::string("'\\''") : std::string(1, c);
    return out + "'";
}

/// zsh _arguments' description inside [...]: brackets and colons escaped.
std::string zsh_description(std::string_view help) {
    std::string out;
    for (char c : one_line(help)) {
        if (c == '[' || c == ']' || c == ':' || c == '\\') out += '\\';
        out += c;
    }
    return out;
}

std::string bash_flag_words(const std::vector<plain_flag>& flags) {
    std::string out;
    for (const auto& f : flags) out += (out.empty() ? "" : " ") + std::string(f.flag);
    return out + " --help";
}

std::string bash_script() {
    std::vector<plain_flag> all;
    for (auto scope : {deploy_scope, batch_scope, verify_scope, merge_scope, rollback_scope})
        for (auto& f : flags_in(scope)) all.push_back(f);
    for (const auto& c : classify_flags) all.push_back(c);

    std::string files, dirs, words, text;
    std::set<std::string_view> seen;
    for (const auto& f : all) {
        if (!seen.insert(f.flag).second) continue;
        std::string flag(f.flag);
        switch (sort_of(f.flag, f.value_name)) {
        case value_sort::file: files += (files.empty() ? "" : "|") + flag; break;
        case value_sort::directory: dirs += (dirs.empty() ? "" : "|") + flag; break;
        case value_sort::words: words += "        " + flag + ") COMPREPLY=($(compgen -W " + single_quoted(words_for(f.flag)) +
                                         " -- \"$cur\")); return ;;\n"; break;
        case value_sort::text: text += (text.empty() ? "" : "|") + flag; break;
        case value_sort::none: break;
        }
    }
    std::string subs;
    for (const auto& s : subcommands) subs += (subs.empty() ? "" : " ") + std::string(s.name);

    std::string deploy_flags;
    {
        auto d = flags_in(deploy_scope);
        auto b = flags_in(batch_scope);
        d.insert(d.end(), b.begin(), b.end());
        deploy_flags = bash_flag_words(d);
    }
    std::string classify_words;
    for (const auto& c : classify_flags) classify_words += std::string(c.flag) + " ";
    classify_words += "--help";

    std::string out = "# bash completion for r1 " + std::string(version) +
                      " (generated by `r1 completion bash` from r1's settings table)\n"
                      "# Install: r1 completion bash > /usr/share/bash-completion/completions/r1\n"
                      "_r1() {\n"
                      "    local cur=\"${COMP_WORDS[COMP_CWORD]}\" prev=\"${COMP_WORDS[COMP_CWORD-1]}\"\n"
                      "    local cmd=\"\" sub=\"\" i w\n"
                      "    for ((i = 1; i < COMP_CWORD; i++)); do\n"
                      "        w=\"${COMP_WORDS[i]}\"\n"
                      "        if [[ -z $cmd ]]; then cmd=\"$w\"; elif [[ $cmd == report && -z $sub ]]; then sub=\"$w\"; fi\n"
                      "    done\n"
                      "    if [[ -z $cmd ]]; then\n"
                      "        COMPREPLY=($(compgen -W " + single_quoted(subs + " --help --version") + " -- \"$cur\"))\n"
                      "        return\n"
                      "    fi\n"
                      "    case \"$cmd\" in\n"
                      "    completion) [[ $COMP_CWORD -eq 2 ]] && COMPREPLY=($(compgen -W 'bash zsh' -- \"$cur\")); return ;;\n"
                      "    report) if [[ -z $sub ]]; then COMPREPLY=($(compgen -W 'merge --help' -- \"$cur\")); return; fi ;;\n"
                      "    deploy|verify|classify|rollback) ;;\n"
                      "    *) return ;;\n"
                      "    esac\n"
                      "    case \"$prev\" in\n";
    if (!files.empty()) out += "        " + files + ") compopt -o filenames 2>/dev/null; COMPREPLY=($(compgen -f -- \"$cur\")); return ;;\n";
    if (!dirs.empty()) out += "        " + dirs + ") compopt -o filenames 2>/dev/null; COMPREPLY=($(compgen -d -- \"$cur\")); return ;;\n";
    out += words;
    if (!text.empty()) out += "        " + text + ") return ;;\n";
    out += "    esac\n"
           "    if [[ $cur == -* ]]; then\n"
           "        case \"$cmd\" in\n"
           "        deploy) COMPREPLY=($(compgen -W " + single_quoted(deploy_flags) + " -- \"$cur\")) ;;\n"
           "        verify) COMPREPLY=($(compgen -W " + single_quoted(bash_flag_words(flags_in(verify_scope))) + " -- \"$cur\")) ;;\n"
           "        report) COMPREPLY=($(compgen -W " + single_quoted(bash_flag_words(flags_in(merge_scope))) + " -- \"$cur\")) ;;\n"
           "        rollback) COMPREPLY=($(compgen -W " + single_quoted(bash_flag_words(flags_in(rollback_scope))) + " -- \"$cur\")) ;;\n"
           "        classify) COMPREPLY=($(compgen -W " + single_quoted(classify_words) + " -- \"$cur\")) ;;\n"
           "        esac\n"
           "    elif [[ $cmd == report ]]; then\n"
           "        compopt -o filenames 2>/dev/null; COMPREPLY=($(compgen -f -- \"$cur\"))\n"
           "    fi\n"
           "}\n"
           "complete -F _r1 r1\n";
    return out;
}

std::string zsh_spec(const plain_flag& f) {
    std::string spec = std::string(f.flag) + "[" + zsh_description(f.help) + "]";
    switch (sort_of(f.flag, f.value_name)) {
    case value_sort::none: break;
    case value_sort::file: spec += ":" + std::string(f.value_name) + ":_files"; break;
    case value_sort::directory: spec += ":" + std::string(f.value_name) + ":_files -/"; break;
    case value_sort::words: spec += ":" + std::string(f.value_name) + ":(" + words_for(f.flag) + ")"; break;
    case value_sort::text: spec += ":" + std::string(f.value_name) + ": "; break;
    }
    return "        " + single_quoted(spec) + " \\\n";
}

std::string zsh_arguments(const std::vector<plain_flag>& flags, std::string_view rest) {
    std::string out = "      _arguments -S \\\n";
    for (const auto& f : flags) out += zsh_spec(f);
    out += "        '(- *)--help[show the help]'";
    if (!rest.empty()) out += " \\\n        " + single_quoted(rest);
    return out + "\n";
}

std::string zsh_script() {
    std::string described;
    for (const auto& s : subcommands) described += "    " + single_quoted(std::string(s.name) + ":" + zsh_description(s.summary)) + "\n";
    auto deploy = flags_in(deploy_scope);
    for (auto& f : flags_in(batch_scope))
        if (std::none_of(deploy.begin(), deploy.end(), [&](const plain_flag& d) { return d.flag == f.flag; })) deploy.push_back(f);
    std::vector<plain_flag> classify(std::begin(classify_flags), std::end(classify_flags));

    std::string out = "#compdef r1\n"
                      "# zsh completion for r1 " + std::string(version) +
                      " (generated by `r1 completion zsh` from r1's settings table)\n"
                      "# Install: r1 completion zsh > \"${fpath[1]}/_r1\", then compinit\n"
                      "_r1() {\n"
                      "  local curcontext=\"$curcontext\" state line ret=1\n"
                      "  local -a commands\n"
                      "  commands=(\n" + described + "  )\n"
                      "  _arguments -C '(- *)--help[show the overview]' '(- *)--version[print the version]' \\\n"
                      "    '1: :->command' '*:: :->args' && ret=0\n"
                      "  case $state in\n"
                      "  command) _describe -t commands 'r1 command' commands && ret=0 ;;\n"
                      "  args)\n"
                      "    case $line[1] in\n"
                      "    deploy)\n" + zsh_arguments(deploy, "") +
                      "      ;;\n"
                      "    verify)\n" + zsh_arguments(flags_in(verify_scope), "*:URL:_urls") +
                      "      ;;\n"
                      "    report)\n"
                      "      if (( CURRENT == 2 )); then _values 'subcommand' 'merge[merge the reports of a fleet'\\''s shards]'; return; fi\n"
                      "      shift words; (( CURRENT-- ))\n" + zsh_arguments(flags_in(merge_scope), "*:report:_files") +
                      "      ;;\n"
                      "    rollback)\n" + zsh_arguments(flags_in(rollback_scope), "") +
                      "      ;;\n"
                      "    classify)\n" + zsh_arguments(classify, "*:text: ") +
                      "      ;;\n"
                      "    completion) _values 'shell' bash zsh ;;\n"
                      "    esac\n"
                      "    ;;\n"
                      "  esac\n"
                      "  return ret\n"
                      "}\n"
                      "_r1 \"$@\"\n";
    return out;
}

}  // namespace

std::string man_page() {
    std::string out = ".\\\" Generated by `r1 man` from r1's settings table (cli/settings.cpp); do not edit.\n";
    out += ".TH R1 1 \"\" \"r1 " + std::string(version) + "\" \"User Commands\"\n";
    out += ".SH NAME\nr1 \\- deploy apps with their provider's own CLI, then prove them healthy\n";
    out += ".SH SYNOPSIS\n"
           ".B r1 deploy\n[\\fIflags\\fR]\n.br\n"
           ".B r1 deploy \\-\\-batch\n\\fIFILE\\fR [\\fIflags\\fR]\n.br\n"
           ".B r1 verify\n[\\fIflags\\fR] \\fIURL\\fR... | \\-\\-batch \\fIFILE\\fR\n.br\n"
           ".B r1 report merge\n\\fIREPORT\\fR... [\\fIflags\\fR]\n.br\n"
           ".B r1 rollback \\-\\-app\n\\fINAME\\fR [\\-\\-to \\fIVERSION\\fR] [\\fIflags\\fR]\n.br\n"
           ".B r1 classify\n[\\fIflags\\fR] [\\fITEXT\\fR...]\n.br\n"
           ".B r1 completion\nbash | zsh\n.br\n"
           ".B r1 man\n";
    out += ".SH DESCRIPTION\n"
           "r1 deploys an app by driving its hosting provider's own CLI (flyctl, vercel, wrangler, docker, kamal),\n"
           "then proves the deploy works with an HTTPS health check. One process runs a whole fleet: one event\n"
           "loop per core, each task with its own deadline, process group and bounded buffers.\n"
           ".PP\n"
           "Results go to standard output: the health line, a batch's task lines and summary, or with\n"
           ".B \\-\\-output json\n"
           "NDJSON events. The provider CLI's own output, r1's decisions (criteria, retries) and the live progress\n"
           "line go to standard error.\n";
    out += ".SH COMMANDS\n";
    for (const auto& s : subcommands) out += ".TP\n.B " + roff(s.name) + "\n" + roff(s.summary) + "\n";
    out += man_flags("DEPLOY OPTIONS", flags_in(deploy_scope));
    out += man_flags("FLEET OPTIONS (r1 deploy \\-\\-batch, r1 verify)", flags_in(batch_scope));
    out += man_flags("VERIFY OPTIONS", flags_in(verify_scope));
    out += man_flags("REPORT MERGE OPTIONS", flags_in(merge_scope));
    out += man_flags("ROLLBACK OPTIONS", flags_in(rollback_scope));
    out += man_flags("CLASSIFY OPTIONS", {std::begin(classify_flags), std::end(classify_flags)});
    out += ".SH EXIT STATUS\n";
    const std::pair<std::string_view, std::string_view> codes[] = {
        {"0", "healthy deploy, or dry-run / verify-only success"},
        {"1", "the deploy went through but the health check or the browser check failed (or verify-only failed)"},
        {"2", "usage error, unsupported provider, provider CLI missing, --app missing"},
        {"3", "pre-flight refused, or the provider CLI's deploy (or a rollback) returned non-zero, was killed, or ran "
              "past --deploy-timeout"},
        {"4", "r1 report merge: a shard left no report, so some apps have no result"},
        {"130, 143", "interrupted by SIGINT / SIGTERM (child processes already gone)"},
    };
    for (const auto& [code, meaning] : codes) out += ".TP\n.B " + roff(code) + "\n" + roff(meaning) + "\n";
    out += ".PP\nA batch exits with the first of 2, 3, 1 that any of its tasks has (0 when all are 0).\n";
    out += ".SH ENVIRONMENT\n"
           "Provider CLIs read their credentials from the environment r1 passes on; r1 never puts them on a\n"
           "command line and masks their values as [redacted] in everything it writes:\n";
    std::set<std::string> vars;
    for (auto& v : providers::registry::builtin().secret_formats().credential_variables) vars.insert(v);
    for (auto v : vars) out += ".TP\n.B " + roff(v) + "\n";
    out += ".TP\n.B JOB_COMPLETION_INDEX\nthe shard index of \\-\\-shard auto/N\n";
    out += ".TP\n.BR SSL_CERT_FILE \", \" SSL_CERT_DIR\nextra trust for the health check (OpenSSL)\n";
    out += ".SH SEE ALSO\n.BR flyctl (1),\n.BR chromium (1)\n";
    return out;
}

std::string completion_script(std::string_view shell) {
    if (shell == "bash") return bash_script();
    if (shell == "zsh") return zsh_script();
    return {};
}

}  // namespace r1::cli
