#pragma once
/// Bounds the TLS handshakes in progress on one event loop. Internal to beast_client.cpp.
///
/// A client handshake in OpenSSL 3 holds a 16 KiB handshake buffer (zeroed, so resident) and its
/// key exchange state until the server's Finished arrives. When many checks wait on a busy server,
/// most of them sit in that state; handshakes beyond what the CPU can finish only add memory.
/// Checks past the limit wait here, before connecting, holding no socket and no TLS state.
#include <boost/asio/awaitable.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/system/error_code.hpp>

#include <chrono>
#include <cstddef>
#include <list>

namespace r1::net {

class handshake_gate {
public:
    explicit handshake_gate(std::size_t limit) : limit_(limit) {}
    handshake_gate(const handshake_gate&) = delete;
    handshake_gate& operator=(const handshake_gate&) = delete;

    /// Takes a slot, waiting in line for one. Fails with timed_out at `deadline` and with
    /// operation_aborted when the caller is cancelled; then no slot is held.
    boost::asio::awaitable<boost::system::error_code> enter(std::chrono::steady_clock::time_point deadline);
    /// Gives the slot back, to the longest waiter if there is one.
    void leave() noexcept;

    std::size_t in_use() const noexcept { return used_; }

private:
    struct waiter {
        boost::asio::steady_timer* timer;
        bool granted = false;
    };
    std::size_t limit_;
    std::size_t used_ = 0;
    std::list<waiter*> line_;  // each waiter lives in its waiting coroutine's frame
};

/// Holds a slot until it goes out of scope.
class handshake_slot {
public:
    explicit handshake_slot(handshake_gate* gate = nullptr) noexcept : gate_(gate) {}
    ~handshake_slot() {
        if (gate_) gate_->leave();
    }
    handshake_slot(const handshake_slot&) = delete;
    handshake_slot& operator=(const handshake_slot&) = delete;
    void release() noexcept {
        if (gate_) gate_->leave();
        gate_ = nullptr;
    }

private:
    handshake_gate* gate_;
};

}  // namespace r1::net
