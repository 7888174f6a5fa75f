#include "proc/output_tail.hpp"

namespace r1::proc {

void output_tail::append(std::string_view chunk) {
    if (capacity_ == 0) return;
    if (chunk.size() >= capacity_) {
        buf_.assign(chunk.substr(chunk.size() - capacity_));
        return;
    }
    buf_.append(chunk);
    if (buf_.size() > 2 * capacity_) buf_.erase(0, buf_.size() - capacity_);
}

std::string output_tail::str() const {
    if (buf_.size() <= capacity_) return buf_;
    return buf_.substr(buf_.size() - capacity_);
}

}  // namespace r1::proc
