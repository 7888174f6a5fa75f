#pragma once
/// The inside of `r1 verify --every` (cli/watch_command.hpp), shared by its three files: the
/// lifecycle (watch_command.cpp), rounds and results (watch_rounds.cpp), and the listener and
/// --on-change commands (watch_serve.cpp). Everything here lives on the main loop but checks,
/// which run on it too or on worker loops (see checks_per_loop).
#include "cli/args.hpp"
#include "cli/fd_write.hpp"
#include "cli/watch_events.hpp"
#include "cli/watch_metrics.hpp"
#include "engine/health_check.hpp"
#include "engine/watch_state.hpp"
#include "net/http_client.hpp"
#include "net/http_listener.hpp"
#include "proc/real_runner.hpp"
#include "providers/deploy.hpp"
#include "cli/fleet_tasks.hpp"

#include <boost/asio/cancellation_signal.hpp>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/url/url_view.hpp>

#include <chrono>
#include <csignal>
#include <deque>
#include <functional>
#include <list>
#include <map>
#include <memory>
#include <optional>
#include <random>
#include <string>
#include <sys/resource.h>
#include <thread>
#include <unordered_map>
#include <vector>

namespace r1::cli::watching {

namespace asio = boost::asio;
using sclock = std::chrono::steady_clock;
using wclock = std::chrono::system_clock;
using std::chrono::milliseconds;

constexpr std::size_t max_queued_events = 10'000;   // --on-change commands waiting; more are dropped
constexpr std::size_t max_probes_at_once = 16;      // /probe checks in flight
constexpr auto metrics_cache_for = milliseconds(500);  // scrapes within this share one rendering
constexpr rlim_t reserved_fds = 64;  // stdio, loops, the listener's connections, hooks, c-ares
/// Checks per second one event loop takes on before more loops (threads) join in. Below it the
/// checks run on the scheduling loop itself: handing each check to another thread and its result
/// back costs two cross-thread wake-ups, a measurable share of a cheap resumed check (bench/README.md).
constexpr double checks_per_loop = 300;

inline double unix_now() { return std::chrono::duration<double>(wclock::now().time_since_epoch()).count(); }

inline std::string signal_name(int sig) { return sig == SIGINT ? "SIGINT" : "SIGTERM"; }

/// One watched URL and everything r1 remembers about it between rounds. Lives on the main loop.
struct target {
    std::string url;
    std::string name;  // a manifest's app name; empty for a URL list
    std::string expected_body;
    milliseconds timeout{15000};
    bool allow_insecure_redirects = false;  // --allow-insecure-redirects, or the manifest's key

    bool running = false;  // a check is in flight: the next round skips it rather than overlap
    bool removed = false;  // dropped by a reload; a late result only counts toward its round
    std::optional<probe_sample> last;
    engine::alert_tracker alert;
    std::optional<sclock::time_point> down_since;

    // TLS resumption: the session to offer, and when the full handshake it descends from ran.
    std::shared_ptr<const net::tls_session> session;
    sclock::time_point verified_at{};
    bool force_full = true;
    std::optional<std::int64_t> cert_not_after;  // from the last full handshake
    std::optional<std::int64_t> warned_for;      // the notAfter a target.cert_expiring was sent for
};
using target_ptr = std::shared_ptr<target>;

struct timed_report {
    engine::health_report report;
    sclock::duration took{};
};

/// A check with its own duration, measured where it runs.
asio::awaitable<timed_report> timed_check(net::http_client& http, engine::health_config hc);

/// A check's result held until its round's verdict is known.
struct outcome {
    target_ptr t;
    bool ok = false;
    unsigned status = 0;
    std::string detail;
    std::string cause;
};

struct round_state {
    round_state(std::size_t n, sclock::time_point s) : tally(n), started(s) {}
    engine::round_tally tally;
    sclock::time_point started;
    std::vector<outcome> held;
    bool announced = false;  // round.inconclusive sent
};

/// An event loop on its own thread, where checks run; the main loop only schedules and counts.
struct worker {
    asio::io_context ctx{1};
    asio::executor_work_guard<asio::io_context::executor_type> guard = asio::make_work_guard(ctx);
    std::list<asio::cancellation_signal> checks;  // of the checks running here; touched on ctx only
    std::thread thread;

    worker() : thread([this] { ctx.run(); }) {}
    ~worker() {
        // Normally idle by now. After an internal error, checks may still run: stop them, so
        // their frames (and handshake slots of this thread's gate) end on this thread.
        asio::post(ctx, [this] {
            for (auto& c : checks) c.emit(asio::cancellation_type::terminal);
        });
        guard.reset();
        if (thread.joinable()) thread.join();
    }
};

class watch {
public:
    watch(const command& cmd, net::http_client& http, unsigned concurrency)
        : cmd_(cmd), http_(http), concurrency_(concurrency), sched_timer_(ctx_), hook_wake_(ctx_),
          signals_(ctx_, SIGINT, SIGTERM, SIGHUP), rng_(std::random_device{}()) {
        policy_.fail_after = cmd.watch.fail_after;
        policy_.recover_after = cmd.watch.recover_after;
        user_agent_ = health_user_agent();
    }

    /// Builds the first target set; false (problems printed) when the file is wrong.
    bool load();

    /// Opens --metrics-listen; false (one line printed) when it cannot.
    bool listen();

    int run();

private:
    static void rethrow(std::exception_ptr e) {
        if (e) std::rethrow_exception(e);
    }

    /// Targets for `tasks`, keeping the state of those already watched (same URL).
    std::vector<target_ptr> make_targets(std::vector<fleet_task>& tasks,
                                         const std::unordered_map<std::string, target_ptr>& existing);

    // ---- signals, reload, shutdown

    void wait_for_signal();

    void reload();

    void begin_shutdown(int sig);

    /// Once nothing is in flight, the signal set is the main loop's last work: cancel it.
    void maybe_finish();

    // ---- scheduling

    asio::awaitable<void> schedule();

    void adopt_pending();

    void launch(const target_ptr& t, std::uint64_t round);

    void pump();

    /// Whether the target's next check may resume its TLS session instead of verifying in full.
    bool may_resume(const target& t, sclock::time_point now) const;

    void dispatch(target_ptr t, std::uint64_t round);

    /// Runs `hc` on a worker loop; `done` runs on the main loop with the result.
    void start_check(engine::health_config hc, std::function<void(timed_report)> done);

    // ---- results

    void finished(const target_ptr& t, std::uint64_t round, timed_report r);

    /// Session bookkeeping after a check: a full handshake re-dates the verification; a failed
    /// check forgets the session, so the next check verifies in full.
    void note_tls(target& t, const engine::health_report& report, bool ok, sclock::time_point started);

    void check_certificate(target& t);

    /// Applies what the rounds' verdicts allow, oldest round first, so a target's results reach its
    /// alert tracker in the order its checks ran.
    void settle();

    void end_round(std::uint64_t round, const round_state& rs);

    void apply(const outcome& o, std::uint64_t round);

    void emit(watch_event e);

    // ---- --on-change

    asio::awaitable<void> run_hooks();

    // ---- the listener

    asio::awaitable<net::listener_response> serve(net::listener_request req);

    static net::listener_response text(unsigned status, std::string body) {
        return {status, "text/plain; charset=utf-8", std::make_shared<const std::string>(std::move(body))};
    }

    std::shared_ptr<const std::string> metrics();

    /// blackbox_exporter's /probe?target=URL[&module=http_2xx]: one check now, its probe_* metrics.
    asio::awaitable<net::listener_response> probe(boost::urls::url_view u, std::optional<double> scrape_timeout);

public:
    void set_hook_argv(std::vector<std::string> argv) { hook_argv_ = std::move(argv); }

private:
    const command& cmd_;
    net::http_client& http_;
    unsigned concurrency_;
    asio::io_context ctx_{1};
    asio::steady_timer sched_timer_;
    asio::steady_timer hook_wake_;
    asio::signal_set signals_;
    asio::cancellation_signal hook_cancel_;
    std::mt19937_64 rng_;
    engine::alert_policy policy_;
    std::string user_agent_;
    std::vector<std::unique_ptr<worker>> workers_;  // empty: checks run on ctx_
    std::list<asio::cancellation_signal> local_checks_;  // the checks running on ctx_
    std::size_t next_worker_ = 0;
    std::unique_ptr<net::http_listener> listener_;
    proc::real_runner runner_;
    std::vector<std::string> hook_argv_;

    std::vector<target_ptr> targets_;
    std::optional<std::vector<target_ptr>> pending_targets_;  // a reload, adopted at the next round
    std::optional<engine::round_plan> plan_;
    std::deque<std::pair<target_ptr, std::uint64_t>> queue_;  // due, waiting for a concurrency slot
    std::map<std::uint64_t, round_state> rounds_;             // rounds not yet ended, oldest first
    std::uint64_t rounds_ended_ = 0;
    std::size_t in_flight_ = 0;    // scheduled checks running
    std::size_t outstanding_ = 0;  // every check on a worker, /probe ones too
    std::size_t probes_running_ = 0;
    std::deque<std::string> hooks_;
    bool hook_running_ = false;
    /// The commands' own output on stderr: escape sequences neutralised on a terminal, as a provider CLI's.
    output_stream hook_output_{2};
    bool warned_full_ = false;
    bool stopping_ = false;
    int signal_ = 0;
    watch_counters counters_;
    std::shared_ptr<const std::string> metrics_cache_;
    sclock::time_point metrics_rendered_{};
};

}  // namespace r1::cli::watching
