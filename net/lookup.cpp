#include "net/lookup.hpp"

#include <boost/asio/associated_cancellation_slot.hpp>
#include <boost/asio/associated_executor.hpp>
#include <boost/asio/dispatch.hpp>
#include <boost/asio/error.hpp>
#include <boost/asio/execution/context.hpp>
#include <boost/asio/posix/stream_descriptor.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/query.hpp>
#include <boost/asio/steady_timer.hpp>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string_view>
#include <memory>
#include <mutex>
#include <optional>
#include <unordered_map>

#include <ares.h>
#include <netdb.h>
#include <sys/socket.h>

namespace r1::net {
namespace {

namespace asio = boost::asio;
namespace sys = boost::system;
using handler_type = asio::any_completion_handler<lookup_signature>;

sys::error_code translate(int status) {
    switch (status) {
    case ARES_ENOTFOUND:
    case ARES_ENODATA:
    case ARES_ENONAME:
    case ARES_EBADNAME: return asio::error::host_not_found;
    case ARES_ETIMEOUT:
    case ARES_ECONNREFUSED:
    case ARES_ESERVFAIL:
    case ARES_EREFUSED: return asio::error::host_not_found_try_again;
    case ARES_ENOMEM: return asio::error::no_memory;
    case ARES_ECANCELLED:
    case ARES_EDESTRUCTION: return asio::error::operation_aborted;
    default: return asio::error::no_recovery;  // ARES_EFORMERR, ARES_EBADRESP, ARES_EFILE, ...
    }
}

/// resolv.conf's `options timeout:N attempts:N` and the same in $RES_OPTIONS, as glibc reads them
/// (resolv.conf(5)); c-ares 1.18 reads only BIND's retrans:/retry:. glibc's defaults and caps.
struct retry_policy {
    int timeout_seconds = 5;  // RES_TIMEOUT; at most 30 (RES_MAXRETRANS)
    int attempts = 2;         // RES_DFLRETRY; at most 5 (RES_MAXRETRY)
};

void apply_options(std::string_view line, retry_policy& p) {
    auto number_after = [&](std::string_view token, std::string_view key) -> std::optional<int> {
        if (!token.starts_with(key)) return std::nullopt;
        int n = 0;
        auto digits = token.substr(key.size());
        if (digits.empty() || digits.size() > 3) return std::nullopt;
        for (char c : digits) {
            if (c < '0' || c > '9') return std::nullopt;
            n = n * 10 + (c - '0');
        }
        return n;
    };
    std::size_t at = 0;
    while (at < line.size()) {
        auto start = line.find_first_not_of(" \t", at);
        if (start == std::string_view::npos) break;
        auto end = std::min(line.find_first_of(" \t", start), line.size());
        auto token = line.substr(start, end - start);
        if (auto t = number_after(token, "timeout:")) p.timeout_seconds = std::clamp(*t, 1, 30);
        if (auto a = number_after(token, "attempts:")) p.attempts = std::clamp(*a, 1, 5);
        at = end;
    }
}

retry_policy read_retry_policy() {
    retry_policy p;
    if (std::FILE* f = std::fopen("/etc/resolv.conf", "re")) {
        char line[1024];
        while (std::fgets(line, sizeof line, f)) {
            std::string_view l = line;
            if (l.starts_with("options") && l.size() > 7 && (l[7] == ' ' || l[7] == '\t')) apply_options(l.substr(8), p);
        }
        std::fclose(f);
    }
    if (const char* env = std::getenv("RES_OPTIONS")) apply_options(env, p);
    return p;
}

/// One io_context's c-ares channel: its sockets watched by the context's reactor, its timeouts
/// on a timer, its callbacks run on the context's thread. r1 runs each io_context on one thread,
/// so nothing here is locked.
class ares_service final : public asio::execution_context::service {
public:
    static asio::execution_context::id id;

    explicit ares_service(asio::execution_context& owner) : service(owner) {}
    ~ares_service() override { destroy_channel(); }

    /// `ex` is an executor of the service's own context.
    void lookup(asio::any_io_executor ex, std::string host, std::uint16_t port, handler_type handler);

private:
    /// A lookup in progress. Freed by c-ares' callback, which always comes (answer, timeout,
    /// cancellation or destruction); the handler is gone once delivered or abandoned.
    struct op {
        ares_service* service;
        std::optional<handler_type> handler;
        std::uint16_t port;
    };

    /// One c-ares socket under the reactor. The descriptor is borrowed: released, never closed.
    struct watched {
        explicit watched(const asio::any_io_executor& ex, int fd) : descriptor(ex, fd) {}
        asio::posix::stream_descriptor descriptor;
        bool want_read = false;
        bool want_write = false;
        bool reading = false;
        bool writing = false;
        bool gone = false;
    };

    void shutdown() override {
        destroy_channel();
    }

    int ensure_channel();
    void destroy_channel();
    static void on_socket_state(void* data, ares_socket_t fd, int readable, int writable);
    static void on_answer(void* arg, int status, int timeouts, ares_addrinfo* result);
    void arm(const std::shared_ptr<watched>& w);
    void update_timer();
    void deliver(op& o, sys::error_code ec, endpoint_list eps, bool clear_slot = true);
    void abandon(op& o);

    asio::any_io_executor io_;            // set by the first lookup
    std::optional<asio::steady_timer> timer_;
    ares_channel channel_ = nullptr;
    bool destroying_ = false;
    std::size_t live_ = 0;  // lookups someone still waits for
    std::unordered_map<int, std::shared_ptr<watched>> sockets_;
};

asio::execution_context::id ares_service::id;

int ares_service::ensure_channel() {
    if (channel_) return ARES_SUCCESS;
    static std::once_flag library;
    static int library_status = ARES_SUCCESS;
    std::call_once(library, [] { library_status = ares_library_init(ARES_LIB_INIT_ALL); });
    if (library_status != ARES_SUCCESS) return library_status;
    // Servers, search domains, ndots and the files-then-DNS order come from resolv.conf,
    // nsswitch.conf, LOCALDOMAIN and RES_OPTIONS (c-ares reads them); timeout and attempts too, read
    // here the way glibc reads them.
    auto retry = read_retry_policy();
    ares_options options{};
    options.sock_state_cb = &ares_service::on_socket_state;
    options.sock_state_cb_data = this;
    options.timeout = retry.timeout_seconds * 1000;
    options.tries = retry.attempts;
    // c-ares sends every query to a server from one UDP socket. A thousand checks starting at once
    // put two thousand answers in flight to it while the loop is busy with TLS handshakes; the
    // default buffer (~200 KiB, ~270 answers) dropped the rest, which then failed as timeouts.
    // The kernel caps this at net.core.rmem_max.
    options.socket_receive_buffer_size = 4 << 20;
    return ares_init_options(&channel_, &options,
                             ARES_OPT_SOCK_STATE_CB | ARES_OPT_TIMEOUTMS | ARES_OPT_TRIES | ARES_OPT_SOCK_RCVBUF);
}

void ares_service::destroy_channel() {
    if (!channel_) return;
    destroying_ = true;
    if (timer_) timer_->cancel();
    // The descriptors go back to c-ares first, which closes them in ares_destroy.
    for (auto& [fd, w] : sockets_) {
        w->gone = true;
        w->descriptor.release();
    }
    sockets_.clear();
    ares_destroy(channel_);  // every pending lookup's callback runs with ARES_EDESTRUCTION
    channel_ = nullptr;
}

void ares_service::on_socket_state(void* data, ares_socket_t fd, int readable, int writable) {
    auto* self = static_cast<ares_service*>(data);
    if (self->destroying_) return;
    auto it = self->sockets_.find(fd);
    if (!readable && !writable) {  // c-ares is about to close it
        if (it != self->sockets_.end()) {
            it->second->gone = true;
            it->second->descriptor.release();
            self->sockets_.erase(it);
        }
        return;
    }
    if (it == self->sockets_.end()) it = self->sockets_.emplace(fd, std::make_shared<watched>(self->io_, fd)).first;
    it->second->want_read = readable != 0;
    it->second->want_write = writable != 0;
    self->arm(it->second);
}

void ares_service::arm(const std::shared_ptr<watched>& w) {
    using wait = asio::posix::stream_descriptor::wait_type;
    auto ready = [this, w](bool read) {
        return [this, w, read](const sys::error_code& ec) {
            (read ? w->reading : w->writing) = false;
            if (w->gone || destroying_ || ec == asio::error::operation_aborted) return;
            int fd = w->descriptor.native_handle();
            ares_process_fd(channel_, read ? fd : ARES_SOCKET_BAD, read ? ARES_SOCKET_BAD : fd);
            if (!w->gone) arm(w);
            update_timer();
        };
    };
    if (w->want_read && !w->reading) {
        w->reading = true;
        w->descriptor.async_wait(wait::wait_read, ready(true));
    }
    if (w->want_write && !w->writing) {
        w->writing = true;
        w->descriptor.async_wait(wait::wait_write, ready(false));
    }
}

void ares_service::update_timer() {
    if (!channel_ || destroying_) return;
    timeval tv{};
    timeval* next = ares_timeout(channel_, nullptr, &tv);
    if (!next) {  // no query pending: nothing to time out, and no work to keep the loop alive
        timer_->cancel();
        return;
    }
    timer_->expires_after(std::chrono::seconds(next->tv_sec) + std::chrono::microseconds(next->tv_usec));
    timer_->async_wait([this](const sys::error_code& ec) {
        if (ec || destroying_) return;
        ares_process_fd(channel_, ARES_SOCKET_BAD, ARES_SOCKET_BAD);  // retries and timeouts
        update_timer();
    });
}

void ares_service::deliver(op& o, sys::error_code ec, endpoint_list eps, bool clear_slot) {
    if (!o.handler) return;
    handler_type h = std::move(*o.handler);
    o.handler.reset();
    --live_;
    // Not from inside the slot's own handler (abandon): clearing would destroy the running handler.
    if (clear_slot) asio::get_associated_cancellation_slot(h).clear();
    // Posted, never run here: c-ares may answer (from /etc/hosts) inside ares_getaddrinfo itself.
    asio::post(io_, [h = std::move(h), ec, eps = std::move(eps), io = io_]() mutable {
        auto ex = asio::get_associated_executor(h, io);
        asio::dispatch(ex, [h = std::move(h), ec, eps = std::move(eps)]() mutable { std::move(h)(ec, std::move(eps)); });
    });
}

void ares_service::abandon(op& o) {
    deliver(o, asio::error::operation_aborted, {}, false);
    // Nobody waits any more: stop the queries, so an abandoned lookup holds no socket and keeps no
    // event loop alive until its DNS timeout.
    if (live_ == 0 && channel_) ares_cancel(channel_);
    update_timer();
}

void ares_service::on_answer(void* arg, int status, int, ares_addrinfo* result) {
    std::unique_ptr<op> o{static_cast<op*>(arg)};
    std::unique_ptr<ares_addrinfo, decltype(&ares_freeaddrinfo)> owner{result, &ares_freeaddrinfo};
    if (status == ARES_EDESTRUCTION || o->service->destroying_) {  // handlers die with the context
        if (o->handler) asio::get_associated_cancellation_slot(*o->handler).clear();
        return;
    }
    if (status != ARES_SUCCESS || !result) return o->service->deliver(*o, translate(status), {});
    endpoint_list v4, v6;
    for (auto* n = result->nodes; n; n = n->ai_next) {
        asio::ip::tcp::endpoint ep;
        if ((n->ai_family != AF_INET && n->ai_family != AF_INET6) || n->ai_addrlen > ep.capacity()) continue;
        std::memcpy(ep.data(), n->ai_addr, n->ai_addrlen);
        ep.resize(n->ai_addrlen);
        ep.port(o->port);
        (n->ai_family == AF_INET ? v4 : v6).push_back(ep);
    }
    if (v4.empty() && v6.empty()) return o->service->deliver(*o, asio::error::host_not_found, {});
    // Families interleaved, the answer's first family first (RFC 8305 section 4), instead of
    // c-ares' RFC 6724 sort, which opens and connects a UDP socket per address on every lookup.
    bool v6_first = result->nodes && result->nodes->ai_family == AF_INET6;
    auto& first = v6_first ? v6 : v4;
    auto& second = v6_first ? v4 : v6;
    endpoint_list out;
    out.reserve(v4.size() + v6.size());
    for (std::size_t i = 0; i < std::max(first.size(), second.size()); ++i) {
        if (i < first.size()) out.push_back(first[i]);
        if (i < second.size()) out.push_back(second[i]);
    }
    o->service->deliver(*o, {}, std::move(out));
}

void ares_service::lookup(asio::any_io_executor ex, std::string host, std::uint16_t port, handler_type handler) {
    if (!timer_) {
        io_ = std::move(ex);
        timer_.emplace(io_);
    }
    auto o = std::make_unique<op>(op{this, std::nullopt, port});
    auto slot = asio::get_associated_cancellation_slot(handler);
    o->handler.emplace(std::move(handler));
    ++live_;
    if (int status = ensure_channel(); status != ARES_SUCCESS) return deliver(*o, translate(status), {});
    if (slot.is_connected()) {
        // Runs inside emit(): deliver() posts, so the handler never runs from here.
        slot.assign([this, raw = o.get()](asio::cancellation_type) { abandon(*raw); });
    }
    ares_addrinfo_hints hints{};
    hints.ai_family = AF_UNSPEC;
    hints.ai_socktype = SOCK_STREAM;
    hints.ai_protocol = IPPROTO_TCP;
    hints.ai_flags = ARES_AI_NOSORT;
    ares_getaddrinfo(channel_, host.c_str(), nullptr, &hints, &ares_service::on_answer, o.release());
    update_timer();
}

}  // namespace

void start_lookup(asio::any_io_executor ex, std::string host, std::uint16_t port, handler_type handler) {
    auto& context = asio::query(ex, asio::execution::context);
    if (!asio::has_service<ares_service>(context)) {
        // The timer and descriptor services (and the reactor) must exist before ours: services shut
        // down in reverse order, and ours hands its descriptors back and cancels its timer then.
        asio::steady_timer timer{ex};
        asio::posix::stream_descriptor descriptor{ex};
    }
    asio::use_service<ares_service>(context).lookup(std::move(ex), std::move(host), port, std::move(handler));
}

}  // namespace r1::net
