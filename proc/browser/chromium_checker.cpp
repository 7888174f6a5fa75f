#include "proc/browser/chromium_checker.hpp"

#include "engine/error.hpp"
#include "engine/safe_file.hpp"
#include "engine/text/text.hpp"
#include "proc/browser/browser.hpp"
#include "proc/browser/page_check.hpp"
#include "proc/find_executable.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/execution/context.hpp>
#include <boost/asio/execution_context.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/query.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>

#include <algorithm>
#include <deque>
#include <fstream>
#include <list>
#include <map>
#include <mutex>
#include <set>

#include <cstdio>

namespace r1::proc::browser {

namespace asio = boost::asio;
namespace sys = boost::system;
using sclock = std::chrono::steady_clock;

namespace {

constexpr std::chrono::seconds launch_timeout{30};  // a cold start takes about a second here
constexpr std::size_t max_trusted = 64;  // leaf keys a browser keeps trusting across restarts

bool is_cancelled(const asio::cancellation_state& cs) { return cs.cancelled() != asio::cancellation_type::none; }

bool includes(const std::set<std::string>& have, const std::set<std::string>& need) {
    return std::includes(have.begin(), have.end(), need.begin(), need.end());
}

/// One event loop's browser and the checks using it. Touched only from that loop's thread.
class pool {
public:
    pool(asio::any_io_executor ex, std::string chromium, std::string temp_dir)
        : ex_(std::move(ex)), chromium_(std::move(chromium)), temp_dir_(std::move(temp_dir)) {}

    /// A live browser trusting at least `need`; one is started (trusting `want` too) when there is
    /// none, it died, or it lacks `need` (then after the checks in it have finished).
    asio::awaitable<sys::result<std::shared_ptr<browser>, std::string>> acquire(std::set<std::string> need,
                                                                               std::set<std::string> want,
                                                                               sclock::time_point deadline) {
        auto cs = co_await asio::this_coro::cancellation_state;
        want.insert(need.begin(), need.end());
        registration reg{*this, need, want};
        for (;;) {
            if (is_cancelled(cs)) co_return std::string("interrupted");
            bool usable = current_ && current_->alive();
            if (usable && !launching_ && !restart_wanted()) {
                ++in_flight_;
                co_return current_;
            }
            if (!launching_ && in_flight_ == 0 && (!usable || restart_wanted())) {
                launching_ = true;
                std::set<std::string> trust;
                for (const auto& [k, n] : wanted_) trust.insert(k);
                if (usable)
                    for (const auto& k : current_->trusted_spki())
                        if (trust.size() < max_trusted) trust.insert(k);
                if (current_) current_->kill(usable ? "restarted to trust another certificate" : current_->death_cause());
                current_.reset();
                launch_options opts{chromium_, std::move(trust), std::min(deadline, sclock::now() + launch_timeout),
                                    temp_dir_};
                auto b = co_await browser::launch(std::move(opts));
                launching_ = false;
                notify();
                if (!b) co_return b.error();
                current_ = std::move(*b);
                continue;
            }
            asio::steady_timer timer{ex_, deadline};
            waiters_.push_back(&timer);
            co_await timer.async_wait(asio::as_tuple(asio::use_awaitable));
            waiters_.remove(&timer);
            if (sclock::now() >= deadline) co_return std::string("no browser became free in time");
        }
    }

    void release() {
        if (in_flight_ > 0) --in_flight_;
        if (in_flight_ == 0) notify();
    }

    void shutdown() {
        if (current_) current_->kill();
        current_.reset();
        notify();
    }

private:
    /// A waiting check's certificates, counted while it waits, so a restart trusts every waiter's.
    struct registration {
        registration(pool& p, const std::set<std::string>& need, const std::set<std::string>& want)
            : p_(p), need_(need), want_(want) {
            for (const auto& k : need_) ++p_.needed_[k];
            for (const auto& k : want_) ++p_.wanted_[k];
        }
        ~registration() {
            for (const auto& k : need_)
                if (--p_.needed_[k] == 0) p_.needed_.erase(k);
            for (const auto& k : want_)
                if (--p_.wanted_[k] == 0) p_.wanted_.erase(k);
        }
        pool& p_;
        std::set<std::string> need_;
        std::set<std::string> want_;
    };

    bool restart_wanted() const {
        if (!current_ || !current_->alive()) return true;
        for (const auto& [k, n] : needed_)
            if (!current_->trusted_spki().contains(k)) return true;
        return false;
    }

    void notify() {
        for (auto* t : waiters_) t->cancel();
    }

    asio::any_io_executor ex_;
    std::string chromium_;
    std::string temp_dir_;
    std::shared_ptr<browser> current_;
    unsigned in_flight_ = 0;
    bool launching_ = false;
    std::list<asio::steady_timer*> waiters_;
    std::map<std::string, int> needed_;
    std::map<std::string, int> wanted_;
};

/// One pool per (event loop, checker), kept by the loop itself: when the io_context goes, so do its
/// browsers (shutdown() runs before the reactor's, while the pipes can still be closed).
class pool_service : public asio::execution_context::service {
public:
    static inline asio::execution_context::id id;
    explicit pool_service(asio::execution_context& ctx) : asio::execution_context::service(ctx) {}

    std::shared_ptr<pool>& slot(const void* owner) { return pools_[owner]; }
    void drop(const void* owner) { pools_.erase(owner); }

private:
    void shutdown() override {
        for (auto& [owner, p] : pools_)
            if (p) p->shutdown();
        pools_.clear();
    }
    std::map<const void*, std::shared_ptr<pool>> pools_;
};

pool_service& service_of(const asio::any_io_executor& ex) {
    return asio::use_service<pool_service>(asio::query(ex, asio::execution::context));
}

/// A browser slot, over every loop: a counting semaphore whose waiters sleep on their own loop.
struct gate_waiter {
    explicit gate_waiter(asio::any_io_executor ex) : timer(std::move(ex), sclock::time_point::max()) {}
    asio::steady_timer timer;
    bool granted = false;  // guarded by the gate's mutex
};

page_report unavailable(std::string line) {
    page_report r;
    r.ec = make_error_code(error::unavailable);
    r.line = "browser check: " + std::move(line);
    return r;
}

page_report interrupted() {
    page_report r;
    r.ec = make_error_code(error::interrupted);
    r.line = "browser check: interrupted";
    return r;
}

}  // namespace

struct chromium_checker::shared {
    chromium_options opts;
    std::mutex mutex;
    unsigned free = 0;
    std::deque<std::shared_ptr<gate_waiter>> waiters;

    asio::awaitable<bool> enter() {
        auto ex = co_await asio::this_coro::executor;
        auto cs = co_await asio::this_coro::cancellation_state;
        std::shared_ptr<gate_waiter> w;
        {
            std::lock_guard lock{mutex};
            if (free > 0 && waiters.empty()) {
                --free;
                co_return true;
            }
            w = std::make_shared<gate_waiter>(ex);
            waiters.push_back(w);
        }
        for (;;) {
            co_await w->timer.async_wait(asio::as_tuple(asio::use_awaitable));
            std::lock_guard lock{mutex};
            if (w->granted) {
                if (!is_cancelled(cs)) co_return true;
                leave_locked();  // granted as we were interrupted: pass the slot on
                co_return false;
            }
            if (is_cancelled(cs)) {
                std::erase(waiters, w);
                co_return false;
            }
        }
    }

    void leave() {
        std::lock_guard lock{mutex};
        leave_locked();
    }

    void leave_locked() {
        if (waiters.empty()) {
            ++free;
            return;
        }
        auto w = waiters.front();
        waiters.pop_front();
        w->granted = true;
        asio::post(w->timer.get_executor(), [w] { w->timer.cancel(); });
    }
};

std::optional<std::string> find_chromium(std::string_view explicit_path, std::string_view path_env) {
    if (!explicit_path.empty()) return find_executable(explicit_path, path_env);
    for (std::string_view name : {"chromium", "chromium-browser"})
        if (auto found = find_executable(name, path_env)) return found;
    return std::nullopt;
}

std::string chromium_missing_message(std::string_view explicit_path) {
    if (!explicit_path.empty())
        return "--chromium " + engine::quoted(explicit_path) + " is not an executable file";
    return "--browser needs Chromium: install it (apt-get install chromium) or pass --chromium PATH";
}

chromium_checker::chromium_checker(chromium_options opts) : shared_(std::make_shared<shared>()) {
    shared_->free = std::max(1u, opts.concurrency);
    shared_->opts = std::move(opts);
}

chromium_checker::~chromium_checker() = default;

asio::awaitable<void> chromium_checker::close() {
    auto ex = co_await asio::this_coro::executor;
    auto& svc = service_of(ex);
    if (auto& p = svc.slot(shared_.get())) p->shutdown();
    svc.drop(shared_.get());
}

asio::awaitable<page_report> chromium_checker::check(check_request req) {
    co_await asio::this_coro::reset_cancellation_state(asio::enable_total_cancellation());
    co_await asio::this_coro::throw_if_cancelled(false);
    auto cs = co_await asio::this_coro::cancellation_state;
    auto ex = co_await asio::this_coro::executor;
    auto keep = shared_;  // the gate outlives this check even if the checker goes first

    if (!co_await keep->enter()) co_return interrupted();
    struct slot_guard {
        std::shared_ptr<shared> s;
        ~slot_guard() { s->leave(); }
    } slot{keep};

    auto start = sclock::now();
    auto deadline = start + req.timeout;
    auto& p = service_of(ex).slot(keep.get());
    if (!p) p = std::make_shared<pool>(ex, keep->opts.chromium, keep->opts.temp_dir);
    auto the_pool = p;  // the map may rehash while we wait

    const std::set<std::string> verified(req.trusted_spki.begin(), req.trusted_spki.end());
    std::set<std::string> need;
    unsigned restarts = 0;
    bool trust_retry = false;
    page_report report;
    for (;;) {
        auto b = co_await the_pool->acquire(need, verified, deadline);
        if (!b) {
            if (is_cancelled(cs)) co_return interrupted();
            if (b.error() == "no browser became free in time") {
                report = judge_page({}, req.rules, false, req.timeout);
                break;
            }
            report = unavailable(b.error());
            break;
        }
        auto browser_used = *b;
        page_check_request page{req.url, deadline, !req.screenshot_path.empty()};
        auto r = co_await run_page_check(browser_used, std::move(page));
        the_pool->release();
        if (r.interrupted || is_cancelled(cs)) co_return interrupted();
        if (r.browser_died) {
            if (restarts == 0) {
                ++restarts;
                continue;
            }
            report = unavailable("chromium crashed twice: " + browser_used->death_cause());
            break;
        }
        if (!r.failure.empty()) {
            report = unavailable(r.failure);
            break;
        }
        // Chromium refused the certificate r1 verified: run once more in a browser told to accept it.
        if (r.findings.navigation_error.starts_with("net::ERR_CERT_") && !trust_retry && !verified.empty() &&
            !includes(browser_used->trusted_spki(), verified)) {
            trust_retry = true;
            need = verified;
            continue;
        }
        report = judge_page(std::move(r.findings), req.rules, r.in_time, req.timeout);
        if (!r.png.empty()) {
            // As reports and logs are written: never through a planted link, 0600, bytes unscrubbed.
            auto why = engine::write_output_file(req.screenshot_path, r.png, false);
            if (why.empty())
                report.findings.screenshot = req.screenshot_path;
            else
                report.causes.push_back("screenshot not written: " + why);
        }
        break;
    }
    report.browser_restarts = restarts;
    report.duration = std::chrono::duration_cast<std::chrono::milliseconds>(sclock::now() - start);
    co_return report;
}

}  // namespace r1::proc::browser
