#include "providers/fly/fly_json.hpp"

#include <boost/json/parse.hpp>
#include <boost/json/value.hpp>

#include <charconv>

namespace r1::providers::fly {
namespace {

namespace json = boost::json;

std::optional<json::value> parse(std::string_view text) {
    json::parse_options opts;
    opts.max_depth = 64;
    boost::system::error_code ec;
    auto v = json::parse(text, ec, {}, opts);
    if (ec) return std::nullopt;
    return v;
}

std::string text_of(const json::object& o, std::string_view key) {
    if (auto* v = o.if_contains(key); v && v->is_string()) return std::string(v->get_string());
    return {};
}

int int_of(const json::object& o, std::string_view key) {
    if (auto* v = o.if_contains(key)) {
        if (v->is_int64() && v->get_int64() >= 0 && v->get_int64() <= 1'000'000'000) return static_cast<int>(v->get_int64());
        if (v->is_uint64() && v->get_uint64() <= 1'000'000'000) return static_cast<int>(v->get_uint64());
        if (v->is_string()) {  // fly_release_version is a string in machine metadata
            auto s = v->get_string();
            int n = 0;
            auto [end, err] = std::from_chars(s.data(), s.data() + s.size(), n);
            if (err == std::errc() && end == s.data() + s.size() && n >= 0) return n;
        }
    }
    return 0;
}

const json::object* object_at(const json::object& o, std::string_view key) {
    auto* v = o.if_contains(key);
    return v ? v->if_object() : nullptr;
}

}  // namespace

// flyctl internal/command/deploy/machines_deploymachinesapp.go: with FLY_EMIT_RELEASE_JSON set, a
// successful deploy prints json.Marshal(releaseJSON{ID `json:"id"`, Version `json:"version"`,
// ImageRef `json:"image_ref"`}) and a newline to stdout, after everything else it prints there.
std::optional<release> find_release_line(std::string_view out) {
    std::optional<release> found;
    while (!out.empty()) {
        auto nl = out.find('\n');
        auto line = out.substr(0, nl);
        out = nl == std::string_view::npos ? std::string_view{} : out.substr(nl + 1);
        while (!line.empty() && (line.back() == '\r' || line.back() == ' ')) line.remove_suffix(1);
        if (!line.starts_with('{') || line.find("\"image_ref\"") == std::string_view::npos) continue;
        auto v = parse(line);
        const json::object* o = v ? v->if_object() : nullptr;
        if (!o) continue;
        release r{text_of(*o, "id"), int_of(*o, "version"), text_of(*o, "image_ref"), {}};
        if (r.version > 0 && !r.image_ref.empty()) found = std::move(r);
    }
    return found;
}

// flyctl internal/command/status/machines.go renderMachineJSONStatus: an object with ID, Name,
// Deployed, Status, Hostname, Version, AppURL, Organization, PlatformVersion, Machines (fly-go
// machine_types.go Machine: id, name, state, region, image_ref{registry,repository,tag,digest},
// config.metadata{fly_release_version, fly_process_group}, checks[{name,status,output}]).
std::optional<app_status> parse_status(std::string_view text) {
    auto v = parse(text);
    const json::object* o = v ? v->if_object() : nullptr;
    if (!o || !o->contains("Machines")) return std::nullopt;
    app_status s;
    s.name = text_of(*o, "Name");
    s.version = int_of(*o, "Version");
    if (auto* d = o->if_contains("Deployed"); d && d->is_bool()) s.deployed = d->get_bool();
    const auto* machines = o->at("Machines").if_array();
    if (!machines) return o->at("Machines").is_null() ? std::optional<app_status>(s) : std::nullopt;
    for (const auto& mv : *machines) {
        const auto* m = mv.if_object();
        if (!m) return std::nullopt;
        machine out;
        out.id = text_of(*m, "id");
        out.name = text_of(*m, "name");
        out.state = text_of(*m, "state");
        out.region = text_of(*m, "region");
        if (const auto* ref = object_at(*m, "image_ref")) {
            auto registry = text_of(*ref, "registry");
            auto repository = text_of(*ref, "repository");
            auto tag = text_of(*ref, "tag");
            out.digest = text_of(*ref, "digest");
            out.image = (registry.empty() ? "" : registry + "/") + repository + (tag.empty() ? "" : ":" + tag);
        }
        if (const auto* config = object_at(*m, "config")) {
            if (const auto* meta = object_at(*config, "metadata")) {
                out.release_version = int_of(*meta, "fly_release_version");
                out.process_group = text_of(*meta, "fly_process_group");
            }
            // fly-go MachineConfig.Standbys; flyctl's shouldSkipLaunch leaves such machines stopped
            // (internal/command/deploy/machines_launchinput.go).
            if (auto* standbys = config->if_contains("standbys"); standbys && standbys->is_array())
                out.standby = !standbys->get_array().empty();
        }
        if (auto* checks = m->if_contains("checks"); checks && checks->is_array())
            for (const auto& cv : checks->get_array())
                if (const auto* c = cv.if_object()) out.checks.push_back({text_of(*c, "name"), text_of(*c, "status")});
        s.machines.push_back(std::move(out));
    }
    return s;
}

// flyctl internal/command/apps/releases.go: render.JSON of []fly.Release sorted by Version,
// descending; fly-go types.go Release has no json tags, so the keys are its field names (ID,
// Version, Status, ImageRef, ...).
std::optional<std::vector<release>> parse_releases(std::string_view text) {
    auto v = parse(text);
    const json::array* a = v ? v->if_array() : nullptr;
    if (!a) return std::nullopt;
    std::vector<release> out;
    for (const auto& rv : *a) {
        const auto* r = rv.if_object();
        if (!r) return std::nullopt;
        out.push_back({text_of(*r, "ID"), int_of(*r, "Version"), text_of(*r, "ImageRef"), text_of(*r, "Status")});
    }
    return out;
}

bool runs_image(const machine& m, std::string_view image_ref) {
    auto at = image_ref.find('@');
    auto name = image_ref.substr(0, at);
    auto digest = at == std::string_view::npos ? std::string_view{} : image_ref.substr(at + 1);
    if (name != m.image) return false;
    return digest.empty() || m.digest.empty() || digest == m.digest;
}

}  // namespace r1::providers::fly
