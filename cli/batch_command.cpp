#include "cli/batch_command.hpp"

#include "cli/batch_output.hpp"
#include "cli/batch_record.hpp"
#include "cli/batch_report.hpp"
#include "cli/batch_rollout.hpp"
#include "cli/browser_output.hpp"
#include "cli/exit_code.hpp"
#include "cli/fd_limit.hpp"
#include "cli/fd_write.hpp"
#include "cli/input_file.hpp"
#include "cli/manifest.hpp"
#include "cli/output.hpp"
#include "cli/rollout.hpp"
#include "cli/shard.hpp"
#include "cli/signals.hpp"
#include "cli/task_log.hpp"
#include "cli/output.hpp"
#include "cli/url_list.hpp"
#include "engine/fleet.hpp"
#include "engine/safe_file.hpp"
#include "engine/text/text.hpp"
#include "net/beast_client.hpp"
#include "net/tls_context.hpp"
#include "proc/browser/chromium_checker.hpp"
#include "proc/find_executable.hpp"
#include "proc/output_tail.hpp"
#include "proc/real_runner.hpp"
#include "providers/browser_step.hpp"
#include "providers/deploy.hpp"
#include "providers/registry.hpp"

#include <algorithm>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <map>
#include <mutex>
#include <optional>
#include <random>
#include <set>
#include <thread>
#include <variant>

#include <fcntl.h>
#include <sys/ioctl.h>
#include <sys/resource.h>
#include <unistd.h>

namespace r1::cli {
namespace {

namespace asio = boost::asio;
using sclock = std::chrono::steady_clock;

constexpr std::size_t kept_output_bytes = 8 * 1024;  // a failed task's output shown and reported

int setup_error(std::string_view message) {
    write_fd(2, "r1: error: " + std::string(message) + "\n");
    return exit_usage;
}

task_record::http_ms http_ms_of(const net::phase_times& t) {
    auto ms = [](std::chrono::nanoseconds d) {
        return static_cast<std::uint32_t>(std::min<std::int64_t>(
            std::chrono::duration_cast<std::chrono::milliseconds>(d).count(), UINT32_MAX));
    };
    return {ms(t.resolve), ms(t.connect), ms(t.tls), ms(t.processing), ms(t.transfer)};
}

std::size_t terminal_width(int fd) {
    winsize ws{};
    if (::ioctl(fd, TIOCGWINSZ, &ws) == 0 && ws.ws_col >= 40) return ws.ws_col;
    return 120;
}

/// The batch's tasks as the manifest (or list) gave them, with what applies to the whole batch.
struct loaded_batch {
    std::vector<fleet_task> tasks;
    std::map<std::string, unsigned, std::less<>> region_caps;    // [region.CODE] concurrency
    std::map<std::string, unsigned, std::less<>> provider_caps;  // [provider.NAME] concurrency
    std::string manifest_sha256;
};

class batch_run {
public:
    batch_run(const command& cmd, loaded_batch batch, const std::optional<shard_spec>& shard, net::http_client& http,
              proc::browser::page_checker* browser, const engine::output_dir* log_dir)
        : cmd_(cmd), http_(http), browser_(browser), log_dir_(log_dir), region_caps_(std::move(batch.region_caps)),
          caps_(std::move(batch.provider_caps)) {
        auto& tasks = batch.tasks;
        path_env_ = proc::search_path();
        seed_ = std::random_device{}();
        // Results go to stdout, the progress line to stderr. On a terminal the line is live; when
        // stdout is that terminal too, ok tasks are counted there rather than listed.
        // NDJSON on that same terminal gets no live line: the lifecycle's events are written from
        // every event loop, outside the hooks that draw it.
        progress_ = ::isatty(2) == 1 && !(cmd.json_output && ::isatty(1) == 1);
        same_screen_ = progress_ && ::isatty(1) == 1;
        hide_ok_ = same_screen_ && !cmd.json_output;
        outcome_.command = cmd.batch.verify ? "verify" : "deploy";
        outcome_.dry_run = cmd.deploy.dry_run;
        outcome_.manifest_sha256 = std::move(batch.manifest_sha256);
        outcome_.shared_flags = cmd.shared_flags;
        std::size_t mine = tasks.size();
        if (shard) {
            // The whole manifest was checked; this shard keeps the tasks the hash gives it, and the
            // report names every task so that r1 report merge can name a missing shard's.
            outcome_.shard = std::make_unique<shard_record>(shard_record{shard->index, shard->total, {}});
            outcome_.shard->manifest_tasks.reserve(tasks.size());
            mine = 0;
            for (const auto& t : tasks) {
                outcome_.shard->manifest_tasks.push_back(t.name);
                if (shard_of(t.name, shard->total) == shard->index) ++mine;
            }
        }
        outcome_.tasks.reserve(mine);
        config_of_.reserve(mine);
        for (std::size_t i = 0; i < tasks.size(); ++i) {
            if (shard && shard_of(outcome_.shard->manifest_tasks[i], shard->total) != shard->index) continue;
            auto& cfg = tasks[i].cfg;
            auto& r = outcome_.tasks.emplace_back();
            r.index = i;
            r.provider = cfg.app.empty() ? "url" : cfg.provider;  // empty app: a URL list's task
            // A health check needs its name and URL only in the record: they move there, and what
            // is left is the same for every URL of a list, so it is kept once (see configs_).
            const bool check_only = cfg.verify_only && !cfg.dry_run;
            if (cfg.dry_run) r.url.clear();
            else if (cfg.health_url.empty()) r.url = planned_health_url(cfg);
            else r.url = check_only ? std::move(cfg.health_url) : cfg.health_url;
            r.name = std::move(tasks[i].name);
            if (check_only) {
                cfg.health_url.clear();
                cfg.app.clear();
            } else {
                regions_.resize(outcome_.tasks.size());
                regions_.back() = std::move(tasks[i].region);  // a deploy's: for --region-concurrency
            }
            if (configs_.empty() || !(configs_.back() == cfg)) configs_.push_back(std::move(cfg));
            config_of_.push_back(static_cast<std::uint32_t>(configs_.size() - 1));
        }
        live_.total = outcome_.tasks.size();
        began_.resize(outcome_.tasks.size());
    }

    int run(unsigned concurrency, unsigned gate_concurrency, const std::vector<wave_step>& waves) {
        outcome_.concurrency = concurrency;
        outcome_.started_at = std::chrono::system_clock::now();
        start_ = sclock::now();
        engine::fleet_options opts{.tasks = outcome_.tasks.size(), .concurrency = concurrency, .loops = 0,
                                   .fail_fast = cmd_.batch.fail_fast,
                                   .max_failures = cmd_.batch.max_failures,
                                   .wave_ends = {},
                                   .limits = {},
                                   .tick_every = progress_ ? std::chrono::milliseconds(200) : std::chrono::milliseconds(0)};
        batch_rollout rollout{cmd_,
                              outcome_,
                              [this](std::size_t i) -> const deploy_config& { return config(i); },
                              std::move(regions_),
                              std::move(region_caps_),
                              {http_, gate_concurrency,
                               [this](const std::string& text) { say(text); },
                               [this](const std::string& line) {
                                   if (cmd_.json_output) out(line);
                               },
                               [this](std::size_t) {
                                   --live_.ok;
                                   ++live_.failed;
                               }}};
        rollout.plan(opts, waves);
        set_provider_caps(opts, rollout);  // after the plan: the fleet counts in launch positions
        unsigned cores = std::max(1u, std::thread::hardware_concurrency());
        if (cmd_.json_output)
            out(batch_start_json(outcome_, std::min<std::size_t>({cores, concurrency, std::max<std::size_t>(1, outcome_.tasks.size())})));

        engine::fleet_hooks hooks;
        hooks.run = [this, &rollout](std::size_t p) {
            // A check gets its own coroutine, not a branch in run_task: a frame holds every local of
            // its function, and run_task's deploy machinery is ~1.3 KB per check in flight.
            std::size_t i = rollout.task_at(p);
            return config(i).verify_only && !config(i).dry_run ? run_check(i) : run_task(i);
        };
        hooks.started = [this, &rollout](std::size_t p) { started(rollout.task_at(p)); };
        hooks.finished = [this, &rollout](std::size_t p, bool) { finished(rollout.task_at(p)); };
        hooks.tick = [this] { draw_progress(); };
        hooks.interrupted = [this](int sig) { signal_ = sig; };
        hooks.watch_interrupts = [](asio::io_context& loop, std::function<void(int)> interrupt) {
            auto watch = std::make_shared<signal_watch>(loop, std::move(interrupt));
            return std::function<void()>([watch] { watch->stop(); });
        };
        if (!outcome_.waves.empty()) {
            hooks.wave_started = [&rollout](std::size_t w) { rollout.wave_started(w); };
            hooks.gate = [&rollout](std::size_t w) { return rollout.gate(w); };
        }
        if (browser_) hooks.loop_done = [this] { return browser_->close(); };  // each loop's Chromium
        auto fleet = engine::run_fleet(opts, hooks);

        outcome_.duration = std::chrono::duration_cast<std::chrono::milliseconds>(sclock::now() - start_);
        outcome_.signal = fleet.signal;
        outcome_.stopped_early = fleet.stopped_early;
        std::string reason = rollout.stop_reason(fleet);
        for (auto& r : outcome_.tasks)
            if (r.state == task_state::pending) {
                r.state = task_state::skipped;
                r.skip_reason = reason;
                if (cmd_.json_output) out(task_skipped_json(r));
            }
        outcome_.exit_code = batch_exit_code(outcome_.tasks, fleet.signal);
        return finish();
    }

private:
    /// One group per wired provider, capped by the manifest's `[provider.NAME] concurrency` or the
    /// provider's own default; checks and previews (no provider CLI) share one uncapped group. A
    /// limit beside the regions' (batch_rollout), by launch position as the fleet counts.
    void set_provider_caps(engine::fleet_options& opts, const batch_rollout& rollout) {
        const auto& wired = providers::registry::builtin().wired();
        std::vector<unsigned> caps;
        for (const auto& p : wired) {
            auto given = caps_.find(p->name());
            caps.push_back(given != caps_.end() ? given->second : p->batch_concurrency());
        }
        caps.push_back(0);
        if (std::all_of(caps.begin(), caps.end(), [](unsigned c) { return c == 0; })) return;
        group_.reserve(outcome_.tasks.size());
        for (std::size_t i = 0; i < outcome_.tasks.size(); ++i) {
            const auto& cfg = config(i);
            std::uint8_t g = static_cast<std::uint8_t>(wired.size());
            if (!cfg.dry_run && !cfg.verify_only)
                for (std::size_t w = 0; w < wired.size(); ++w)
                    if (wired[w]->name() == cfg.provider) g = static_cast<std::uint8_t>(w);
            group_.push_back(g);
        }
        opts.limits.push_back(
            {[this, &rollout](std::size_t p) -> std::size_t { return group_[rollout.task_at(p)]; }, std::move(caps)});
    }

    /// r1's notes for people (a wave starts, a gate's verdict) on stderr, above the progress line;
    /// nothing with --output json, whose events say it.
    void say(const std::string& text) {
        if (cmd_.json_output) return;
        write_fd(2, (progress_ ? "\r\x1b[K" : "") + text);
        draw_progress();
    }

    /// Results on stdout; the progress line on a shared terminal is cleared first and drawn again.
    void out(const std::string& text) {
        if (same_screen_) write_fd(2, "\r\x1b[K");
        write_fd(1, text);
        if (same_screen_) draw_progress();
    }

    asio::awaitable<bool> run_task(std::size_t i) {
        const auto& task_cfg = config(i);
        auto& rec = outcome_.tasks[i];
        task_output output{log_fd(rec, i), kept_output_bytes};
        output.header("task " + rec.name + " (" + rec.provider + ") in " + engine::printable(task_cfg.dir, true));
        logging_runner runner{runner_, output};  // each command's argv, directory and ending in the log
        deploy_services services{runner, http_, [&output](std::string_view chunk) { output.append(chunk); }, path_env_};
        services.on_attempt = [&output](const engine::attempt_record& a) { output.note(attempt_text(a)); };
        services.seed = seed_ ^ (0x9e3779b97f4a7c15ULL * (i + 1));
        // The lifecycle's steps: NDJSON events with the task's index, or lines in its output.
        event_text as_text;
        services.on_event = [this, i, &output, &as_text, &rec](const providers::lifecycle_event& e) {
            if (cmd_.json_output) {
                auto line = task_event_json(e, rec, i);
                std::lock_guard lock{events_mutex_};  // tasks run on several event loops
                write_fd(1, line);
            } else if (auto text = as_text(e); !text.empty()) {
                output.note(text);  // r1's own steps, in order among the provider's lines
            }
        };
        services.browser = browser_;
        services.screenshot_path = screenshot_path(rec, i);
        auto began = sclock::now();
        deploy_config cfg = task_cfg;
        auto result = co_await r1::deploy(std::move(cfg), std::move(services));
        rec.duration = std::chrono::duration_cast<std::chrono::milliseconds>(sclock::now() - began);
        rec.exit_code = exit_code_for(result.ec, 0);
        for (const auto& c : result.criteria) output.note(criterion_text(c));
        rec.http_status = result.http_status;
        rec.cause = std::move(result.cause);
        if (result.final_url != rec.url) rec.final_url = std::move(result.final_url);
        rec.deploy_time = result.deploy_time;
        rec.health_time = result.health_time;
        if (result.http_phases) rec.http = http_ms_of(*result.http_phases);

        rec.attempts = std::move(result.attempts);
        rec.criteria = std::move(result.criteria);
        rec.release = std::move(result.release);
        rec.previous = std::move(result.previous);
        rec.rollback = std::move(result.rollback);
        rec.evidence = std::move(result.evidence);
        if (!rec.evidence.empty()) output.note(evidence_text(rec.evidence));
        if (result.browser) {
            output.note(result.browser->line + "\n" + browser_causes_block(*result.browser, 1000));
            rec.browser = std::make_shared<proc::browser::page_report>(std::move(*result.browser));
        }
        if (result.ec == error::interrupted) rec.state = task_state::interrupted;
        else rec.state = result.ec ? task_state::failed : task_state::ok;

        bool provider_spoke = output.bytes() > 0;
        if (task_cfg.dry_run && !result.ec) {
            rec.preview = std::move(result.output);
            if (result.plan) {
                rec.detail = "plan: " + plan_command(*result.plan);
                // Text mode prints the whole plan under the task's line; the record keeps the short
                // form the report and task.end carry (100,000 apps' plans would be ~300 MB whole).
                if (!cmd_.json_output) rec.plan_text = plan_block(*result.plan);
                rec.plan = std::make_shared<providers::deploy_plan>(short_plan(std::move(*result.plan)));
            } else {
                rec.detail = "dry run";
            }
            output.note("r1: " + rec.detail, false);
            output.append(rec.preview);
        } else {
            std::string_view why = result.ec && !result.message.empty() ? result.message : result.output;
            rec.detail = detail_line(why);
            output.note("r1: " + std::string(to_string(rec.state)) + ": " + std::string(why));
        }
        if (rec.state != task_state::ok && (provider_spoke || !rec.attempts.empty()))
            rec.output_tail = engine::printable(output.tail(), false);
        co_return rec.state == task_state::ok;
    }

    /// A verify task is the health check alone: no runner, no output capture, no deploy frame, since
    /// thousands are in flight at once. The manifest reader has validated its config.
    asio::awaitable<bool> run_check(std::size_t i) {
        auto& rec = outcome_.tasks[i];
        auto began = sclock::now();
        auto hc = health_check_of(config(i), rec.url, began);
        auto report = co_await engine::check_health(http_, std::move(hc));
        rec.health_time = std::chrono::duration_cast<std::chrono::milliseconds>(sclock::now() - began);
        rec.http_status = report.status;
        rec.cause = report.cause_code;
        if (report.final_url != rec.url) rec.final_url = report.final_url;
        if (report.status != 0) rec.http = http_ms_of(report.probe.times);
        auto ec = report.ec;
        std::string line = report.line;
        if (!ec && config(i).browser) {
            co_await browse(i, ec, line, std::move(report.verified_spki));
            if (ec) rec.cause = ec == error::interrupted ? "interrupted" : "browser-check";
        }
        rec.duration = std::chrono::duration_cast<std::chrono::milliseconds>(sclock::now() - began);
        rec.exit_code = exit_code_for(ec, 0);
        if (ec == error::interrupted) rec.state = task_state::interrupted;
        else rec.state = ec ? task_state::failed : task_state::ok;
        rec.detail = detail_line(line);
        if (log_dir_) {
            task_output log{log_fd(rec, i), 0};
            log.header("check " + engine::printable(rec.url, true));
            if (!report.final_url.empty() && report.final_url != rec.url)
                log.note("r1: redirected to " + engine::printable(report.final_url, true));
            log.note("r1: " + std::string(to_string(rec.state)) + ": " + report.line);
            if (rec.browser) log.note(rec.browser->line + "\n" + browser_causes_block(*rec.browser, 1000));
        }
        co_return rec.state == task_state::ok;
    }

    /// A verification's browser check, after its health check passed: its verdict becomes the task's.
    asio::awaitable<void> browse(std::size_t i, boost::system::error_code& ec, std::string& line,
                                 std::vector<std::string> verified) {
        auto& rec = outcome_.tasks[i];
        auto report = co_await browser_step(config(i), http_, *browser_, sclock::now(), rec.url, std::move(verified),
                                            screenshot_path(rec, i));
        if (report.ec) {
            ec = report.ec;
            line = report.line;
        } else {
            line += "; " + report.line;
        }
        rec.browser = std::make_shared<proc::browser::page_report>(std::move(report));
    }

    /// The task's file in --log-dir, or -1 without one (or when it cannot be made: the log is lost,
    /// not the task).
    int log_fd(const task_record& rec, std::size_t i) const {
        return log_dir_ ? log_dir_->create(log_file_name(rec.name, rec.provider == "url", i)) : -1;
    }

    /// DIR/<the log's name>.png with --log-dir; empty without. Written by engine::write_output_file
    /// into the directory output_dir::open checked.
    std::string screenshot_path(const task_record& rec, std::size_t i) const {
        if (cmd_.batch.log_dir.empty()) return {};
        auto name = log_file_name(rec.name, rec.provider == "url", i);
        return cmd_.batch.log_dir + "/" + name.substr(0, name.size() - 4) + ".png";
    }

    void started(std::size_t i) {
        outcome_.tasks[i].state = task_state::running;
        ++live_.running;
        began_[i] = sclock::now();
        running_.emplace(began_[i], i);
        if (cmd_.json_output) out(task_start_json(outcome_.tasks[i]));
    }

    void finished(std::size_t i) {
        auto& r = outcome_.tasks[i];
        // Known only here, under the fleet's lock: task.end must say 143 for a SIGTERM, as the batch does.
        if (r.state == task_state::interrupted) r.exit_code = exit_code_for(make_error_code(error::interrupted), signal_);
        --live_.running;
        running_.erase({began_[i], i});
        ++(r.state == task_state::ok ? live_.ok : r.state == task_state::interrupted ? live_.interrupted : live_.failed);
        if (cmd_.json_output) {
            out(task_end_json(r));
            return;
        }
        if (hide_ok_ && r.state == task_state::ok && !outcome_.dry_run) {
            draw_progress();
            return;
        }
        std::string text = task_line(r, live_.ok + live_.failed + live_.interrupted, outcome_.tasks.size());
        if (r.browser && (r.state == task_state::failed || !r.browser->causes.empty())) text += browser_causes_block(*r.browser);
        text += r.plan_text;  // each app's plan, not a word that one was made
        std::string().swap(r.plan_text);
        if (progress_) write_fd(2, "\r\x1b[K");
        write_fd(1, text);
        // What the provider printed (and r1's decisions among it) goes with provider output: stderr.
        if (r.state == task_state::failed) write_fd(2, output_block(r));
        draw_progress();
    }

    void draw_progress() {
        if (!progress_) return;
        auto now = sclock::now();
        auto elapsed = std::chrono::duration_cast<std::chrono::milliseconds>(now - start_);
        std::vector<running_task> longest;
        for (const auto& [began, i] : running_) {
            if (longest.size() == 8) break;  // more never fit a terminal's width
            longest.push_back({outcome_.tasks[i].name, std::chrono::duration_cast<std::chrono::milliseconds>(now - began)});
        }
        write_fd(2, "\r\x1b[K" + progress_line(live_, elapsed, longest, terminal_width(2), !outcome_.dry_run));
    }

    int finish() {
        if (cmd_.json_output) {
            if (progress_) write_fd(2, "\r\x1b[K");
            write_fd(1, batch_end_json(outcome_));
        } else {
            if (progress_) write_fd(2, "\r\x1b[K");
            write_fd(1, "\n" + summary_table(outcome_, ::isatty(1) == 1 ? terminal_width(1) : 160));
        }
        if (outcome_.signal != 0)
            write_fd(2, "r1: interrupted by " + signal_name(outcome_.signal) +
                            "; running tasks stopped, the rest not started\n");
        if (outcome_.shard)
            write_fd(2, "r1: shard " + std::to_string(outcome_.shard->index) + "/" + std::to_string(outcome_.shard->total) +
                            ": " + std::to_string(outcome_.tasks.size()) + " of the manifest's " +
                            std::to_string(outcome_.shard->manifest_tasks.size()) + " tasks\n");
        int code = outcome_.exit_code;
        auto write = [&](const std::string& path, const std::string& content) {
            if (path.empty()) return;
            if (auto why = engine::write_output_file(path, content); !why.empty()) {
                write_fd(2, "r1: error: " + why + "\n");
                if (outcome_.signal == 0) code = exit_usage;
            }
        };
        if (!cmd_.batch.report_file.empty()) write(cmd_.batch.report_file, report_json(outcome_));
        if (!cmd_.batch.junit_file.empty()) write(cmd_.batch.junit_file, junit_xml(outcome_));
        return code;
    }

    const command& cmd_;
    std::vector<std::string> regions_;  // task -> a deploy's region ("" for checks), until run()
    /// Each task's settings, kept once per run of equal ones: the checks of a 10,000-URL list share
    /// one deploy_config instead of holding 10,000 copies.
    std::vector<deploy_config> configs_;
    std::vector<std::uint32_t> config_of_;  // task index -> configs_ index
    const deploy_config& config(std::size_t i) const { return configs_[config_of_[i]]; }
    net::http_client& http_;
    proc::browser::page_checker* browser_;  // null: no task asked for a browser check
    const engine::output_dir* log_dir_;      // --log-dir, or null
    proc::real_runner runner_;
    std::string path_env_;
    std::uint64_t seed_ = 0;
    bool progress_ = false;     // stderr is a terminal: a live progress line there
    bool same_screen_ = false;  // ... and stdout is a terminal too
    bool hide_ok_ = false;      // ok tasks are counted on the progress line, not listed
    std::vector<sclock::time_point> began_;  // each task's start
    /// The running tasks, longest-running first (a set: started and finished are serialised).
    std::set<std::pair<sclock::time_point, std::size_t>> running_;
    int signal_ = 0;  // the first SIGINT / SIGTERM; set and read under the fleet's lock
    std::mutex events_mutex_;  // one NDJSON line at a time from tasks on different loops
    sclock::time_point start_;
    batch_counts live_;  // kept as tasks start and end: the progress line must not rescan 10,000 records
    batch_outcome outcome_;
    std::map<std::string, unsigned, std::less<>> region_caps_;  // [region.CODE] concurrency, until run()
    std::map<std::string, unsigned, std::less<>> caps_;  // [provider.NAME] concurrency
    std::vector<std::uint8_t> group_;                    // task index -> its provider's group, when capped
};

}  // namespace

loaded_tasks load_tasks(const command& cmd) {
    manifest_base base;
    base.cli = cmd.deploy;
    base.cli_keys = cmd.given_keys;
    base.verify = cmd.batch.verify;

    loaded_tasks out;
    out.source = cmd.batch.file;
    std::string text;
    bool url_list = cmd.batch.file.empty();
    if (url_list) {
        out.source = "command line";
        for (const auto& u : cmd.batch.urls) text += u + "\n";
    } else {
        auto read = read_input(cmd.batch.file, max_manifest_bytes);
        if (!read.error.empty()) {
            out.problems = "r1: error: " + read.error + "\n";
            out.problem_count = 1;
            out.unreadable = true;
            return out;
        }
        text = std::move(read.text);
        out.source = out.source == "-" ? "stdin" : engine::printable(out.source, true);  // never echoed raw
        if (cmd.batch.file != "-") base.base_dir = std::filesystem::path(cmd.batch.file).parent_path().string();
        url_list = cmd.batch.verify && looks_like_url_list(text);
    }
    auto manifest = url_list ? read_url_list(text, base) : read_fleet_manifest(text, base);
    if (manifest.problems.empty()) {
        for (const auto& w : manifest.warnings)
            out.warnings += "r1: warning: " + out.source + (w.line ? ":" + std::to_string(w.line) : "") + ": " + w.message + "\n";
        out.tasks = std::move(manifest.tasks);
        out.region_caps = std::move(manifest.region_caps);
        out.provider_caps = std::move(manifest.provider_caps);
        out.manifest_sha256 = sha256_hex(text);
        return out;
    }
    for (const auto& p : manifest.problems) {
        std::string where = out.source + (p.line ? ":" + std::to_string(p.line) : "");
        if (cmd.batch.file.empty() && p.line) where = "URL " + std::to_string(p.line);
        out.problems += "r1: error: " + where + ": " + p.message + "\n";
    }
    out.problem_count = manifest.problems.size();
    return out;
}

namespace {

/// The tasks of the batch, or exit 2 with every problem printed.
std::variant<loaded_batch, int> load_batch(const command& cmd) {
    auto loaded = load_tasks(cmd);
    if (loaded.problem_count == 0) {
        write_fd(2, loaded.warnings);
        return loaded_batch{std::move(loaded.tasks), std::move(loaded.region_caps), std::move(loaded.provider_caps),
                            std::move(loaded.manifest_sha256)};
    }
    if (loaded.unreadable) {
        write_fd(2, loaded.problems);
        return exit_usage;
    }
    auto n = loaded.problem_count;
    write_fd(2, loaded.problems + "r1: error: " + std::to_string(n) + (n == 1 ? " problem" : " problems") + " in " +
                    loaded.source + "; nothing was started\n");
    return exit_usage;
}

}  // namespace

int run_batch(const command& cmd) {
    if (cmd.deploy.dry_run && cmd.deploy.verify_only && !cmd.batch.verify)
        return setup_error("--dry-run and --verify-only cannot be combined");
    // Flags that need no file first: a wrong --shard or --waves is refused before the manifest is read.
    std::optional<shard_spec> shard;
    if (!cmd.batch.shard.empty()) {
        auto parsed = parse_shard(cmd.batch.shard, std::getenv("JOB_COMPLETION_INDEX"));
        if (auto* why = std::get_if<std::string>(&parsed)) return setup_error(*why);
        shard = std::get<shard_spec>(parsed);
    }
    std::vector<wave_step> waves;
    if (!cmd.batch.waves.empty()) {
        auto parsed = parse_waves(cmd.batch.waves);
        if (auto* why = std::get_if<std::string>(&parsed)) return setup_error(*why);
        waves = std::get<std::vector<wave_step>>(parsed);
    }
    auto loaded = load_batch(cmd);
    if (auto* code = std::get_if<int>(&loaded)) return *code;
    auto batch = std::move(std::get<0>(loaded));

    for (const auto* path : {&cmd.batch.report_file, &cmd.batch.junit_file})
        if (!path->empty())
            if (auto why = engine::check_output_file(*path); !why.empty()) return setup_error(why);
    std::optional<engine::output_dir> log_dir;
    if (!cmd.batch.log_dir.empty()) {
        auto opened = engine::output_dir::open(cmd.batch.log_dir);
        if (auto* why = std::get_if<std::string>(&opened)) return setup_error(*why);
        log_dir.emplace(std::move(std::get<engine::output_dir>(opened)));
    }
    auto tls = net::make_tls_context(cmd.ca_file);
    if (!tls) return setup_error(tls.error());

    unsigned concurrency = cmd.batch.concurrency
                               ? cmd.batch.concurrency
                               : (cmd.batch.verify || cmd.deploy.verify_only ? default_verify_concurrency
                                                                            : default_deploy_concurrency);
    // Each task holds a socket, or pipes and a pidfd for its child: stay inside the open-file limit
    // rather than fail tasks for want of descriptors.
    bool children = !(cmd.batch.verify || cmd.deploy.verify_only || cmd.deploy.dry_run);
    auto fds = budget_fds(concurrency, children ? fds_per_child : fds_per_check, "a batch");
    if (!fds.refusal.empty()) return setup_error(fds.refusal);
    if (!fds.note.empty()) write_fd(2, "r1: note: " + fds.note + "\n");
    concurrency = fds.concurrency;

    // Chromium is looked for once, before anything runs, when any task will use it.
    std::optional<proc::browser::chromium_checker> browser;
    if (!cmd.deploy.dry_run && std::any_of(batch.tasks.begin(), batch.tasks.end(), [](const auto& t) { return t.cfg.browser; })) {
        auto chromium = proc::browser::find_chromium(cmd.chromium, proc::search_path());
        if (!chromium) return setup_error(proc::browser::chromium_missing_message(cmd.chromium));
        browser.emplace(proc::browser::chromium_options{*chromium, cmd.browser_concurrency, {}});
    }

    // A gate re-checks every app deployed so far at once, as r1 verify would, within the same room.
    auto gate_concurrency = std::min(default_verify_concurrency, fds.checks);

    net::beast_client http{*tls};
    batch_run run{cmd, std::move(batch), shard, http, browser ? &*browser : nullptr, log_dir ? &*log_dir : nullptr};
    return run.run(concurrency, gate_concurrency, waves);
}

}  // namespace r1::cli
