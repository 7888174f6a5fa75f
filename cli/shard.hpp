#pragma once
/// Sharding a fleet over several r1 processes (`--shard I/N`, Kubernetes Indexed Jobs, CI matrices):
/// which shard holds which task, and the digest that ties the shards of one manifest together.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <variant>

namespace r1::cli {

inline constexpr std::size_t max_shards = 100'000;  // Kubernetes caps an Indexed Job's completions there too

/// The assignment rule, recorded in each shard's report: r1 report merge refuses other rules.
inline constexpr std::string_view shard_scheme = "jump-sha256";

/// This process's part of the fleet: shard `index` (0-based) of `total`.
struct shard_spec {
    std::size_t index = 0;
    std::size_t total = 1;
};

/// Reads `--shard I/N` or `--shard auto/N`, where I comes from `job_index` (the value of
/// JOB_COMPLETION_INDEX, null when it is not set). A problem is one line, naming what to change.
std::variant<shard_spec, std::string> parse_shard(std::string_view text, const char* job_index);

/// The shard (0 to total - 1) that holds the task with this key (an app's name, or a URL): jump
/// consistent hashing (Lamping and Veach, https://arxiv.org/abs/1406.2294) of the first 8 bytes of
/// the key's SHA-256, read big-endian. A task's shard depends on its key and `total` alone, so adding
/// or removing apps moves no other app; going from N to N + 1 shards moves about 1 / (N + 1) of
/// them, each to the new shard.
std::size_t shard_of(std::string_view key, std::size_t total);

/// SHA-256 of `bytes`, 64 lowercase hex digits: `sha256sum FILE` of a manifest gives the same.
std::string sha256_hex(std::string_view bytes);

/// The first 8 bytes of SHA-256(key), big-endian, and the jump hash itself (exposed for tests).
std::uint64_t shard_key(std::string_view key);
std::size_t jump_hash(std::uint64_t key, std::size_t buckets);

}  // namespace r1::cli
