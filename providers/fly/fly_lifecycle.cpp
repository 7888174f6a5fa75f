#include "providers/fly/fly_lifecycle.hpp"

#include "engine/classify/classify.hpp"
#include "engine/text/duration.hpp"
#include "engine/text/text.hpp"
#include "providers/cli_step.hpp"
#include "providers/fly/fly_json.hpp"
#include "providers/fly/fly_release.hpp"

#include <boost/asio/this_coro.hpp>

#include <algorithm>
#include <charconv>

namespace r1::providers::fly {
namespace {

namespace asio = boost::asio;
using std::chrono::milliseconds;
using std::chrono::seconds;

constexpr seconds query_timeout{60};                 // one status, releases or logs call, at most
constexpr seconds query_min{10};                     // ... and at least
constexpr std::size_t json_tail = 8 * 1024 * 1024;   // status of a large app is long; keep it whole
constexpr unsigned preflight_attempts = 3;           // a transient answer is asked again, 1 s then 2 s later

struct query {
    bool ok = false;
    bool interrupted = false;
    std::string out;      // stdout, whole (up to json_tail)
    std::string err;      // stderr's end
    std::string message;  // how it failed: "flyctl status (app web) exited 1: Error: ..."
};

asio::awaitable<bool> cancelled() {
    auto cs = co_await asio::this_coro::cancellation_state;
    co_return cs.cancelled() != asio::cancellation_type::none;
}

/// Runs one flyctl query. Its output is data for r1, not the operator's log: nothing is streamed.
asio::awaitable<query> ask(const step_context& ctx, std::vector<std::string> argv, std::string what, std::string cwd,
                           engine::clock::time_point deadline) {
    cli_step step;
    step.what = std::move(what);
    step.argv = std::move(argv);
    step.cwd = std::move(cwd);
    // Each query gets query_min at least, even the last poll made at the proof's deadline.
    auto now = ctx.clock.now();
    step.deadline = std::min(std::max(deadline, now + query_min), now + query_timeout);
    step.tail_bytes = json_tail;
    auto ran = co_await run_cli_step(ctx.runner, std::move(step));
    query q;
    q.ok = !ran.outcome.ec;
    q.interrupted = ran.outcome.ec == error::interrupted;
    q.out = std::move(ran.output.out_tail);
    q.err = std::move(ran.output.err_tail);
    q.message = std::move(ran.outcome.message);
    co_return q;
}

/// flyctl's own words: the last line of stderr that says something, printable.
std::string last_words(std::string_view err) {
    auto text = engine::printable(err, false);
    std::string_view t = text;
    while (!t.empty() && (t.back() == '\n' || t.back() == '\r' || t.back() == ' ')) t.remove_suffix(1);
    auto nl = t.find_last_of('\n');
    auto line = nl == std::string_view::npos ? t : t.substr(nl + 1);
    return engine::tail_chars(line, 300);
}

std::string version_text(int v) { return v > 0 ? std::to_string(v) : std::string(); }

release_ref ref_of(const release& r) { return {r.id, version_text(r.version), r.image_ref}; }

int parse_version(std::string_view text) {
    if (text.starts_with('v') || text.starts_with('V')) text.remove_prefix(1);
    int n = 0;
    auto [end, err] = std::from_chars(text.data(), text.data() + text.size(), n);
    return err == std::errc() && end == text.data() + text.size() && n > 0 ? n : 0;
}

/// `flyctl releases --json --image`, asked again once a second later on a transient failure.
struct releases_answer {
    std::optional<std::vector<release>> releases;
    bool interrupted = false;
    std::string message;
};
asio::awaitable<releases_answer> list_releases(const step_context& ctx, const deploy_config& cfg) {
    releases_answer a;
    for (unsigned attempt = 0; attempt < 2; ++attempt) {
        // Named arguments, moved in: GCC 12 mis-copies prvalue class arguments into coroutine frames.
        auto argv = flyctl_releases_argv(ctx.cli, cfg.app);
        std::string what = "flyctl releases (app " + cfg.app + ")";
        auto q = co_await ask(ctx, std::move(argv), std::move(what), cfg.dir, engine::clock::time_point::max());
        if (q.interrupted) {
            a.interrupted = true;
            co_return a;
        }
        if (q.ok) {
            a.releases = parse_releases(q.out);
            if (a.releases) co_return a;
            a.message = "flyctl releases (app " + cfg.app + ") printed no release list r1 can read";
        } else {
            a.message = q.message;
            if (engine::classify(q.err).cls != engine::failure_class::transient) co_return a;
        }
        if (attempt == 0) co_await ctx.clock.sleep_until(ctx.clock.now() + seconds(1));
        if (co_await cancelled()) {
            a.interrupted = true;
            co_return a;
        }
    }
    co_return a;
}

}  // namespace

std::vector<std::string> flyctl_status_argv(const std::string& flyctl, const std::string& app) {
    return {flyctl, "status", "--json", "--app", app};
}

std::vector<std::string> flyctl_releases_argv(const std::string& flyctl, const std::string& app) {
    return {flyctl, "releases", "--json", "--image", "--app", app};
}

std::vector<std::string> flyctl_logs_argv(const std::string& flyctl, const std::string& app) {
    return {flyctl, "logs", "--no-tail", "--app", app};
}

std::vector<std::string> flyctl_rollback_argv(const std::string& flyctl, const std::string& app, const std::string& image) {
    return {flyctl, "deploy", "--app", app, "--image", image};
}

asio::awaitable<preflight_result> fly_preflight(const step_context& ctx, deploy_config cfg) {
    preflight_result result;
    result.status = preflight_status::failed;
    const std::string what = "flyctl status (app " + cfg.app + ")";
    for (unsigned attempt = 0; attempt < preflight_attempts; ++attempt) {
        if (attempt > 0) {
            co_await ctx.clock.sleep_until(ctx.clock.now() + seconds(attempt));  // 1 s, then 2 s
            if (co_await cancelled()) break;
        }
        auto argv = flyctl_status_argv(ctx.cli, cfg.app);  // named: GCC 12 and coroutine arguments
        auto q = co_await ask(ctx, std::move(argv), what, cfg.dir, engine::clock::time_point::max());
        if (q.interrupted) {
            result.message = what + " was interrupted";
            co_return result;
        }
        if (!q.ok) {
            switch (classify_cli_error(q.err)) {
            case cli_problem::credentials:
                result.status = preflight_status::credentials;
                result.message = what + " was refused: " + last_words(q.err) +
                                 "; flyctl reads FLY_API_TOKEN or FLY_ACCESS_TOKEN (a token for this app: flyctl tokens "
                                 "create deploy --app " + cfg.app + "), or the login of flyctl auth login";
                co_return result;
            case cli_problem::app_missing:
                result.status = preflight_status::app_missing;
                result.message = "app " + cfg.app + " does not exist on fly.io (" + last_words(q.err) +
                                 "); create it with `flyctl apps create " + cfg.app + "`, then deploy again";
                co_return result;
            case cli_problem::other: break;
            }
            result.message = q.message;
            if (engine::classify(q.err).cls != engine::failure_class::transient) co_return result;
            continue;
        }
        auto status = parse_status(q.out);
        if (!status) {
            result.message = what + " printed no status r1 can read";
            continue;
        }
        result.status = preflight_status::ok;
        result.resting = resting_machines(*status);
        if (auto serving = serving_release(*status)) {
            result.serving = ref_of(*serving);
        } else if (status->version > 0) {
            // No machine names its release (none yet, or all destroyed): the second source.
            auto listed = co_await list_releases(ctx, cfg);
            if (listed.releases)
                if (auto r = release_numbered(*listed.releases, status->version); r && !r->image_ref.empty())
                    result.serving = ref_of(*r);
        }
        unsigned machines = static_cast<unsigned>(
            std::count_if(status->machines.begin(), status->machines.end(), [](const machine& m) { return managed_by_deploy(m); }));
        result.message = result.serving ? result.serving->label() + " serves on " + std::to_string(machines) +
                                              (machines == 1 ? " machine" : " machines")
                                        : "first deploy: app " + cfg.app + " has no release yet";
        co_return result;
    }
    co_return result;
}

asio::awaitable<release_proof> fly_prove_release(const step_context& ctx, release_proof_request req) {
    release_proof proof;
    proof.checked = true;
    const auto& cfg = req.cfg;
    auto fail = [&](error e, std::string detail) {
        proof.ec = make_error_code(e);
        proof.detail = std::move(detail);
        return proof;
    };

    // The release the deploy made: its release line, else the newest release past the one that
    // served before (flyctl older than v0.4.56 prints no release line).
    release wanted{{}, parse_version(req.reported.release), req.reported.image, {}};
    if (wanted.version == 0 || wanted.image_ref.empty()) {
        int before = req.before.serving ? parse_version(req.before.serving->version) : 0;
        auto listed = co_await list_releases(ctx, cfg);
        if (listed.interrupted) co_return fail(error::interrupted, "interrupted");
        if (listed.releases)
            for (const auto& r : *listed.releases)
                if (r.version > before && !r.image_ref.empty() && r.version > wanted.version &&
                    (r.status.empty() || r.status == "complete"))
                    wanted = r;
        if (wanted.version == 0 || wanted.image_ref.empty())
            co_return fail(error::unhealthy,
                           "flyctl deploy printed no release line (FLY_EMIT_RELEASE_JSON needs flyctl v0.4.56 or newer) "
                           "and flyctl releases lists none newer than " +
                               (before ? "v" + std::to_string(before) : std::string("the last")) +
                               ": cannot tell which release to look for" +
                               (listed.message.empty() ? "" : " (" + listed.message + ")"));
    }
    proof.release = ref_of(wanted);

    const std::string what = "flyctl status (app " + cfg.app + ")";
    const auto started = ctx.clock.now();
    unsigned bad_in_row = 0;
    std::string last = "no answer from flyctl status yet";
    for (unsigned poll = 1;; ++poll) {
        if (co_await cancelled()) co_return fail(error::interrupted, "interrupted");
        auto argv = flyctl_status_argv(ctx.cli, cfg.app);  // named: GCC 12 and coroutine arguments
        auto q = co_await ask(ctx, std::move(argv), what, cfg.dir, req.deadline);
        if (q.interrupted) co_return fail(error::interrupted, "interrupted");
        lifecycle_event ev{.name = event_names::release_poll, .ok = false, .detail = {}, .release = proof.release,
                           .poll = poll};
        std::optional<app_status> status;
        if (q.ok) status = parse_status(q.out);
        if (status) {
            bad_in_row = 0;
            auto view = judge_release(*status, wanted, req.before.resting);
            ev.ok = view.live;
            ev.ready = view.ready;
            ev.total = view.total;
            ev.detail = view.detail;
            ctx.emit(ev);
            if (view.live) {
                proof.detail = view.detail;
                co_return proof;
            }
            last = view.detail;
        } else {
            ++bad_in_row;
            ev.detail = q.ok ? what + " printed no status r1 can read" : q.message;
            ctx.emit(ev);
            if (bad_in_row > bad_status_tolerated)
                co_return fail(error::unhealthy, "cannot tell whether " + proof.release.label() + " serves: " +
                                                     std::to_string(bad_in_row) + " bad answers in a row, the last: " +
                                                     ev.detail);
        }
        auto now = ctx.clock.now();
        if (now >= req.deadline) {
            // The window r1 gave the release (--release-timeout, or what the deploy's deadline left),
            // in whole seconds: "after 5m". Not the time the last poll happened to end, which a busy
            // machine stretches past the deadline.
            auto waited = std::chrono::round<seconds>(req.deadline - started);
            co_return fail(error::unhealthy, "v" + std::to_string(wanted.version) + " not live after " +
                                                 engine::format_duration(std::max<milliseconds>(waited, seconds(1))) +
                                                 ": " + last);
        }
        co_await ctx.clock.sleep_until(std::min(now + status_poll_interval, req.deadline));
    }
}

asio::awaitable<release_lookup> fly_find_release(const step_context& ctx, deploy_config cfg, std::string version,
                                                 std::optional<release_ref> serving) {
    release_lookup lookup;
    auto listed = co_await list_releases(ctx, cfg);
    if (listed.interrupted) co_return release_lookup{make_error_code(error::interrupted), "interrupted", {}};
    if (!listed.releases) co_return release_lookup{make_error_code(error::provider_failed), listed.message, {}};
    const auto& releases = *listed.releases;
    auto range = [&] {
        if (releases.empty()) return std::string("none");
        auto [lo, hi] = std::minmax_element(releases.begin(), releases.end(),
                                            [](const release& a, const release& b) { return a.version < b.version; });
        return "v" + std::to_string(hi->version) + " to v" + std::to_string(lo->version);
    };
    std::optional<release> found;
    if (!version.empty()) {
        int n = parse_version(version);
        if (n == 0)
            co_return release_lookup{make_error_code(error::usage),
                                     "--to " + engine::quoted(version) + " is not a release version (like 41 or v41)", {}};
        found = release_numbered(releases, n);
        if (!found)
            co_return release_lookup{make_error_code(error::provider_failed),
                                     "app " + cfg.app + " has no release v" + std::to_string(n) +
                                         " (flyctl releases lists " + range() + ")",
                                     {}};
    } else {
        int current = serving ? parse_version(serving->version) : 0;
        if (current == 0)
            for (const auto& r : releases) current = std::max(current, r.version + 1);
        found = previous_release(releases, current, serving ? serving->image : std::string());
        if (!found)
            co_return release_lookup{make_error_code(error::provider_failed),
                                     "app " + cfg.app + " has no earlier complete release running another image than " +
                                         (serving ? serving->label() : std::string("the current one")) +
                                         " (flyctl releases lists " + range() + ")",
                                     {}};
    }
    if (found->image_ref.empty())
        co_return release_lookup{make_error_code(error::provider_failed),
                                 "release v" + std::to_string(found->version) + " of " + cfg.app + " names no image", {}};
    lookup.release = ref_of(*found);
    co_return lookup;
}

asio::awaitable<std::string> fly_recent_logs(const step_context& ctx, deploy_config cfg) {
    auto argv = flyctl_logs_argv(ctx.cli, cfg.app);  // named: GCC 12 and coroutine arguments
    std::string what = "flyctl logs (app " + cfg.app + ")";
    auto q = co_await ask(ctx, std::move(argv), std::move(what), cfg.dir, ctx.clock.now() + seconds(30));
    if (q.interrupted) co_return std::string();
    if (!q.ok && q.out.empty()) co_return "(" + q.message + ")\n";
    // The last evidence_lines lines, printable (colour codes and control bytes shown escaped).
    std::vector<std::string_view> lines;
    std::string_view out = q.out;
    while (!out.empty()) {
        auto nl = out.find('\n');
        lines.push_back(out.substr(0, nl));
        out = nl == std::string_view::npos ? std::string_view{} : out.substr(nl + 1);
    }
    std::string kept;
    for (std::size_t i = lines.size() > evidence_lines ? lines.size() - evidence_lines : 0; i < lines.size(); ++i)
        kept += engine::printable(lines[i], true) + "\n";
    co_return kept;
}

}  // namespace r1::providers::fly
