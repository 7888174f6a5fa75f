#pragma once
/// What `r1 --ca-file <test CA>` builds: the system trust store plus the test run's CA.
#include "net/tls_context.hpp"
#include "tests/support/test_pki.hpp"

#include <boost/asio/ssl/context.hpp>
#include <catch2/catch.hpp>

namespace r1::test {

inline boost::asio::ssl::context trusting_tls() {
    auto tls = net::make_tls_context(pki().ca_file.string());
    REQUIRE(tls.has_value());
    return std::move(*tls);
}

}  // namespace r1::test
