#include "providers/criteria.hpp"

#include "engine/classify/classify.hpp"
#include "engine/classify/classify_error.hpp"
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

asio::awaitable<criterion_result> health_criterion::evaluate() {
    if (dry_run_) co_return pass(id(), "skipped in dry-run");
    auto cfg = cfg_;
    auto began = clock_.now();
    cfg.deadline = began + timeout_;
    auto report = co_await engine::check_health(http_, std::move(cfg));
    auto took = std::chrono::duration_cast<std::chrono::milliseconds>(clock_.now() - began);
    checked_for_ = std::max(checked_for_, std::chrono::milliseconds(0)) + took;
    last_line_ = report.line;
    verified_spki_ = report.verified_spki;
    last_status_ = report.status;
    last_cause_ = report.cause_code;
    last_final_url_ = report.final_url;
    if (report.healthy()) co_return pass(id(), report.line);

    // Structured causes first: a transport error code (reset, refused, DNS, TLS verification) says
    // exactly what happened; the line decides for an HTTP status, then r1's own code.
    auto why = report.cause ? engine::classify(report.cause) : engine::verdict{};
    if (why.cls == failure_class::unknown) why = engine::classify(report.line);
    if (why.cls == failure_class::unknown) why = engine::classify(report.ec);
    engine::failure fault{report.ec, report.line, why};
    if (report.retry_after_seconds) fault.retry_after = std::chrono::seconds(*report.retry_after_seconds);
    co_return criterion_result{std::string(id()), false, report.line, std::move(fault)};
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
    co_return criterion_result{std::string(id()), false, detail, std::move(fault)};
}

}  // namespace r1::providers
