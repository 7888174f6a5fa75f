#pragma once
/// The DevTools protocol over --remote-debugging-pipe, as bytes: each message is one JSON text
/// followed by a NUL byte. Splitting, parsing and encoding are pure (no Asio), so a fuzz target feeds
/// them the same bytes the pipe would.
#include <boost/json/object.hpp>

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace r1::proc::browser {

/// Cuts the byte stream from Chromium into messages. A message longer than `max_message` is
/// dropped whole (counted in skipped()), and reading goes on at the next NUL: Chromium sends a
/// console argument or a response body in full, so one page can produce a message of any size.
class frame_reader {
public:
    static constexpr std::size_t default_max_message = 32 * 1024 * 1024;

    explicit frame_reader(std::size_t max_message = default_max_message) noexcept : max_(max_message) {}

    void feed(std::string_view bytes);
    /// The next complete message without its NUL; nullopt until one is complete.
    std::optional<std::string> next();
    std::size_t skipped() const noexcept { return skipped_; }
    /// Bytes held for a message not yet complete.
    std::size_t buffered() const noexcept { return buf_.size() - start_; }

private:
    std::size_t max_;
    std::string buf_;
    std::size_t start_ = 0;      // where the current message begins in buf_
    std::size_t scanned_ = 0;    // buf_ before this holds no NUL after start_
    bool skipping_ = false;      // inside an oversized message: drop bytes up to its NUL
    std::size_t skipped_ = 0;
};

/// One message from Chromium: a response to a command (id set) or an event (method set).
struct cdp_message {
    std::optional<std::uint64_t> id;
    std::string method;
    std::string session_id;       // empty: the browser's own session
    boost::json::object body;     // a response's result or an event's params
    std::optional<std::string> error;  // a response's error message
};

/// nullopt when `text` is not a JSON object with an integer id or a string method.
std::optional<cdp_message> parse_message(std::string_view text);

/// One command as the pipe wants it, NUL included.
std::string encode_command(std::uint64_t id, std::string_view method, const boost::json::object& params,
                           std::string_view session_id = {});

/// Helpers for reading Chromium's JSON without exceptions: a missing or mistyped member is empty.
std::string_view string_at(const boost::json::object& o, std::string_view key) noexcept;
const boost::json::object* object_at(const boost::json::object& o, std::string_view key) noexcept;
std::optional<double> number_at(const boost::json::object& o, std::string_view key) noexcept;
bool bool_at(const boost::json::object& o, std::string_view key) noexcept;

}  // namespace r1::proc::browser
