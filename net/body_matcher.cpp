#include "net/body_matcher.hpp"

#include <utility>

namespace r1::net {

body_matcher::body_matcher(std::string needle)
    : needle_(std::move(needle)), fallback_(needle_.size(), 0), found_(needle_.empty()) {
    std::size_t k = 0;
    for (std::size_t i = 1; i < needle_.size(); ++i) {
        while (k > 0 && needle_[i] != needle_[k]) k = fallback_[k - 1];
        if (needle_[i] == needle_[k]) ++k;
        fallback_[i] = k;
    }
}

bool body_matcher::feed(std::string_view chunk) noexcept {
    bytes_seen_ += chunk.size();
    if (found_) return true;
    for (char c : chunk) {
        while (matched_ > 0 && c != needle_[matched_]) matched_ = fallback_[matched_ - 1];
        if (c == needle_[matched_]) ++matched_;
        if (matched_ == needle_.size()) {
            found_ = true;
            break;
        }
    }
    return found_;
}

}  // namespace r1::net
