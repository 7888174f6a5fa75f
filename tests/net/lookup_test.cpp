#include "net/lookup.hpp"

#include <boost/asio/bind_cancellation_slot.hpp>
#include <boost/asio/cancellation_signal.hpp>
#include <boost/asio/io_context.hpp>
#include <catch2/catch.hpp>

#include <optional>

namespace asio = boost::asio;
using r1::net::endpoint_list;

TEST_CASE("lookup: resolves localhost to a loopback address with the port", "[net][lookup]") {
    asio::io_context ctx;
    std::optional<std::pair<boost::system::error_code, endpoint_list>> out;
    r1::net::async_lookup(ctx.get_executor(), "localhost", 8080,
                          [&](boost::system::error_code ec, endpoint_list eps) { out.emplace(ec, std::move(eps)); });
    ctx.run();
    REQUIRE(out.has_value());
    REQUIRE_FALSE(out->first);
    REQUIRE_FALSE(out->second.empty());
    for (const auto& ep : out->second) {
        CHECK(ep.address().is_loopback());
        CHECK(ep.port() == 8080);
    }
}

TEST_CASE("lookup: an answer found at once (/etc/hosts) is still delivered after the call returns, exactly once",
          "[net][lookup][cancel]") {
    asio::io_context ctx;
    asio::cancellation_signal signal;
    int calls = 0;
    std::optional<boost::system::error_code> out;
    r1::net::async_lookup(ctx.get_executor(), "localhost", 80,
                          asio::bind_cancellation_slot(signal.slot(), [&](boost::system::error_code ec, endpoint_list) {
                              ++calls;
                              out = ec;
                          }));
    CHECK(calls == 0);  // c-ares answered inside the call; the handler waits for the loop
    signal.emit(asio::cancellation_type::total);  // too late to change the answer, and harmless
    ctx.run();
    CHECK(calls == 1);
    REQUIRE(out.has_value());
    CHECK_FALSE(*out);
}

// Cancellation of a lookup still waiting for DNS, timeouts and /etc/hosts against a loopback DNS
// server: tests/cli/dns_test.cpp (r1 in a private mount namespace with its own resolv.conf).
