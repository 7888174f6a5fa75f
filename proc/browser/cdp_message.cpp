#include "proc/browser/cdp_message.hpp"

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <boost/json/value.hpp>

#include <cstring>

namespace r1::proc::browser {

namespace json = boost::json;

void frame_reader::feed(std::string_view bytes) {
    // Drop what the caller has taken already before growing, so the buffer holds at most one
    // message and the bytes after it.
    if (start_ > 0 && start_ == buf_.size()) {
        buf_.clear();
        start_ = scanned_ = 0;
    } else if (start_ > 64 * 1024 && start_ * 2 > buf_.size()) {
        buf_.erase(0, start_);
        scanned_ -= start_;
        start_ = 0;
    }
    while (skipping_ && !bytes.empty()) {
        auto nul = bytes.find('\0');
        if (nul == std::string_view::npos) return;
        bytes.remove_prefix(nul + 1);
        skipping_ = false;
    }
    buf_.append(bytes);
}

std::optional<std::string> frame_reader::next() {
    for (;;) {
        auto nul = buf_.find('\0', std::max(scanned_, start_));
        if (nul == std::string::npos) {
            scanned_ = buf_.size();
            if (buf_.size() - start_ > max_) {  // this message is too long: drop what we hold of it
                ++skipped_;
                buf_.clear();
                start_ = scanned_ = 0;
                skipping_ = true;
            }
            return std::nullopt;
        }
        std::size_t begin = start_;
        start_ = scanned_ = nul + 1;
        if (nul - begin > max_) {
            ++skipped_;
            continue;
        }
        return buf_.substr(begin, nul - begin);
    }
}

std::optional<cdp_message> parse_message(std::string_view text) {
    boost::system::error_code ec;
    json::value v = json::parse(text, ec);
    if (ec || !v.is_object()) return std::nullopt;
    auto& o = v.as_object();
    cdp_message m;
    if (auto* id = o.if_contains("id")) {
        if (id->is_int64() && id->as_int64() >= 0)
            m.id = static_cast<std::uint64_t>(id->as_int64());
        else if (id->is_uint64())
            m.id = id->as_uint64();
        else
            return std::nullopt;
    }
    m.method = std::string(string_at(o, "method"));
    if (!m.id && m.method.empty()) return std::nullopt;
    m.session_id = std::string(string_at(o, "sessionId"));
    const char* body_key = m.id ? "result" : "params";
    if (auto* body = o.if_contains(body_key); body && body->is_object()) m.body = std::move(body->as_object());
    if (m.id) {
        if (auto* err = o.if_contains("error")) {
            std::string message = "error";
            if (err->is_object()) {
                if (auto text_of = string_at(err->as_object(), "message"); !text_of.empty()) message = std::string(text_of);
            }
            m.error = std::move(message);
        }
    }
    return m;
}

std::string encode_command(std::uint64_t id, std::string_view method, const json::object& params,
                           std::string_view session_id) {
    json::object o;
    o["id"] = id;
    o["method"] = method;
    o["params"] = params;
    if (!session_id.empty()) o["sessionId"] = session_id;
    auto text = json::serialize(o);
    text.push_back('\0');
    return text;
}

std::string_view string_at(const json::object& o, std::string_view key) noexcept {
    if (auto* v = o.if_contains(key); v && v->is_string()) return v->as_string();
    return {};
}

const json::object* object_at(const json::object& o, std::string_view key) noexcept {
    if (auto* v = o.if_contains(key); v && v->is_object()) return &v->as_object();
    return nullptr;
}

std::optional<double> number_at(const json::object& o, std::string_view key) noexcept {
    auto* v = o.if_contains(key);
    if (!v) return std::nullopt;
    if (v->is_double()) return v->as_double();
    if (v->is_int64()) return static_cast<double>(v->as_int64());
    if (v->is_uint64()) return static_cast<double>(v->as_uint64());
    return std::nullopt;
}

bool bool_at(const json::object& o, std::string_view key) noexcept {
    auto* v = o.if_contains(key);
    return v && v->is_bool() && v->as_bool();
}

}  // namespace r1::proc::browser
