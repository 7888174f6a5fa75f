#include "cli/signals.hpp"

#include <boost/asio/io_context.hpp>
#include <boost/asio/signal_set.hpp>

#include <csignal>

namespace r1::cli {

struct signal_watch::impl {
    impl(boost::asio::io_context& ctx, std::function<void(int)> on) : signals(ctx, SIGINT, SIGTERM), on_signal(std::move(on)) {}

    void wait() {
        signals.async_wait([this](const boost::system::error_code& ec, int sig) {
            if (ec) return;  // stopped
            on_signal(sig);
            wait();
        });
    }

    boost::asio::signal_set signals;
    std::function<void(int)> on_signal;
};

signal_watch::signal_watch(boost::asio::io_context& ctx, std::function<void(int)> on_signal)
    : impl_(std::make_unique<impl>(ctx, std::move(on_signal))) {
    impl_->wait();
}

signal_watch::~signal_watch() = default;

void signal_watch::stop() { impl_->signals.cancel(); }

}  // namespace r1::cli
