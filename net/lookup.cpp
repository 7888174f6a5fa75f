#include "net/lookup.hpp"

#include <boost/asio/associated_cancellation_slot.hpp>
#include <boost/asio/associated_executor.hpp>
#include <boost/asio/dispatch.hpp>
#include <boost/asio/error.hpp>
#include <boost/asio/execution/outstanding_work.hpp>
#include <boost/asio/post.hpp>

#include <cerrno>
#include <cstring>
#include <memory>
#include <mutex>
#include <optional>
#include <system_error>
#include <thread>

#include <netdb.h>
#include <sys/socket.h>

namespace r1::net {
namespace {

namespace asio = boost::asio;
namespace sys = boost::system;
using handler_type = asio::any_completion_handler<lookup_signature>;

struct lookup_state {
    asio::any_io_executor ex;
    std::mutex mutex;
    // Both guarded by mutex. The handler is gone once the operation has completed or been
    // abandoned; `work` keeps the io_context running exactly as long as someone waits. Boost 1.81's
    // any_completion_handler move-assignment recurses forever, so the handler is only ever
    // move-constructed: emplaced into and taken out of an optional.
    std::optional<handler_type> handler;
    asio::any_io_executor work;
};

struct taken {
    std::optional<handler_type> handler;
    // Released only after the handler's delivery is posted or done: when outstanding work drops
    // to zero the io_context stops, and a later post would never run.
    asio::any_io_executor work;
};

// Takes the handler, if it is still there, with the outstanding work it stood for.
taken take(lookup_state& state) {
    std::lock_guard lock{state.mutex};
    taken out;
    if (state.handler) out.handler.emplace(std::move(*state.handler));
    state.handler.reset();
    out.work = std::move(state.work);
    state.work = {};
    return out;
}

void deliver(handler_type handler, const asio::any_io_executor& io, sys::error_code ec, endpoint_list eps) {
    asio::get_associated_cancellation_slot(handler).clear();
    auto ex = asio::get_associated_executor(handler, io);
    asio::dispatch(ex, [h = std::move(handler), ec, eps = std::move(eps)]() mutable { std::move(h)(ec, std::move(eps)); });
}

sys::error_code translate(int rc, int saved_errno) {
    switch (rc) {
    case EAI_AGAIN: return asio::error::host_not_found_try_again;
    case EAI_FAIL: return asio::error::no_recovery;
    case EAI_MEMORY: return asio::error::no_memory;
    case EAI_SERVICE: return asio::error::service_not_found;
    case EAI_SOCKTYPE: return asio::error::socket_type_not_supported;
    case EAI_FAMILY: return asio::error::address_family_not_supported;
    case EAI_SYSTEM: return {saved_errno, sys::system_category()};
    default: return asio::error::host_not_found;  // EAI_NONAME, EAI_NODATA, EAI_ADDRFAMILY
    }
}

std::pair<sys::error_code, endpoint_list> blocking_lookup(const std::string& host, std::uint16_t port) {
    addrinfo hints{};
    hints.ai_family = AF_UNSPEC;
    hints.ai_socktype = SOCK_STREAM;
    hints.ai_flags = AI_NUMERICSERV;
    addrinfo* list = nullptr;
    auto service = std::to_string(port);
    int rc = ::getaddrinfo(host.c_str(), service.c_str(), &hints, &list);
    int saved_errno = errno;
    if (rc != 0) return {translate(rc, saved_errno), {}};
    std::unique_ptr<addrinfo, decltype(&::freeaddrinfo)> owner{list, &::freeaddrinfo};

    endpoint_list out;
    for (auto* ai = list; ai != nullptr; ai = ai->ai_next) {
        asio::ip::tcp::endpoint ep;
        if ((ai->ai_family != AF_INET && ai->ai_family != AF_INET6) || ai->ai_addrlen > ep.capacity()) continue;
        std::memcpy(ep.data(), ai->ai_addr, ai->ai_addrlen);
        ep.resize(ai->ai_addrlen);
        out.push_back(ep);
    }
    if (out.empty()) return {asio::error::host_not_found, {}};
    return {{}, std::move(out)};
}

}  // namespace

void start_lookup(asio::any_io_executor ex, std::string host, std::uint16_t port, handler_type handler) {
    auto state = std::make_shared<lookup_state>();
    state->ex = ex;
    state->work = asio::prefer(ex, asio::execution::outstanding_work.tracked);
    auto slot = asio::get_associated_cancellation_slot(handler);
    state->handler.emplace(std::move(handler));
    if (slot.is_connected()) {
        slot.assign([state](asio::cancellation_type) {
            // Runs inside emit(), so the handler is delivered from a fresh post, not from here.
            auto t = take(*state);
            if (t.handler)
                asio::post(state->ex, [h = std::move(*t.handler), io = state->ex]() mutable {
                    deliver(std::move(h), io, asio::error::operation_aborted, {});
                });
        });
    }

    auto finish = [state](sys::error_code ec, endpoint_list eps) {
        auto t = take(*state);
        if (t.handler) deliver(std::move(*t.handler), state->ex, ec, std::move(eps));
    };
    try {
        std::thread([state, finish, host = std::move(host), port] {
            auto [ec, eps] = blocking_lookup(host, port);
            // Under the lock the handler, and with it the work that keeps the io_context alive,
            // cannot go away while we post; once it is gone nobody waits and we must not touch `ex`.
            std::lock_guard lock{state->mutex};
            if (!state->handler) return;
            asio::post(state->ex, [finish, ec = ec, eps = std::move(eps)]() mutable { finish(ec, std::move(eps)); });
        }).detach();
    } catch (const std::system_error& e) {  // no thread to be had: report it as the lookup's failure
        asio::post(state->ex, [finish, ec = sys::error_code(e.code())] { finish(ec, {}); });
    }
}

}  // namespace r1::net
