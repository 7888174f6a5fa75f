#pragma once
/// Finds one substring in a body that arrives in chunks, without keeping the body: the search state
/// carries across chunk boundaries, memory is bounded by the needle, and each byte is looked at once.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace r1::net {

class body_matcher {
public:
    /// An empty needle counts as found before any byte arrives.
    explicit body_matcher(std::string needle);

    /// Feeds the next piece of the body; returns found(). Bytes after a hit are only counted.
    bool feed(std::string_view chunk) noexcept;

    bool found() const noexcept { return found_; }
    std::uint64_t bytes_seen() const noexcept { return bytes_seen_; }
    const std::string& needle() const noexcept { return needle_; }

private:
    std::string needle_;
    // Knuth-Morris-Pratt: fallback_[i] is the length of the longest proper prefix of needle_[0..i]
    // that is also its suffix. With it, matched_ (the needle prefix ending at the last byte fed) is
    // all the carry-over a chunk boundary needs, and no byte is examined twice.
    std::vector<std::size_t> fallback_;
    std::size_t matched_ = 0;
    std::uint64_t bytes_seen_ = 0;
    bool found_ = false;
};

}  // namespace r1::net
