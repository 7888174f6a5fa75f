#pragma once
/// How r1 creates every file it leaves behind (--report, --junit, --log-dir): never through a link or
/// a name someone planted in a shared directory, and readable by the user alone.
#include <string>
#include <string_view>
#include <variant>

namespace r1::engine {

/// Files r1 creates hold provider output; the user's umask may make them stricter, never looser.
inline constexpr unsigned output_file_mode = 0600;
inline constexpr unsigned output_dir_mode = 0700;

/// "" when `path` can be written by write_output_file, else the one-line reason. Run before anything
/// starts. Missing directories on the way to `path` are created, as `mkdir -p` would (the one rule of
/// every output r1 writes: --report, --junit and --log-dir alike); no file is left behind (its probe
/// has a fresh unique name and is removed at once), and whatever `path` or a link at it names is
/// neither opened nor truncated.
std::string check_output_file(const std::string& path);

/// Replaces `path` with `data`, secrets masked by the process redactor first unless `scrub` is false
/// (a screenshot's bytes are not text). A regular file (or nothing)
/// at `path` is replaced atomically: the text goes into a new file with a unique name in the same
/// directory (O_EXCL | O_NOFOLLOW, output_file_mode), which is then renamed over `path`, so a reader
/// never sees half of it and a symbolic link at `path` is replaced, never followed. A character
/// device or FIFO is written in place, and /dev/stdout, /dev/stderr and /dev/fd/N mean r1's own
/// descriptors. Returns "" or the one-line reason it could not.
std::string write_output_file(const std::string& path, std::string_view data, bool scrub = true);

/// A directory r1 creates per-task files in (--log-dir), held open so each file is made relative to
/// the directory checked at start, whatever happens to its path later.
class output_dir {
public:
    /// Creates `path` (output_dir_mode) when missing. Refuses a symbolic link, something not a
    /// directory, and a directory owned by another user or writable by group or others: anyone who
    /// can write there can plant a link where r1 is about to create a file.
    static std::variant<output_dir, std::string> open(const std::string& path);

    output_dir(output_dir&& other) noexcept : fd_(other.fd_) { other.fd_ = -1; }
    output_dir& operator=(output_dir&&) = delete;
    output_dir(const output_dir&) = delete;
    ~output_dir();

    /// A new, empty file `name` (no slash) open for writing, output_file_mode; a file of that name
    /// from an earlier run is replaced, a link is removed rather than followed. -1 when it cannot
    /// be created (errno says why).
    int create(const std::string& name) const;

private:
    explicit output_dir(int fd) : fd_(fd) {}
    int fd_ = -1;
};

}  // namespace r1::engine
