#include "cli/batch_command.hpp"

#include "cli/batch_output.hpp"
#include "cli/batch_record.hpp"
#include "cli/batch_report.hpp"
#include "cli/browser_output.hpp"
#include "cli/exit_code.hpp"
#include "cli/fd_limit.hpp"
#include "cli/fd_write.hpp"
#include "cli/output.hpp"
#include "cli/manifest.hpp"
#include "cli/signals.hpp"
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
#include <mutex>
#include <optional>
#include <random>
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

constexpr std::size_t detail_chars = 300;
constexpr std::size_t kept_output_bytes = 8 * 1024;  // a failed task's output shown and reported
constexpr rlim_t reserved_fds = 32;                  // stdio, the event loops, reports, logs

int setup_error(std::string_view message) {
    write_fd(2, "r1: error: " + std::string(message) + "\n");
    return exit_usage;
}

struct file_text {
    std::string text;
    std::string error;  // one line; empty when text is the whole file
};

/// Reads the manifest or URL list whole, refusing anything past the size limit.
file_text read_input(const std::string& file) {
    const std::string shown = engine::printable(file, true);  // an argument is never echoed raw
    int fd = file == "-" ? 0 : ::open(file.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) return {{}, "cannot read " + shown + ": " + std::strerror(errno)};
    std::string text;
    char buf[65536];
    for (;;) {
        auto n = ::read(fd, buf, sizeof buf);
        if (n < 0 && errno == EINTR) continue;
        if (n < 0) {
            std::string why = std::strerror(errno);
            if (fd != 0) ::close(fd);
            return {{}, "cannot read " + shown + ": " + why};
        }
        if (n == 0) break;
        text.append(buf, static_cast<std::size_t>(n));
        if (text.size() > max_manifest_bytes) {
            if (fd != 0) ::close(fd);
            return {{}, shown + " is larger than " + std::to_string(max_manifest_bytes / (1024 * 1024)) + " MiB"};
        }
    }
    if (fd != 0) ::close(fd);
    return {std::move(text), {}};
}

/// A log file name for a task: the app name, or a safe form of the URL with its position.
std::string log_name(const task_record& t, std::size_t index) {
    if (t.provider != "url") return t.name + ".log";  // a named app
    std::string safe;
    for (char c : t.name.substr(0, 80))
        safe += (std::isalnum(static_cast<unsigned char>(c)) || c == '.' || c == '-') ? c : '_';
    return "task-" + std::to_string(index + 1) + "-" + safe + ".log";
}

/// One task's output: a bounded tail in memory, and the whole of it in --log-dir when given.
class task_output {
public:
    /// `log_fd`: the task's file in --log-dir (owned from here on), or -1.
    explicit task_output(int log_fd) : tail_(kept_output_bytes), fd_(log_fd) {}
    ~task_output() {
        if (fd_ >= 0) ::close(fd_);
    }
    task_output(const task_output&) = delete;
    task_output& operator=(const task_output&) = delete;

    void append(std::string_view chunk) {
        bytes_ += chunk.size();
        tail_.append(chunk);
        if (fd_ >= 0 && !write_fd(fd_, chunk)) {  // a full disk loses the log, not the deploy
            ::close(fd_);
            fd_ = -1;
        }
    }
    std::string tail() const { return tail_.str(); }
    std::uint64_t bytes() const noexcept { return bytes_; }

private:
    std::uint64_t bytes_ = 0;
    proc::output_tail tail_;
    int fd_ = -1;
};

/// A task's cause in one line. The head of the message ("flyctl deploy (app web) exited 1: ") is kept
/// whole and the provider's last words fill the rest, so a long stderr cannot push out how it ended.
std::string one_line(std::string_view text) {
    auto head_end = text.find(": ");
    if (text.size() <= detail_chars || head_end == std::string_view::npos || head_end + 2 > detail_chars / 2)
        return engine::printable(engine::tail_chars(text, detail_chars), true);
    auto head = text.substr(0, head_end + 2);
    return engine::printable(std::string(head) + engine::tail_chars(text.substr(head.size()), detail_chars - head.size()),
                             true);
}

std::size_t terminal_width() {
    winsize ws{};
    if (::ioctl(1, TIOCGWINSZ, &ws) == 0 && ws.ws_col >= 40) return ws.ws_col;
    return 120;
}

/// The batch's tasks and `[provider.NAME] concurrency` caps, as the manifest gave them.
struct loaded_batch {
    std::vector<fleet_task> tasks;
    std::map<std::string, unsigned, std::less<>> provider_caps;
};

class batch_run {
public:
    batch_run(const command& cmd, loaded_batch batch, net::http_client& http, proc::browser::page_checker* browser,
              const engine::output_dir* log_dir)
        : cmd_(cmd), http_(http), browser_(browser), log_dir_(log_dir), caps_(std::move(batch.provider_caps)) {
        auto& tasks = batch.tasks;
        path_env_ = proc::search_path();
        seed_ = std::random_device{}();
        tty_ = !cmd.json_output && ::isatty(1) == 1;
        outcome_.command = cmd.batch.verify ? "verify" : "deploy";
        outcome_.dry_run = cmd.deploy.dry_run;
        outcome_.tasks.resize(tasks.size());
        live_.total = tasks.size();
        config_of_.reserve(tasks.size());
        for (std::size_t i = 0; i < tasks.size(); ++i) {
            auto& cfg = tasks[i].cfg;
            auto& r = outcome_.tasks[i];
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
            }
            if (configs_.empty() || !(configs_.back() == cfg)) configs_.push_back(std::move(cfg));
            config_of_.push_back(static_cast<std::uint32_t>(configs_.size() - 1));
        }
    }

    int run(unsigned concurrency) {
        outcome_.concurrency = concurrency;
        outcome_.started_at = std::chrono::system_clock::now();
        start_ = sclock::now();
        engine::fleet_options opts{.tasks = outcome_.tasks.size(), .concurrency = concurrency, .loops = 0,
                                   .fail_fast = cmd_.batch.fail_fast,
                                   .tick_every = tty_ ? std::chrono::milliseconds(200) : std::chrono::milliseconds(0)};
        set_provider_caps(opts);
        unsigned cores = std::max(1u, std::thread::hardware_concurrency());
        if (cmd_.json_output)
            write_fd(1, batch_start_json(outcome_, std::min<std::size_t>({cores, concurrency, outcome_.tasks.size()})));

        engine::fleet_hooks hooks;
        hooks.run = [this](std::size_t i) {
            // A check gets its own coroutine, not a branch in run_task: a frame holds every local of
            // its function, and run_task's deploy machinery is ~1.3 KB per check in flight.
            return config(i).verify_only && !config(i).dry_run ? run_check(i) : run_task(i);
        };
        hooks.started = [this](std::size_t i) { started(i); };
        hooks.finished = [this](std::size_t i, bool) { finished(i); };
        hooks.tick = [this] { draw_progress(); };
        hooks.interrupted = [this](int sig) { signal_ = sig; };
        hooks.watch_interrupts = [](asio::io_context& loop, std::function<void(int)> interrupt) {
            auto watch = std::make_shared<signal_watch>(loop, std::move(interrupt));
            return std::function<void()>([watch] { watch->stop(); });
        };
        if (browser_) hooks.loop_done = [this] { return browser_->close(); };  // each loop's Chromium
        auto fleet = engine::run_fleet(opts, hooks);

        outcome_.duration = std::chrono::duration_cast<std::chrono::milliseconds>(sclock::now() - start_);
        outcome_.signal = fleet.signal;
        outcome_.stopped_early = fleet.stopped_early;
        for (auto& r : outcome_.tasks)
            if (r.state == task_state::pending) r.state = task_state::skipped;
        outcome_.exit_code = batch_exit_code(outcome_.tasks, fleet.signal);
        return finish();
    }

private:
    /// One group per wired provider, capped by the manifest's `[provider.NAME] concurrency` or the
    /// provider's own default; checks and previews (no provider CLI) share one uncapped group.
    void set_provider_caps(engine::fleet_options& opts) {
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
        opts.group_caps = std::move(caps);
        opts.group_of = [this](std::size_t i) -> std::size_t { return group_[i]; };
    }

    asio::awaitable<bool> run_task(std::size_t i) {
        const auto& task_cfg = config(i);
        auto& rec = outcome_.tasks[i];
        task_output output{log_fd(rec, i)};
        deploy_services services{runner_, http_, [&output](std::string_view chunk) { output.append(chunk); }, path_env_};
        services.seed = seed_ ^ (0x9e3779b97f4a7c15ULL * (i + 1));
        // The lifecycle's steps: NDJSON events with the task's index, or lines in its output.
        event_text as_text;
        services.on_event = [this, i, &output, &as_text, &rec](const providers::lifecycle_event& e) {
            if (cmd_.json_output) {
                auto line = task_event_json(e, rec, i);
                std::lock_guard lock{events_mutex_};  // tasks run on several event loops
                write_fd(1, line);
            } else if (auto text = as_text(e); !text.empty()) {
                output.append(text);
            }
        };
        services.browser = browser_;
        services.screenshot_path = screenshot_path(rec, i);
        auto began = sclock::now();
        deploy_config cfg = task_cfg;
        auto result = co_await r1::deploy(std::move(cfg), std::move(services));
        rec.duration = std::chrono::duration_cast<std::chrono::milliseconds>(sclock::now() - began);
        rec.exit_code = exit_code_for(result.ec, 0);
        rec.attempts = std::move(result.attempts);
        rec.criteria = std::move(result.criteria);
        rec.release = std::move(result.release);
        rec.previous = std::move(result.previous);
        rec.rollback = std::move(result.rollback);
        rec.evidence = std::move(result.evidence);
        if (!rec.evidence.empty()) output.append(evidence_text(rec.evidence));
        if (result.browser) {
            output.append(result.browser->line + "\n" + browser_causes_block(*result.browser, 1000));
            rec.browser = std::make_shared<proc::browser::page_report>(std::move(*result.browser));
        }
        if (result.ec == error::interrupted) rec.state = task_state::interrupted;
        else rec.state = result.ec ? task_state::failed : task_state::ok;

        bool provider_spoke = output.bytes() > 0;
        if (task_cfg.dry_run && !result.ec) {
            rec.preview = std::move(result.output);
            if (result.plan) {
                rec.detail = "plan: " + plan_command(*result.plan);
                rec.plan = std::make_shared<providers::deploy_plan>(std::move(*result.plan));
            } else {
                rec.detail = "dry run";
            }
            output.append(rec.preview);
        } else {
            std::string_view why = result.ec && !result.message.empty() ? result.message : result.output;
            rec.detail = one_line(why);
            output.append("r1: " + std::string(to_string(rec.state)) + ": " + std::string(why) + "\n");
        }
        if (rec.state != task_state::ok && provider_spoke) rec.output_tail = engine::printable(output.tail(), false);
        co_return rec.state == task_state::ok;
    }

    /// A verify task is the health check alone: no runner, no output capture, no deploy frame, since
    /// thousands are in flight at once. The manifest reader has validated its config.
    asio::awaitable<bool> run_check(std::size_t i) {
        auto& rec = outcome_.tasks[i];
        auto began = sclock::now();
        auto hc = health_check_of(config(i), rec.url, began);
        auto report = co_await engine::check_health(http_, std::move(hc));
        auto ec = report.ec;
        std::string line = report.line;
        if (!ec && config(i).browser) co_await browse(i, ec, line, std::move(report.verified_spki));
        rec.duration = std::chrono::duration_cast<std::chrono::milliseconds>(sclock::now() - began);
        rec.exit_code = exit_code_for(ec, 0);
        if (ec == error::interrupted) rec.state = task_state::interrupted;
        else rec.state = ec ? task_state::failed : task_state::ok;
        rec.detail = one_line(line);
        if (log_dir_) {
            task_output log{log_fd(rec, i)};
            log.append("r1: " + std::string(to_string(rec.state)) + ": " + report.line + "\n");
            if (rec.browser) log.append(rec.browser->line + "\n" + browser_causes_block(*rec.browser, 1000));
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
    int log_fd(const task_record& rec, std::size_t i) const { return log_dir_ ? log_dir_->create(log_name(rec, i)) : -1; }

    /// DIR/<the log's name>.png with --log-dir; empty without. Written by engine::write_output_file
    /// into the directory output_dir::open checked.
    std::string screenshot_path(const task_record& rec, std::size_t i) const {
        if (cmd_.batch.log_dir.empty()) return {};
        auto name = log_name(rec, i);
        return cmd_.batch.log_dir + "/" + name.substr(0, name.size() - 4) + ".png";
    }

    void started(std::size_t i) {
        outcome_.tasks[i].state = task_state::running;
        ++live_.running;
        if (cmd_.json_output) write_fd(1, task_start_json(outcome_.tasks[i], i));
    }

    void finished(std::size_t i) {
        auto& r = outcome_.tasks[i];
        // Known only here, under the fleet's lock: task.end must say 143 for a SIGTERM, as the batch does.
        if (r.state == task_state::interrupted) r.exit_code = exit_code_for(make_error_code(error::interrupted), signal_);
        --live_.running;
        ++(r.state == task_state::ok ? live_.ok : r.state == task_state::interrupted ? live_.interrupted : live_.failed);
        if (cmd_.json_output) {
            write_fd(1, task_end_json(r, i));
            return;
        }
        bool show_output = r.state == task_state::failed;
        if (tty_) {
            if (r.state == task_state::ok && !outcome_.dry_run) {
                draw_progress();
                return;
            }
            write_fd(1, "\r\x1b[K");
        }
        std::string text = task_line(r, live_.ok + live_.failed + live_.interrupted, outcome_.tasks.size());
        if (show_output) text += output_block(r);
        if (r.browser && (r.state == task_state::failed || !r.browser->causes.empty())) text += browser_causes_block(*r.browser);
        if (r.plan) text += plan_block(*r.plan);  // each app's plan, not a word that one was made
        write_fd(1, text);
        if (tty_) draw_progress();
    }

    void draw_progress() {
        if (!tty_) return;
        auto elapsed = std::chrono::duration_cast<std::chrono::milliseconds>(sclock::now() - start_);
        write_fd(1, "\r\x1b[K" + progress_line(live_, elapsed, !outcome_.dry_run));
    }

    int finish() {
        if (cmd_.json_output) {
            write_fd(1, batch_end_json(outcome_));
        } else {
            if (tty_) write_fd(1, "\r\x1b[K");
            write_fd(1, "\n" + summary_table(outcome_, tty_ ? terminal_width() : 160));
        }
        if (outcome_.signal != 0)
            write_fd(2, "r1: interrupted by " + signal_name(outcome_.signal) +
                            "; running tasks stopped, the rest not started\n");
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
    bool tty_ = false;
    int signal_ = 0;  // the first SIGINT / SIGTERM; set and read under the fleet's lock
    std::mutex events_mutex_;  // one NDJSON line at a time from tasks on different loops
    sclock::time_point start_;
    batch_counts live_;  // kept as tasks start and end: the progress line must not rescan 10,000 records
    batch_outcome outcome_;
    std::map<std::string, unsigned, std::less<>> caps_;  // [provider.NAME] concurrency
    std::vector<std::uint8_t> group_;                    // task index -> its provider's group, when capped
};

/// The tasks of the batch, or every problem with its line.
std::variant<loaded_batch, int> load_tasks(const command& cmd) {
    manifest_base base;
    base.cli = cmd.deploy;
    base.cli_keys = cmd.given_keys;
    base.verify = cmd.batch.verify;

    std::string source = cmd.batch.file;
    std::string text;
    bool url_list = cmd.batch.file.empty();
    if (url_list) {
        source = "command line";
        for (const auto& u : cmd.batch.urls) text += u + "\n";
    } else {
        auto read = read_input(cmd.batch.file);
        if (!read.error.empty()) return setup_error(read.error);
        text = std::move(read.text);
        source = source == "-" ? "stdin" : engine::printable(source, true);  // never echoed raw
        if (cmd.batch.file != "-") base.base_dir = std::filesystem::path(cmd.batch.file).parent_path().string();
        url_list = cmd.batch.verify && looks_like_url_list(text);
    }
    auto manifest = url_list ? read_url_list(text, base) : read_fleet_manifest(text, base);
    if (manifest.problems.empty()) {
        std::string warnings;
        for (const auto& w : manifest.warnings)
            warnings += "r1: warning: " + source + (w.line ? ":" + std::to_string(w.line) : "") + ": " + w.message + "\n";
        write_fd(2, warnings);
        return loaded_batch{std::move(manifest.tasks), std::move(manifest.provider_caps)};
    }
    std::string out;
    for (const auto& p : manifest.problems) {
        std::string where = source + (p.line ? ":" + std::to_string(p.line) : "");
        if (cmd.batch.file.empty() && p.line) where = "URL " + std::to_string(p.line);
        out += "r1: error: " + where + ": " + p.message + "\n";
    }
    auto n = manifest.problems.size();
    out += "r1: error: " + std::to_string(n) + (n == 1 ? " problem" : " problems") + " in " + source +
           "; nothing was started\n";
    write_fd(2, out);
    return exit_usage;
}

}  // namespace

int run_batch(const command& cmd) {
    if (cmd.deploy.dry_run && cmd.deploy.verify_only && !cmd.batch.verify)
        return setup_error("--dry-run and --verify-only cannot be combined");
    auto loaded = load_tasks(cmd);
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
    rlim_t limit = raise_fd_limit();
    rlim_t per_task = cmd.batch.verify || cmd.deploy.verify_only || cmd.deploy.dry_run ? 2 : 8;
    // Refused here, one line and exit 2, rather than an internal error from a signal pipe or every
    // task failed "Too many open files" as if the endpoints were down.
    if (limit < minimum_fds + per_task)
        return setup_error("the open-file limit is " + std::to_string(limit) + " (ulimit -n); a batch needs at least " +
                           std::to_string(minimum_fds + per_task));
    rlim_t room = limit > reserved_fds + per_task ? (limit - reserved_fds) / per_task : 1;
    if (concurrency > room) {
        write_fd(2, "r1: note: concurrency lowered from " + std::to_string(concurrency) + " to " + std::to_string(room) +
                        ": the open-file limit is " + std::to_string(limit) + " (ulimit -n)\n");
        concurrency = static_cast<unsigned>(room);
    }

    // Chromium is looked for once, before anything runs, when any task will use it.
    std::optional<proc::browser::chromium_checker> browser;
    if (!cmd.deploy.dry_run && std::any_of(batch.tasks.begin(), batch.tasks.end(), [](const auto& t) { return t.cfg.browser; })) {
        auto chromium = proc::browser::find_chromium(cmd.chromium, proc::search_path());
        if (!chromium) return setup_error(proc::browser::chromium_missing_message(cmd.chromium));
        browser.emplace(proc::browser::chromium_options{*chromium, cmd.browser_concurrency, {}});
    }

    net::beast_client http{*tls};
    batch_run run{cmd, std::move(batch), http, browser ? &*browser : nullptr, log_dir ? &*log_dir : nullptr};
    return run.run(concurrency);
}

}  // namespace r1::cli
