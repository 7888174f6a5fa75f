#pragma once
/// The tasks of a fleet, as the manifest and URL-list readers build them: each one checked whole
/// (provider, name, values, URL) before anything runs, with every problem and its line.
#include "providers/deploy_config.hpp"

#include <cstddef>
#include <map>
#include <string>
#include <string_view>
#include <vector>

namespace r1::cli {

inline constexpr std::size_t max_manifest_bytes = 16 * 1024 * 1024;
inline constexpr std::size_t max_fleet_tasks = 100'000;

struct fleet_task {
    std::string name;  // the app name; for a URL list, the URL
    deploy_config cfg;
    std::string region;  // where it deploys, the provider's default filled in; "" when it has none
    std::size_t line = 0;  // where the task was declared (1-based)
};

struct manifest_problem {
    std::size_t line = 0;  // 0 when it concerns the whole file
    std::string message;   // one printable line
};

struct fleet_manifest {
    std::vector<fleet_task> tasks;           // valid only when problems is empty
    std::vector<manifest_problem> problems;  // every problem found, in line order
    /// `[region.CODE] concurrency = N`: at most N deploys to that region at once.
    std::map<std::string, unsigned, std::less<>> region_caps;
    /// `[provider.NAME] concurrency = N`: at most N of that provider's deploys at once.
    std::map<std::string, unsigned, std::less<>> provider_caps;
};

/// The command line's part. Its flags override [defaults]; a key set on an app overrides both.
struct manifest_base {
    deploy_config cli;                  // built-in defaults, with the flags the command line gave
    std::vector<std::string> cli_keys;  // manifest keys of those flags ("region", "health_timeout")
    std::string base_dir;               // a relative `dir` is taken relative to it; "" keeps it as is
    bool verify = false;                // every task is a verification: a name is optional
};

/// Collects tasks and problems; finish() gives the tasks only when there is no problem at all.
class fleet_builder {
public:
    explicit fleet_builder(const manifest_base& base) : base_(base) {}

    void problem(std::size_t line, std::string message) { out_.problems.push_back({line, std::move(message)}); }
    /// The flags the command line gave, over what `cfg` holds ([defaults]).
    void apply_cli(deploy_config& cfg) const;
    /// Checks one merged task (its name at `name_line`) and adds it.
    void add(fleet_task task, std::size_t name_line);
    fleet_manifest finish();

    std::size_t task_count() const { return out_.tasks.size(); }
    const std::vector<fleet_task>& tasks() const { return out_.tasks; }
    /// Room for the tasks up front: a fleet's task list lives for the whole run, and growing it by
    /// doubling would leave up to half of it unused (~2 MB at 10,000 URLs).
    void reserve(std::size_t n);
    void region_cap(std::string region, unsigned n) { out_.region_caps[std::move(region)] = n; }
    void cap(std::string provider, unsigned n) { out_.provider_caps[std::move(provider)] = n; }

private:
    const manifest_base& base_;
    fleet_manifest out_;
    std::map<std::string, std::size_t, std::less<>> seen_;
};

/// A file past max_manifest_bytes, as a one-problem result.
fleet_manifest too_large();

}  // namespace r1::cli
