// Which of r1's environment variables hold secrets, and the one process-wide redactor built from them.
#include "engine/redact/redact.hpp"

#include <algorithm>
#include <atomic>

#include <unistd.h>

namespace r1::engine {
namespace {

/// The installed formats. Written once at start-up, before any thread reads them; `in_use` turns
/// later installs away so nothing changes under a reader.
struct installed_formats {
    secret_formats formats;
    std::atomic<bool> in_use{false};
};

installed_formats& installed() {
    static installed_formats instance;
    return instance;
}

const secret_formats& formats_in_use() {
    auto& i = installed();
    i.in_use.store(true, std::memory_order_release);
    return i.formats;
}

std::string upper(std::string_view s) {
    std::string out(s);
    for (auto& c : out)
        if (c >= 'a' && c <= 'z') c = static_cast<char>(c - 32);
    return out;
}

std::string_view trim(std::string_view s) {
    while (!s.empty() && (s.front() == ' ' || s.front() == '\t' || s.front() == '\r')) s.remove_prefix(1);
    while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\r')) s.remove_suffix(1);
    return s;
}

/// `FlyV1 fm2_a,fm2_b` -> `fm2_a,fm2_b`: flyctl and HTTP traces print the credential with or without it.
std::string_view without_scheme(std::string_view v) {
    for (std::string_view scheme : {"FlyV1 ", "Bearer ", "bearer "})
        if (v.starts_with(scheme)) return trim(v.substr(scheme.size()));
    return v;
}

}  // namespace

bool install_secret_formats(secret_formats formats) {
    auto& i = installed();
    if (i.in_use.load(std::memory_order_acquire)) return false;
    i.formats = std::move(formats);
    return true;
}

bool env_name_looks_secret(std::string_view name) {
    const auto& known = formats_in_use().credential_variables;
    if (std::find(known.begin(), known.end(), name) != known.end()) return true;
    // Plain "contains" (unlike the NAME=value rule's whole words): an environment variable is a
    // declaration, and a short or harmless value is filtered by redactor's exact-value rule anyway.
    auto n = upper(name);
    for (std::string_view word : {"TOKEN", "SECRET", "PASSWORD", "API_KEY", "PRIVATE_KEY", "ACCESS_KEY"})
        if (n.find(word) != std::string::npos) return true;
    return false;
}

std::vector<std::string> secret_values_from(const char* const* envp) {
    std::vector<std::string> values;
    for (; envp && *envp; ++envp) {
        std::string_view entry{*envp};
        auto eq = entry.find('=');
        if (eq == std::string_view::npos || !env_name_looks_secret(entry.substr(0, eq))) continue;
        std::string_view value = entry.substr(eq + 1);
        // Without its scheme: `Authorization: FlyV1 [redacted]` then still says which kind it was,
        // and the whole value is masked anyway since it holds the credential.
        std::string_view rest = without_scheme(trim(value));
        values.emplace_back(rest == trim(value) ? value : rest);
        // A value read from a CRLF file keeps its \r (or a stray blank); what a child prints is
        // often the value without it, which must be masked too.
        if (rest == trim(value) && rest != value) values.emplace_back(rest);
        if (rest.find_first_of(",\n") == std::string_view::npos) continue;
        while (!rest.empty()) {  // each macaroon of a comma-joined token, each line of a PEM key
            auto cut = rest.find_first_of(",\n");
            values.emplace_back(trim(rest.substr(0, cut)));
            if (cut == std::string_view::npos) break;
            rest.remove_prefix(cut + 1);
        }
    }
    return values;  // redactor drops the short and the silly
}

const redactor& process_redactor() {
    // Thread-safe once; batch loops share it.
    static const redactor r{secret_values_from(environ), formats_in_use().token_prefixes};
    return r;
}

}  // namespace r1::engine
