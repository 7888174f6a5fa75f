#include "proc/output_tail.hpp"

#include <catch2/catch.hpp>

using r1::proc::output_tail;

TEST_CASE("output_tail: keeps the last bytes across many appends", "[proc][tail]") {
    output_tail tail{5};
    SECTION("short input is kept whole") {
        tail.append("abc");
        CHECK(tail.str() == "abc");
    }
    SECTION("small appends keep the end") {
        for (char c = 'a'; c <= 'z'; ++c) tail.append(std::string(1, c));
        CHECK(tail.str() == "vwxyz");
    }
    SECTION("one large append keeps the end") {
        tail.append("0123456789");
        CHECK(tail.str() == "56789");
    }
}
