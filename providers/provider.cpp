#include "providers/provider.hpp"

#include "engine/redact/redact.hpp"
#include "engine/text/text.hpp"
#include "providers/adapter_kit.hpp"

#include <algorithm>

namespace r1::providers {

std::string release_ref::label() const {
    if (version.empty()) return image;
    // fly numbers its releases ("v42"); others name them (Vercel's dpl_..., a Workers version id).
    bool numbered = std::all_of(version.begin(), version.end(), [](char c) { return c >= '0' && c <= '9'; });
    return (numbered ? "v" + version : version) + (image.empty() ? "" : " (" + image + ")");
}

deploy_plan provider::plan(const deploy_config& given) const {
    deploy_plan p;
    p.provider = name();
    p.app = given.app;
    p.dir = given.dir;
    p.image = given.image;
    p.health = given.health_url.empty() ? default_health_url(given, nullptr) : given.health_url;
    return p;
}

std::string provider::preview(const deploy_config& cfg) const { return render_plan(plan(cfg)); }

prepared_dir provider::prepare(const deploy_config&) const { return {}; }

boost::asio::awaitable<preflight_result> provider::preflight(const step_context&, deploy_config) const {
    co_return preflight_result{};
}

boost::asio::awaitable<release_proof> provider::prove_release(const step_context&, release_proof_request) const {
    co_return release_proof{.checked = false,
                            .ec = {},
                            .detail = "not checked: provider " + std::string(name()) + " reports no releases",
                            .release = {}};
}

boost::asio::awaitable<deploy_outcome> provider::roll_back(proc::runner&, deploy_request) const {
    co_return deploy_outcome{make_error_code(error::usage),
                             "provider " + std::string(name()) + " has no rollback step in r1 yet"};
}

boost::asio::awaitable<release_lookup> provider::find_release(const step_context&, deploy_config, std::string,
                                                              std::optional<release_ref>) const {
    co_return release_lookup{make_error_code(error::usage),
                             "provider " + std::string(name()) + " keeps no release history r1 can read",
                             {}};
}

boost::asio::awaitable<std::string> provider::evidence(const step_context&, deploy_config) const { co_return std::string(); }

namespace {

/// `-t` in `-t`, `-tVALUE`, `-t=VALUE`, or in a bundle of short flags (`-yt`): pflag and most CLI
/// parsers read every letter after a single dash as a flag until one takes a value.
bool has_short_flag(std::string_view arg, std::string_view flag) {
    if (flag.size() != 2 || arg.size() < 2 || arg[0] != '-' || arg[1] == '-') return false;
    auto letters = arg.substr(1, arg.find('=') == std::string_view::npos ? std::string_view::npos : arg.find('=') - 1);
    return letters.find(flag[1]) != std::string_view::npos;
}

/// `--flag` or `--flag=VALUE`.
bool is_long_flag(std::string_view arg, std::string_view flag) {
    return arg == flag || (arg.starts_with(flag) && arg.size() > flag.size() && arg[flag.size()] == '=');
}

bool names_flag(std::string_view arg, std::string_view flag) {
    return flag.starts_with("--") ? is_long_flag(arg, flag) : has_short_flag(arg, flag);
}

}  // namespace

std::string render_plan(const deploy_plan& p) {
    std::string out = "# r1 deploy --provider " + p.provider + " --app " + p.app + ": dry run, nothing is started\n";
    auto line = [&](std::string_view label, const std::string& value) {
        out += std::string(label) + std::string(label.size() < 10 ? 10 - label.size() : 1, ' ') + value + "\n";
    };
    for (const auto& s : p.steps) line("run:", shell_words(s.argv) + (s.when.empty() ? "" : "   # " + s.when));
    line("in:", engine::printable(p.dir, true));
    std::string names;
    for (const auto& n : p.env_names) names += (names.empty() ? "" : ", ") + n;
    if (!names.empty()) line("env:", names + " (names only: the values come from r1's environment, passed on unchanged)");
    for (const auto& e : p.env_set) line("sets:", e);
    if (!p.region.empty()) line("region:", p.region + " (" + p.region_from + ")");
    if (!p.image.empty()) line("image:", engine::printable(p.image, true));
    if (!p.config_path.empty() || !p.config_state.empty())
        line("config:", engine::printable(p.config_path, true) + (p.config_path.empty() ? "" : " ") + "(" + p.config_state + ")");
    for (const auto& e : p.expects) line("expects:", e);
    if (!p.success.empty()) line("success:", p.success);
    if (!p.health.empty()) line("health:", engine::printable(p.health, true));
    return out;
}

std::string passthrough_problem(const provider& p, const std::vector<std::string>& args) {
    if (args.empty()) return {};
    auto rules = p.passthrough();
    const std::string cli(p.cli_name());
    if (!rules.accepted)
        return "provider " + std::string(p.name()) + " takes no arguments of its own (r1 runs several " + cli +
               " commands): leave out the arguments after -- / provider_args";
    const auto& scrubber = engine::process_redactor();
    for (std::size_t i = 0; i < args.size(); ++i) {
        const std::string& a = args[i];
        const std::string item = "argument " + std::to_string(i + 1) + " for " + cli;
        for (auto flag : rules.credential_flags)
            if (names_flag(a, flag))
                return item + " is " + std::string(flag) + ", a credential flag: a secret never goes on a command line (" +
                       cli + " reads it from the environment r1 passes on)";
        for (auto [flag, instead] : rules.owned_flags)
            if (names_flag(a, flag))
                return item + " is " + std::string(flag) + ", which r1 sets itself: use " + std::string(instead);
        // Whatever r1 would mask in its output is a secret: a token, NAME=value with a secret-looking
        // name, the value of a secret variable. Not shown, not passed.
        if (scrubber.scrub(a) != a)
            return item + " holds what looks like a secret (not shown): a secret never goes on a command line; "
                          "pass it in the environment";
    }
    return {};
}

}  // namespace r1::providers
