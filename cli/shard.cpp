#include "cli/shard.hpp"

#include "engine/text/text.hpp"

#include <openssl/evp.h>

#include <array>
#include <charconv>
#include <stdexcept>

namespace r1::cli {
namespace {

using Digest = std::array<unsigned char, 32>;

Digest sha256(std::string_view bytes) {
    Digest out{};
    unsigned int size = 0;
    // EVP_Digest fails only on allocation failure; a zero digest would then put every app on
    // shard 0 and make every digest equal, so treat it as the bug it would be.
    if (EVP_Digest(bytes.data(), bytes.size(), out.data(), &size, EVP_sha256(), nullptr) != 1 || size != out.size())
        throw std::runtime_error("SHA-256 failed");
    return out;
}

/// A whole number of at most `max_digits` digits, nothing else.
bool read_number(std::string_view text, std::size_t max_digits, std::size_t& out) {
    if (text.empty() || text.size() > max_digits || text.find_first_not_of("0123456789") != std::string_view::npos)
        return false;
    auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), out);
    return ec == std::errc{} && end == text.data() + text.size();
}

}  // namespace

std::variant<shard_spec, std::string> parse_shard(std::string_view text, const char* job_index) {
    const std::string shown = engine::quoted(text.substr(0, 64));
    const std::string usage = "use I/N with N from 1 to " + std::to_string(max_shards) +
                              " and I from 0 to N-1, or auto/N to take I from JOB_COMPLETION_INDEX";
    auto slash = text.find('/');
    if (slash == std::string_view::npos) return "invalid --shard " + shown + ": " + usage;
    std::string_view index_text = text.substr(0, slash), total_text = text.substr(slash + 1);
    shard_spec spec;
    if (!read_number(total_text, 6, spec.total) || spec.total < 1 || spec.total > max_shards)
        return "invalid --shard " + shown + ": " + usage;
    const std::string range = "0 to " + std::to_string(spec.total - 1);
    if (index_text == "auto") {
        const std::string head = "--shard auto/" + std::to_string(spec.total) + ": ";
        if (!job_index)
            return head + "JOB_COMPLETION_INDEX is not set (a Kubernetes Indexed Job sets it in each pod; "
                          "elsewhere give the index: --shard I/" + std::to_string(spec.total) + ")";
        std::string_view env = job_index;
        if (!read_number(env, 6, spec.index))
            return head + "JOB_COMPLETION_INDEX " + engine::quoted(env.substr(0, 64)) + " is not a whole number";
        if (spec.index >= spec.total)
            return head + "JOB_COMPLETION_INDEX " + std::to_string(spec.index) + " is out of range " + range +
                   " (the Job's completions must equal N)";
        return spec;
    }
    if (!read_number(index_text, 6, spec.index)) return "invalid --shard " + shown + ": " + usage;
    if (spec.index >= spec.total)
        return "invalid --shard " + shown + ": the index runs from " + range + " (0-based, as JOB_COMPLETION_INDEX)";
    return spec;
}

std::uint64_t shard_key(std::string_view key) {
    auto d = sha256(key);
    std::uint64_t k = 0;
    for (std::size_t i = 0; i < 8; ++i) k = (k << 8) | d[i];
    return k;
}

std::size_t jump_hash(std::uint64_t key, std::size_t buckets) {
    // Lamping and Veach, "A Fast, Minimal Memory, Consistent Hash Algorithm", figure 1.
    std::int64_t b = -1, j = 0;
    const auto n = static_cast<std::int64_t>(buckets);
    while (j < n) {
        b = j;
        key = key * 2862933555777941757ULL + 1;
        j = static_cast<std::int64_t>(static_cast<double>(b + 1) *
                                      (static_cast<double>(1LL << 31) / static_cast<double>((key >> 33) + 1)));
    }
    return static_cast<std::size_t>(b);
}

std::size_t shard_of(std::string_view key, std::size_t total) { return jump_hash(shard_key(key), total); }

std::string sha256_hex(std::string_view bytes) {
    static constexpr char hex[] = "0123456789abcdef";
    std::string out;
    out.reserve(64);
    for (unsigned char c : sha256(bytes)) {
        out += hex[c >> 4];
        out += hex[c & 15];
    }
    return out;
}

}  // namespace r1::cli
