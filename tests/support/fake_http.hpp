#pragma once
/// A scripted net::http_client for unit tests: every GET gets the next canned response (or 200 "OK"),
/// and the requests are recorded.
#include "net/http_client.hpp"

#include <deque>
#include <vector>

namespace r1::test {

class fake_http final : public net::http_client {
public:
    void reply(net::http_response res) { replies_.push_back(std::move(res)); }
    const std::vector<net::http_request>& requests() const noexcept { return requests_; }

    boost::asio::awaitable<boost::system::result<net::http_response>> get(net::http_request req) override {
        requests_.push_back(req);
        if (replies_.empty()) co_return net::http_response{.status = 200, .reason = "OK", .body_bytes = 2,
                                                           .substring_found = true};
        auto res = std::move(replies_.front());
        replies_.pop_front();
        co_return res;
    }

private:
    std::deque<net::http_response> replies_;
    std::vector<net::http_request> requests_;
};

}  // namespace r1::test
