#include "providers/fly/app_name.hpp"

#include "engine/text/text.hpp"

namespace r1::providers::fly {

std::string app_name_problem(std::string_view name) {
    auto quoted = [&] {
        std::string shown = engine::printable(name.substr(0, 80), true);
        if (name.size() > 80) shown += "...";
        return "\"" + shown + "\"";
    };
    if (name.empty()) return "app name is empty";
    if (name.size() > max_app_name)
        return "app name " + quoted() + " is longer than " + std::to_string(max_app_name) + " characters";
    for (char c : name) {
        bool ok = (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-';
        if (!ok) return "invalid app name " + quoted() + ": fly.io app names use lowercase letters, digits and dashes";
    }
    if (name.front() == '-' || name.back() == '-')
        return "invalid app name " + quoted() + ": it cannot start or end with a dash";
    return {};
}

}  // namespace r1::providers::fly
