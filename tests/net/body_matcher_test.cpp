#include "net/body_matcher.hpp"

#include <catch2/catch.hpp>

#include <random>
#include <string>

using r1::net::body_matcher;

TEST_CASE("body_matcher: finds the needle in one chunk and counts every byte", "[net][body_matcher]") {
    body_matcher m{"OK"};
    CHECK_FALSE(m.feed("status: "));
    CHECK(m.feed("OK, fine"));
    CHECK(m.feed("more"));  // stays found; later bytes are still counted
    CHECK(m.found());
    CHECK(m.bytes_seen() == 20);
}

TEST_CASE("body_matcher: finds the needle split at every possible chunk boundary", "[net][body_matcher][chunks]") {
    const std::string body = "xxxxNEEDLE-XYZyyyy";
    for (std::size_t a = 0; a <= body.size(); ++a) {
        for (std::size_t b = a; b <= body.size(); ++b) {
            body_matcher m{"NEEDLE-XYZ"};
            m.feed(std::string_view(body).substr(0, a));
            m.feed(std::string_view(body).substr(a, b - a));
            m.feed(std::string_view(body).substr(b));
            CHECK(m.found());
        }
    }
}

TEST_CASE("body_matcher: handles needles that overlap themselves", "[net][body_matcher][overlap]") {
    auto found_bytewise = [](std::string needle, std::string body) {
        body_matcher m{std::move(needle)};
        for (char c : body) m.feed(std::string_view(&c, 1));
        return m.found();
    };
    CHECK(found_bytewise("aab", "aaab"));
    CHECK(found_bytewise("abab", "abaabab"));
    CHECK(found_bytewise("aaaa", "aaabaaaa"));
    CHECK_FALSE(found_bytewise("aaaa", "aaabaaa"));
    CHECK_FALSE(found_bytewise("abc", "ababab"));
}

TEST_CASE("body_matcher: an empty needle is found before any byte", "[net][body_matcher][empty]") {
    body_matcher m{""};
    CHECK(m.found());
    CHECK(m.feed(""));
    CHECK(m.bytes_seen() == 0);
}

TEST_CASE("body_matcher: agrees with std::string::find on random bodies and random chunking",
          "[net][body_matcher][random]") {
    std::mt19937 rng{20240611};
    auto pick = [&](std::size_t lo, std::size_t hi) { return std::uniform_int_distribution<std::size_t>{lo, hi}(rng); };
    for (int round = 0; round < 2000; ++round) {
        // A two-letter alphabet makes partial matches, the case that breaks naive carry-over, common.
        std::string needle, body;
        for (std::size_t i = pick(1, 6); i > 0; --i) needle += static_cast<char>('a' + pick(0, 1));
        for (std::size_t i = pick(0, 40); i > 0; --i) body += static_cast<char>('a' + pick(0, 1));
        body_matcher m{needle};
        for (std::size_t at = 0; at < body.size();) {
            auto n = pick(0, body.size() - at);
            m.feed(std::string_view(body).substr(at, n));
            at += n;
        }
        INFO("needle " << needle << " body " << body);
        CHECK(m.found() == (body.find(needle) != std::string::npos));
        CHECK(m.bytes_seen() == body.size());
    }
}
