#include "providers/kamal/kamal_output.hpp"

#include "engine/text/text.hpp"

namespace r1::providers::kamal {
namespace {

std::string_view trim(std::string_view s) {
    while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
    while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\r')) s.remove_suffix(1);
    return s;
}

constexpr std::size_t max_field = 500;

}  // namespace

kamal_report read_kamal_output(std::string_view out) {
    kamal_report r;
    std::string text = engine::printable(out.substr(out.size() > 65536 ? out.size() - 65536 : 0));
    std::string_view rest = text;
    std::string holder;
    bool in_error = false;  // the lines after an ERROR line go on with its message (SSHKit's stdout/stderr)
    while (!rest.empty()) {
        auto nl = rest.find('\n');
        auto line = trim(rest.substr(0, nl));
        rest = nl == std::string_view::npos ? std::string_view{} : rest.substr(nl + 1);
        if (in_error && !line.empty() && !line.starts_with("ERROR (") && r.error_message.size() < max_field) {
            r.error_message = (r.error_message + "; " + std::string(line)).substr(0, max_field);
            continue;
        }
        in_error = false;
        if (line.starts_with("ERROR (")) {
            in_error = true;
            auto close = line.find("): ");
            if (close == std::string_view::npos) close = line.find(')');
            if (close == std::string_view::npos) continue;
            r.error_class = std::string(line.substr(7, std::min<std::size_t>(close - 7, 200)));
            r.error_message = close + 3 <= line.size() ? std::string(trim(line.substr(close + 3)).substr(0, max_field)) : "";
            r.lock_held = r.error_class == "Kamal::Cli::LockError";
        } else if (line.starts_with("Locked by: ") || line.starts_with("Version: ") || line.starts_with("Message: ")) {
            if (line.starts_with("Locked by: ")) holder.clear();
            holder += (holder.empty() ? "" : "; ") + std::string(line.substr(0, max_field));
        } else if (line.starts_with("Finished all in ")) {
            r.finished = true;
        }
    }
    if (r.lock_held) r.lock_holder = std::move(holder);
    return r;
}

}  // namespace r1::providers::kamal
