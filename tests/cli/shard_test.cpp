// Which shard holds which task: the hash, its balance and stability, the --shard parser; and the
// rollout plan (canaries, waves). Pure functions, no process.
#include "cli/rollout.hpp"
#include "cli/shard.hpp"

#include <catch2/catch.hpp>

#include <string>
#include <vector>

using r1::cli::parse_shard;
using r1::cli::parse_waves;
using r1::cli::plan_rollout;
using r1::cli::shard_of;
using r1::cli::shard_spec;
using r1::cli::wave_step;

TEST_CASE("shard: the digest is SHA-256 and the key its first 8 bytes, big-endian", "[cli][shard]") {
    // FIPS 180-2, appendix B.1 ("abc"), and the digest of the empty message.
    CHECK(r1::cli::sha256_hex("abc") == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
    CHECK(r1::cli::sha256_hex("") == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
    CHECK(r1::cli::shard_key("abc") == 0xba7816bf8f01cfeaULL);
}

TEST_CASE("shard: every task lands on one shard in range, the same one every time", "[cli][shard]") {
    for (std::size_t n : {1u, 2u, 3u, 8u, 100u, 100'000u})
        for (int i = 0; i < 200; ++i) {
            auto name = "app-" + std::to_string(i);
            auto s = shard_of(name, n);
            CHECK(s < n);
            CHECK(shard_of(name, n) == s);
        }
    CHECK(shard_of("anything", 1) == 0);
}

TEST_CASE("shard: 10,000 apps spread evenly over 8 shards", "[cli][shard]") {
    std::vector<int> per(8, 0);
    for (int i = 0; i < 10'000; ++i) ++per[shard_of("app-" + std::to_string(i), 8)];
    for (int n : per) {
        CAPTURE(n);
        CHECK(n > 1125);  // 1,250 each, within 10% (about 3.8 standard deviations)
        CHECK(n < 1375);
    }
}

TEST_CASE("shard: from N to N + 1 shards about 1/(N + 1) of the apps move, each to the new shard; adding apps "
          "moves none", "[cli][shard]") {
    constexpr int apps = 10'000;
    for (std::size_t n : {1u, 3u, 8u}) {
        int moved = 0;
        for (int i = 0; i < apps; ++i) {
            auto name = "svc-" + std::to_string(i);
            auto before = shard_of(name, n), after = shard_of(name, n + 1);
            if (before != after) {
                ++moved;
                CHECK(after == n);  // only to the new shard
            }
        }
        double expected = static_cast<double>(apps) / static_cast<double>(n + 1);
        CAPTURE(n, moved, expected);
        CHECK(moved > expected * 0.85);
        CHECK(moved < expected * 1.15);
    }
}

TEST_CASE("shard: --shard I/N and auto/N, each mistake refused in one line", "[cli][shard]") {
    auto ok = [](std::string_view text, const char* env = nullptr) {
        auto r = parse_shard(text, env);
        REQUIRE(std::holds_alternative<shard_spec>(r));
        auto s = std::get<shard_spec>(r);
        return std::pair{s.index, s.total};
    };
    auto bad = [](std::string_view text, const char* env = nullptr) {
        auto r = parse_shard(text, env);
        REQUIRE(std::holds_alternative<std::string>(r));
        auto why = std::get<std::string>(r);
        CHECK(why.find('\n') == std::string::npos);
        return why;
    };
    CHECK(ok("0/1") == std::pair<std::size_t, std::size_t>{0, 1});
    CHECK(ok("2/3") == std::pair<std::size_t, std::size_t>{2, 3});
    CHECK(ok("99999/100000") == std::pair<std::size_t, std::size_t>{99999, 100000});
    CHECK(ok("auto/3", "1") == std::pair<std::size_t, std::size_t>{1, 3});
    CHECK(bad("3/3").find("the index runs from 0 to 2 (0-based") != std::string::npos);
    CHECK(bad("1/0").find("use I/N") != std::string::npos);
    CHECK(bad("0/100001").find("use I/N") != std::string::npos);
    CHECK(bad("-1/3").find("use I/N") != std::string::npos);
    CHECK(bad("1").find("use I/N") != std::string::npos);
    CHECK(bad("a/b").find("use I/N") != std::string::npos);
    CHECK(bad("1/3/4").find("use I/N") != std::string::npos);
    CHECK(bad("auto/3").find("JOB_COMPLETION_INDEX is not set") != std::string::npos);
    CHECK(bad("auto/3", "3").find("JOB_COMPLETION_INDEX 3 is out of range 0 to 2") != std::string::npos);
    CHECK(bad("auto/3", "").find("is not a whole number") != std::string::npos);
    CHECK(bad("auto/3", "1x").find("is not a whole number") != std::string::npos);
    CHECK(bad("auto/3", "\x1b[31m").find("\x1b") == std::string::npos);  // shown escaped
}

TEST_CASE("rollout: --waves steps, each mistake refused", "[cli][rollout]") {
    auto steps = std::get<std::vector<wave_step>>(parse_waves("1,10%,100%"));
    REQUIRE(steps.size() == 3);
    CHECK((steps[0].value == 1 && !steps[0].percent));
    CHECK((steps[1].value == 10 && steps[1].percent));
    CHECK((steps[2].value == 100 && steps[2].percent));
    for (auto text : {"", "0", "101%", "0%", "1,,2", "1,", "x", "10 %", "1.5", "-1", "100001", "1%%"}) {
        CAPTURE(text);
        CHECK(std::holds_alternative<std::string>(parse_waves(text)));
    }
}

TEST_CASE("rollout: canaries first, then cumulative waves in file order", "[cli][rollout]") {
    auto waves = [](std::string_view text) { return std::get<std::vector<wave_step>>(parse_waves(text)); };
    SECTION("1,10%,100% of 20 apps: 1, then up to 2, then the rest") {
        auto plan = plan_rollout(std::vector<bool>(20, false), 0, waves("1,10%,100%"));
        CHECK(plan.wave_ends == std::vector<std::size_t>{1, 2, 20});
        CHECK(plan.canaries == 0);
        for (std::size_t i = 0; i < 20; ++i) CHECK(plan.order[i] == i);
    }
    SECTION("marked canaries go first, in file order; --canary N tops them up with the first others") {
        std::vector<bool> marked(6, false);
        marked[3] = marked[5] = true;
        auto plan = plan_rollout(marked, 3, {});
        CHECK(plan.canaries == 3);
        CHECK(plan.order == std::vector<std::size_t>{0, 3, 5, 1, 2, 4});
        CHECK(plan.wave_ends == std::vector<std::size_t>{3, 6});
        auto marks_only = plan_rollout(marked, 0, {});
        CHECK(marks_only.order == std::vector<std::size_t>{3, 5, 0, 1, 2, 4});
        CHECK(marks_only.wave_ends == std::vector<std::size_t>{2, 6});
    }
    SECTION("waves count the apps after the canaries; steps that add nothing are dropped; the rest is a last wave") {
        auto plan = plan_rollout(std::vector<bool>(11, false), 1, waves("1,1,10%,50%"));
        // 10 apps after the canary: 1, 1 (dropped), 1 (10% of 10, dropped), 5, then the rest.
        CHECK(plan.wave_ends == std::vector<std::size_t>{1, 2, 6, 11});
    }
    SECTION("a percentage rounds up, so no wave is empty") {
        auto plan = plan_rollout(std::vector<bool>(3, false), 0, waves("10%,100%"));
        CHECK(plan.wave_ends == std::vector<std::size_t>{1, 3});
    }
    SECTION("every app a canary, or one app: one wave") {
        CHECK(plan_rollout(std::vector<bool>(2, true), 0, {}).wave_ends == std::vector<std::size_t>{2});
        CHECK(plan_rollout(std::vector<bool>(1, false), 5, waves("1,100%")).wave_ends == std::vector<std::size_t>{1});
    }
}
