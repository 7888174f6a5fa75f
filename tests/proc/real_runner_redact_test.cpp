#include "proc/real_runner.hpp"

#include "tests/support/run.hpp"

#include <catch2/catch.hpp>

namespace {

using namespace std::chrono_literals;

const std::string secret = "hunter2-correct-horse";

}  // namespace

TEST_CASE("real_runner: scrubs each stream before the tail and the callback, also a secret split across writes",
          "[proc][runner][redact]") {
    r1::engine::redactor redact{{secret}};
    r1::proc::real_runner runner{redact};
    r1::proc::run_request req;
    // Two writes 100 ms apart: the pipe delivers the halves in separate reads.
    req.argv = {R1_FAKE_CLI, "err", "login with hunter2-cor", "sleep", "100", "err", "rect-horse failed\n",
                "out", "Authorization: Bearer fo1_Abc-def_GHI0123456789jklmnop\n", "exit", "1"};
    req.deadline = std::chrono::steady_clock::now() + 30s;
    std::string seen_out, seen_err;
    std::size_t err_chunks = 0;
    req.on_output = [&](r1::proc::stream s, std::string_view chunk) {
        if (s == r1::proc::stream::err) ++err_chunks;
        (s == r1::proc::stream::out ? seen_out : seen_err) += chunk;
    };
    auto r = r1::test::run(runner.run(std::move(req)));
    REQUIRE(r.has_value());
    CHECK(r->exit_code == 1);
    CHECK(seen_err == "login with [redacted] failed\n");
    CHECK(err_chunks >= 2);  // "login with " went on at once; only the possible secret waited
    CHECK(r->err_tail == seen_err);
    CHECK(seen_out == "Authorization: Bearer [redacted]\n");
    CHECK(r->out_tail == seen_out);
    CHECK(r->err_bytes == std::string("login with hunter2-correct-horse failed\n").size());  // raw bytes counted
}
