#include "providers/criteria.hpp"

#include "engine/classify/classify.hpp"
#include "engine/classify/classify_error.hpp"
#include "engine/text/duration.hpp"
#include "engine/text/text.hpp"

#include <cstdlib>
#include <filesystem>

namespace r1::providers {
namespace {

namespace asio = boost::asio;
using engine::criterion_result;
using engine::failure_class;

engine::criterion_result pass(std::string_view id, std::string detail) {
    return {std::string(id), true, std::move(detail), {}};
}

bool is_hex_sha(std::string_view s) {
    return s.size() >= 7 && s.size() <= 64 &&
           s.find_first_not_of("0123456789abcdef") == std::string_view::npos;
}

/// False only when git would certainly say "not a git repository": no .git in `dir` or any parent,
/// and no GIT_DIR / GIT_WORK_TREE pointing elsewhere. Saves two git processes per deploy from a
/// plain directory, which a fleet of a thousand apps feels.
bool may_be_git_work_tree(const std::string& dir) {
    if (std::getenv("GIT_DIR") || std::getenv("GIT_WORK_TREE")) return true;
    std::error_code ec;
    auto path = std::filesystem::absolute(dir, ec);
    if (ec) return true;
    for (auto p = path.lexically_normal(); !p.empty(); p = p.parent_path()) {
        if (std::filesystem::exists(p / ".git", ec) || ec) return true;
        if (p == p.parent_path()) break;
    }
    return false;
}

}  // namespace

asio::awaitable<engine::health_report> health_criterion::check(std::string url) {
    auto cfg = cfg_;
    cfg.url = std::move(url);
    cfg.deadline = clock_.now() + timeout_;
    co_return co_await engine::check_health(http_, std::move(cfg));
}

asio::awaitable<engine::health_report> health_criterion::cascade(engine::health_report root) {
    // The app's origin: the root URL up to its path ("https://web.fly.dev").
    auto scheme_end = cfg_.url.find("://");
    auto origin = cfg_.url.substr(0, cfg_.url.find('/', scheme_end == std::string::npos ? 0 : scheme_end + 3));
    auto root_said = "/ answered " + std::to_string(root.status);
    for (const auto& group : cascade_paths) {
        engine::health_report last;
        bool absent = false;
        std::string label;
        for (auto path : group) {
            if (path.empty()) continue;
            label += (label.empty() ? "" : "+") + std::string(path);
            last = co_await check(origin + std::string(path));
            if (last.healthy()) continue;
            // A 4xx: no such endpoint here, the next one may be. Anything else is the app's word.
            if (last.status >= 400 && last.status < 500) absent = true;
            break;
        }
        if (absent) continue;
        last.line += " at " + label + " (" + root_said + ")";
        co_return last;
    }
    root.line += " at /; none of /healthz, /health, /livez+/readyz, /_health answered either";
    co_return root;
}

asio::awaitable<criterion_result> health_criterion::evaluate() {
    if (dry_run_) co_return pass(id(), "skipped in dry-run");
    auto began = clock_.now();
    auto report = co_await check(cfg_.url);
    // The root of an app that is no web page (an API: 404, 401) says nothing of its health; its
    // health paths do. A 5xx, a 429 or no answer at all is the root's own verdict.
    if (rules_.cascade && !report.healthy() && report.status >= 400 && report.status < 500 && report.status != 429)
        report = co_await cascade(std::move(report));
    engine::verdict slow{};
    if (report.healthy() && rules_.ttfb_sla.count() > 0 && report.ttfb > rules_.ttfb_sla) {
        auto took = std::chrono::duration_cast<std::chrono::milliseconds>(report.ttfb);
        report.ec = make_error_code(error::unhealthy);
        report.line += "; too slow: headers after " + engine::format_duration(std::max(took, std::chrono::milliseconds(1))) +
                       ", over --ttfb-sla " + engine::format_duration(rules_.ttfb_sla);
        report.cause_code = "too-slow";
        slow = {failure_class::transient, "slow"};  // a cold start may warm up: re-checked like a 503
    }
    checked_for_ = std::max(checked_for_, std::chrono::milliseconds(0)) +
                   std::chrono::duration_cast<std::chrono::milliseconds>(clock_.now() - began);
    last_line_ = report.line;
    verified_spki_ = report.verified_spki;
    last_status_ = report.status;
    last_cause_ = report.cause_code;
    last_final_url_ = report.final_url;
    if (report.status != 0) last_phases_ = report.probe.times;
    else last_phases_.reset();
    if (report.healthy()) co_return pass(id(), report.line);

    // Structured causes first: a transport error code (reset, refused, DNS, TLS verification) says
    // exactly what happened; the line decides for an HTTP status, then r1's own code.
    auto why = slow;
    if (why.cls == failure_class::unknown && report.cause) why = engine::classify(report.cause);
    if (why.cls == failure_class::unknown) why = engine::classify(report.line);
    if (why.cls == failure_class::unknown) why = engine::classify(report.ec);
    engine::failure fault{report.ec, report.line, why};
    if (report.retry_after_seconds) fault.retry_after = std::chrono::seconds(*report.retry_after_seconds);
    fault.source = engine::failure_source::health;
    fault.http_status = report.status;
    co_return criterion_result{std::string(id()), false, report.line, std::move(fault)};
}

void release_criterion::begin(deploy_outcome reported, preflight_result before) {
    reported_ = std::move(reported);
    before_ = std::move(before);
    proven_.reset();
}

asio::awaitable<criterion_result> release_criterion::evaluate() {
    if (dry_run_) co_return pass(id(), "skipped in dry-run");
    if (proven_) co_return *proven_;
    release_proof_request req{.cfg = cfg_, .reported = reported_, .before = before_,
                              .deadline = ctx_.clock.now() + timeout_};
    auto proof = co_await provider_.prove_release(ctx_, std::move(req));
    release_ = proof.release;
    if (!proof.checked || !proof.ec) {
        auto r = pass(id(), proof.detail);
        if (proof.checked) proven_ = r;
        co_return r;
    }
    engine::failure fault{proof.ec, proof.detail, {failure_class::transient, "release-not-live"}};
    if (proof.ec == error::interrupted) fault.why = {failure_class::permanent, "interrupted"};
    // It polled until its deadline already: a re-check would only wait the same again.
    fault.recheck_may_help = false;
    fault.source = engine::failure_source::release;
    co_return criterion_result{std::string(id()), false, proof.detail, std::move(fault)};
}

asio::awaitable<std::optional<std::string>> commit_criterion::head() {
    if (git_.empty()) {
        note_ = "git not found; commit not checked";
        co_return std::nullopt;
    }
    if (!may_be_git_work_tree(dir_)) {
        note_ = "not a git repository";
        co_return std::nullopt;
    }
    proc::run_request req;
    req.argv = {git_, "rev-parse", "HEAD"};
    req.cwd = dir_;
    req.deadline = clock_.now() + std::chrono::seconds(10);
    req.tail_bytes = 4096;
    req.pass_secrets = false;  // git reads HEAD: it needs no token, so it gets none
    auto ran = co_await runner_.run(std::move(req));
    if (!ran) {
        note_ = "git could not run: " + ran.error().message();
        co_return std::nullopt;
    }
    if (!ran->succeeded()) {
        auto err = engine::printable(ran->err_tail, true);
        note_ = err.find("not a git repository") != std::string::npos
                    ? "not a git repository"
                    : "git rev-parse HEAD failed: " + engine::tail_chars(err, 200);
        co_return std::nullopt;
    }
    auto sha = ran->out_tail.substr(0, ran->out_tail.find_first_of("\r\n"));
    if (!is_hex_sha(sha)) {
        note_ = "git rev-parse HEAD printed no commit";
        co_return std::nullopt;
    }
    co_return sha;
}

asio::awaitable<void> commit_criterion::capture() {
    if (!dry_run_) captured_ = co_await head();
}

asio::awaitable<criterion_result> commit_criterion::evaluate() {
    if (dry_run_) co_return pass(id(), "skipped in dry-run");
    if (!captured_) co_return pass(id(), note_);
    auto now = co_await head();
    if (!now) co_return pass(id(), note_);
    const auto& a = *captured_;
    const auto& b = *now;
    if (a.starts_with(b) || b.starts_with(a)) co_return pass(id(), "HEAD " + b.substr(0, 12) + " as deployed");
    std::string detail = "HEAD moved during the deploy: deployed " + a.substr(0, 12) + ", now " + b.substr(0, 12);
    // Only a redeploy can change what runs; a re-check would see the same thing.
    engine::failure fault{make_error_code(error::unhealthy), detail, {failure_class::transient, "commit-mismatch"}};
    fault.recheck_may_help = false;
    fault.source = engine::failure_source::source_tree;
    co_return criterion_result{std::string(id()), false, detail, std::move(fault)};
}

}  // namespace r1::providers
