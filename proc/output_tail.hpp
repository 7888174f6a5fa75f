#pragma once
/// Keeps the last N bytes of a stream in bounded memory, however much passes through.
#include <cstddef>
#include <string>
#include <string_view>

namespace r1::proc {

class output_tail {
public:
    explicit output_tail(std::size_t capacity) : capacity_(capacity) {}

    void append(std::string_view chunk);
    /// The last capacity() bytes seen (fewer if less was seen).
    std::string str() const;
    std::size_t capacity() const noexcept { return capacity_; }

private:
    std::size_t capacity_;
    std::string buf_;  // holds at most 2 * capacity_; trimmed in bulk so append stays amortised O(n)
};

}  // namespace r1::proc
