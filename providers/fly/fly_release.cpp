#include "providers/fly/fly_release.hpp"

#include <algorithm>
#include <map>

namespace r1::providers::fly {
namespace {

constexpr std::size_t machines_named = 5;  // a failure names this many machines, then "and N more"

std::string lower(std::string_view s) {
    std::string out(s);
    for (auto& c : out)
        if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
    return out;
}

bool contains(const std::vector<std::string>& v, const std::string& s) { return std::find(v.begin(), v.end(), s) != v.end(); }

/// An image reference without its "@sha256:..." digest: releases list refs with or without one.
std::string_view without_digest(std::string_view ref) { return ref.substr(0, ref.find('@')); }

bool is_resting_state(std::string_view state) { return state == "stopped" || state == "suspended"; }

std::string who(const machine& m) {
    std::string out = m.id.empty() ? std::string("(no id)") : m.id;
    std::string inside = m.name;
    if (!m.region.empty()) inside += (inside.empty() ? "" : ", ") + m.region;
    return inside.empty() ? out : out + " (" + inside + ")";
}

std::string what_it_runs(const machine& m) {
    std::string v = m.release_version > 0 ? "v" + std::to_string(m.release_version) : std::string("no release");
    return v + (m.image.empty() ? "" : " " + m.image);
}

}  // namespace

bool managed_by_deploy(const machine& m) {
    return m.process_group != "fly_app_release_command" && m.process_group != "fly_app_test_machine_command" &&
           m.process_group != "fly_app_console";
}

std::optional<release> serving_release(const app_status& status) {
    auto pick = [&](bool started_only) -> std::optional<release> {
        std::map<int, std::pair<unsigned, const machine*>> count;  // version -> machines, one of them
        for (const auto& m : status.machines) {
            if (!managed_by_deploy(m) || m.release_version <= 0 || m.image.empty()) continue;
            if (started_only && m.state != "started") continue;
            auto& c = count[m.release_version];
            ++c.first;
            c.second = &m;
        }
        if (count.empty()) return std::nullopt;
        auto best = count.begin();
        for (auto it = count.begin(); it != count.end(); ++it)
            if (it->second.first >= best->second.first) best = it;  // ascending: a tie goes to the newer
        const machine& m = *best->second.second;
        return release{{}, best->first, m.image + (m.digest.empty() ? "" : "@" + m.digest), "complete"};
    };
    if (auto r = pick(true)) return r;
    return pick(false);
}

std::vector<std::string> resting_machines(const app_status& status) {
    std::vector<std::string> out;
    for (const auto& m : status.machines)
        if (managed_by_deploy(m) && (is_resting_state(m.state) || m.standby)) out.push_back(m.id);
    return out;
}

release_view judge_release(const app_status& status, const release& wanted, const std::vector<std::string>& resting) {
    release_view view;
    std::vector<std::string> problems;
    unsigned resting_now = 0;
    for (const auto& m : status.machines) {
        if (!managed_by_deploy(m)) continue;
        ++view.total;
        std::string why;
        if (!runs_image(m, wanted.image_ref) || (m.release_version > 0 && m.release_version != wanted.version)) {
            why = "runs " + what_it_runs(m);
        } else if (m.state != "started") {
            bool may_rest = is_resting_state(m.state) && (contains(resting, m.id) || m.standby);
            if (!may_rest) why = "is " + (m.state.empty() ? std::string("in no state") : m.state) + ", not started";
            else ++resting_now;
        } else {
            std::string failing;
            for (const auto& c : m.checks)
                if (c.status != "passing") failing += (failing.empty() ? "" : ", ") + c.name + " " + c.status;
            if (!failing.empty()) why = "checks not passing: " + failing;
        }
        if (why.empty()) ++view.ready;
        else problems.push_back(who(m) + " " + why);
    }
    std::string v = "v" + std::to_string(wanted.version);
    if (view.total == 0) {
        view.detail = "no machine runs " + v + ": the app has no machines";
        return view;
    }
    if (problems.empty()) {
        view.live = true;
        view.detail = view.total == 1 ? v + " serves on the app's one machine"
                                      : v + " serves on all " + std::to_string(view.total) + " machines";
        if (resting_now > 0) view.detail += " (" + std::to_string(resting_now) + " stopped, as before the deploy)";
        return view;
    }
    view.detail = std::to_string(problems.size()) + " of " + std::to_string(view.total) + " machines not serving " + v + ": ";
    for (std::size_t i = 0; i < problems.size() && i < machines_named; ++i) view.detail += (i ? "; " : "") + problems[i];
    if (problems.size() > machines_named) view.detail += "; and " + std::to_string(problems.size() - machines_named) + " more";
    return view;
}

cli_problem classify_cli_error(std::string_view text) {
    auto t = lower(text);
    // fly-go api.go ErrNoAuthToken ("no access token available. Please login with 'flyctl auth
    // login'"); the API's "You must be authenticated to view this." (fly-apps/hello-fly#4); "Not
    // authorized to deploy this app." (superfly/fly-pr-review-apps#60); flaps' 401 "unauthorized".
    for (std::string_view s : {"no access token available", "you must be authenticated", "not authorized",
                               "unauthorized"})
        if (t.find(s) != std::string::npos) return cli_problem::credentials;
    // `Could not find App "X"` (serverless-dns/serverless-dns#173), wrapped by status as "failed to
    // get app: %w"; older APIs said "Could not resolve App" (superfly/flyctl#424, #829).
    for (std::string_view s : {"could not find app", "could not resolve app"})
        if (t.find(s) != std::string::npos) return cli_problem::app_missing;
    return cli_problem::other;
}

std::optional<release> release_numbered(const std::vector<release>& releases, int version) {
    for (const auto& r : releases)
        if (r.version == version) return r;
    return std::nullopt;
}

std::optional<release> previous_release(const std::vector<release>& releases, int current,
                                        std::string_view current_image) {
    std::optional<release> best;
    for (const auto& r : releases) {
        if (r.version >= current || r.image_ref.empty() || without_digest(r.image_ref) == without_digest(current_image))
            continue;
        if (!r.status.empty() && r.status != "complete" && r.status != "succeeded") continue;
        if (!best || r.version > best->version) best = r;
    }
    return best;
}

}  // namespace r1::providers::fly
