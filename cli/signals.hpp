#pragma once
/// The one place r1 catches SIGINT and SIGTERM. Each signal is handed on as it arrives; the receiver
/// decides what it means (the first asks for a graceful stop, a later one for a hard one).
#include <functional>
#include <memory>

namespace boost::asio {
class io_context;
}

namespace r1::cli {

class signal_watch {
public:
    /// Watches on `ctx` until stop(): the event loop keeps running while it watches.
    signal_watch(boost::asio::io_context& ctx, std::function<void(int signal)> on_signal);
    ~signal_watch();
    signal_watch(const signal_watch&) = delete;
    signal_watch& operator=(const signal_watch&) = delete;

    /// No more watching (the run is over), so the loop can finish.
    void stop();

private:
    struct impl;
    std::unique_ptr<impl> impl_;
};

}  // namespace r1::cli
