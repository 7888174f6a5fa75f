#pragma once
/// Masks secrets in every byte r1 writes: provider token shapes, `NAME=value` pairs whose name says
/// "secret", and the exact values of r1's own secret-looking environment variables. Pure, no Asio.
#include <array>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace r1::engine {

/// What a secret becomes. It holds no byte a rule could match again, so scrubbing is idempotent.
inline constexpr std::string_view redaction_mask = "[redacted]";

/// An immutable rule set. The built-in rules (see README "Secrets") are always on; exact values are
/// added at construction. At each position, left to right, the longest match wins: an exact value,
/// a `Bearer` / `FlyV1` header, a token shape, or `NAME=value` at a `=` or `:`. An exact value that
/// begins under a mask and runs on past it makes the mask longer, so a rule that stops early (an
/// unquoted value at a space, a token at a `!`) never leaves the rest of a secret in clear.
class redactor {
public:
    /// Shorter values would mask ordinary words and numbers everywhere (`PASSWORD=1`).
    static constexpr std::size_t min_exact_bytes = 8;
    /// Bounds what a stream holds back while it waits to see whether a value is complete.
    static constexpr std::size_t max_exact_bytes = 16 * 1024;
    /// Bytes after `fm2_`, `vcp_`, `Bearer ` etc. before a shape counts as a token.
    static constexpr std::size_t min_token_body = 16;

    /// Values outside [min_exact_bytes, max_exact_bytes], made of one repeated byte, or found inside
    /// the mask itself are dropped: they would mask harmless text (or the mask) everywhere.
    /// `token_prefixes`: the token formats the providers document (`fm2_`, `vcp_`, ...; see
    /// providers::registry::secret_formats), each masked with what follows it when at least
    /// min_token_body token characters do.
    explicit redactor(std::vector<std::string> exact_values = {}, std::vector<std::string> token_prefixes = {});

    /// The whole text, every secret masked; everything else byte for byte.
    std::string scrub(std::string_view text) const;

    const std::vector<std::string>& exact_values() const noexcept { return exact_; }

    /// A secret's run that reached the end of a stream chunk and may go on in the next one.
    struct open_run {
        std::uint8_t kind = 0;  // 0: none; else which byte class continues it (see redact.cpp)
        char quote = 0;         // the closing quote of a quoted value
        /// Bytes at the start of the next input already under the last mask: an exact value began
        /// under it and may run on past it, which only more input can tell.
        std::uint32_t covered = 0;
    };

    /// The scanner behind scrub() and stream_scrubber. Appends the clean form of `in` to `out`;
    /// `before` is the clean text emitted just before `in` (look-behind for word boundaries and names).
    /// Unless `final`, it stops where a secret might still begin and returns how much of `in` it used;
    /// the caller offers the rest again with more text. `run` carries a secret across chunks.
    std::size_t scan(std::string_view in, std::string_view before, std::string& out, bool final,
                     open_run& run) const;

private:
    struct hit;
    hit match_at(std::string_view in, std::size_t i, std::string_view before, const std::string& out,
                 std::size_t out_base, bool final) const;
    hit match_rule(std::string_view in, std::size_t i, std::string_view before, const std::string& out,
                   std::size_t out_base, bool final) const;
    /// Exact values starting in in[from, end) lengthen the mask over [mask_from, end): `end` grows to
    /// the longest, `mask_from` moves back to one that starts before it. Returns npos, or where one
    /// may still match once more input comes (not final): the caller holds back from there.
    std::size_t extend(std::string_view in, std::size_t from, std::size_t& mask_from, std::size_t& end,
                       bool final) const;
    hit match_exact(std::string_view in, std::size_t i, bool final) const;

    std::vector<std::string> exact_;                      // longest first
    std::vector<std::string> prefixes_;                   // token formats
    std::array<std::vector<std::uint32_t>, 256> by_first_;  // exact_ indices by first byte, longest first
    std::array<bool, 256> may_start_{};                   // bytes at which some rule may match
    std::array<std::uint64_t, 1024> may_start2_{};        // byte pairs at which some rule may match
    void allow_start(unsigned char first, unsigned char second);
    bool may_start_at(std::string_view in, std::size_t i) const noexcept;
};

/// Scrubs a stream chunk by chunk, as a child's pipe delivers it. Each chunk's clean text is safe
/// to show at once; only bytes that may still begin a secret are held back (at most about
/// max_exact_bytes), so output stays live and memory bounded. feed()... + finish() gives exactly
/// redactor::scrub() of the whole stream, wherever the chunks were cut.
class stream_scrubber {
public:
    explicit stream_scrubber(const redactor& r) : redactor_(&r) {}

    std::string feed(std::string_view chunk);
    /// The end of the stream: whatever was held back, scrubbed.
    std::string finish();
    std::size_t held_bytes() const noexcept { return pending_.size(); }

private:
    std::string run(std::string_view text, bool final);

    const redactor* redactor_;
    std::string pending_;  // input not yet decided
    std::string before_;   // the last clean bytes emitted, for look-behind
    redactor::open_run run_;
};

/// What the providers r1 knows say about their secrets: the token formats they document and the
/// environment variables that hold their credentials. The engine knows no provider; the registry
/// (providers/registry) gathers these and cli/ installs them at start-up.
struct secret_formats {
    std::vector<std::string> token_prefixes;
    std::vector<std::string> credential_variables;
};

/// Sets the formats process_redactor() and env_name_looks_secret() use. Call once, before either is
/// first used (r1's main and the test runner's do); later calls change nothing and return false.
bool install_secret_formats(secret_formats formats);

/// True for an environment variable whose value r1 must never print: a provider's credential
/// variable (installed), and any name containing TOKEN, SECRET, PASSWORD, API_KEY, PRIVATE_KEY or
/// ACCESS_KEY (any case).
bool env_name_looks_secret(std::string_view name);

/// The values to mask from an environment block (`NAME=value` strings, null-terminated array): each
/// secret-looking variable's value (after a `FlyV1 ` / `Bearer ` scheme, which stays readable), and
/// its parts split at commas and newlines, since a CLI may print one macaroon of a comma-joined token.
std::vector<std::string> secret_values_from(const char* const* envp);

/// The one redactor for r1's own process, built on first use from its environment and the installed
/// token formats. Children inherit that environment, so what they may print is exactly what it masks.
const redactor& process_redactor();

}  // namespace r1::engine
