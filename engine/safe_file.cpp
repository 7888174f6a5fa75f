#include "engine/safe_file.hpp"

#include "engine/redact/redact.hpp"
#include "engine/text/text.hpp"

#include <cerrno>
#include <charconv>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <optional>

#include <fcntl.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <unistd.h>

namespace r1::engine {
namespace {

std::string cannot(const std::string& path, std::string_view why) {
    return "cannot write " + printable(path, true) + ": " + std::string(why);
}

/// Closes a descriptor when it goes out of scope.
struct fd_guard {
    int fd = -1;
    ~fd_guard() {
        if (fd >= 0) ::close(fd);
    }
};

/// /dev/stdout, /dev/stderr, /dev/fd/N and /proc/self/fd/N name r1's own descriptors: written in
/// place as a shell's redirection would, rather than through the link /dev/stdout is.
std::optional<int> own_descriptor(std::string_view path) {
    if (path == "/dev/stdout") return 1;
    if (path == "/dev/stderr") return 2;
    for (std::string_view prefix : {"/dev/fd/", "/proc/self/fd/"}) {
        if (!path.starts_with(prefix)) continue;
        auto digits = path.substr(prefix.size());
        int fd = -1;
        auto [end, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), fd);
        if (ec == std::errc{} && end == digits.data() + digits.size() && !digits.empty() && fd >= 0) return fd;
    }
    return std::nullopt;
}

std::string write_all(int fd, std::string_view text) {
    while (!text.empty()) {
        auto n = ::write(fd, text.data(), text.size());
        if (n < 0 && errno == EINTR) continue;
        if (n < 0) return std::strerror(errno);
        if (n == 0) return std::strerror(ENOSPC);
        text.remove_prefix(static_cast<std::size_t>(n));
    }
    return "";
}

/// The directory `path` is in and its last component, or nullopt when that is no file name.
struct placement {
    std::string dir;
    std::string name;
};
std::optional<placement> place(const std::string& path) {
    std::filesystem::path p{path};
    auto name = p.filename().string();
    if (name.empty() || name == "." || name == "..") return std::nullopt;
    auto dir = p.parent_path().string();
    return placement{dir.empty() ? "." : dir, name};
}

/// A file of a fresh name (`.<base>.r1-<random>`) in the directory `dir_fd`, made with O_EXCL and
/// O_NOFOLLOW: nothing planted in advance can be where it lands. Sets `name`; -1 and errno on failure.
int create_unique(int dir_fd, const std::string& base, std::string& name) {
    static constexpr char alphabet[] = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";
    for (int attempt = 0; attempt < 100; ++attempt) {
        unsigned char random[12];
        if (::getrandom(random, sizeof random, 0) != static_cast<ssize_t>(sizeof random)) return -1;
        name = "." + base.substr(0, 200) + ".r1-";
        for (unsigned char r : random) name += alphabet[r % (sizeof alphabet - 1)];
        int fd = ::openat(dir_fd, name.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, output_file_mode);
        if (fd >= 0 || errno != EEXIST) return fd;
    }
    errno = EEXIST;
    return -1;
}

enum class target_kind { replace, in_place, refuse };

/// What `path` names now, without following a link at it: a regular file, a link or nothing is
/// replaced; a character device or FIFO is written in place; anything else is refused (`why`).
target_kind kind_of(const std::string& path, std::string& why) {
    struct stat st {};
    if (::lstat(path.c_str(), &st) != 0) {
        if (errno == ENOENT) return target_kind::replace;
        why = std::strerror(errno);
        return target_kind::refuse;
    }
    if (S_ISREG(st.st_mode) || S_ISLNK(st.st_mode)) return target_kind::replace;
    if (S_ISCHR(st.st_mode) || S_ISFIFO(st.st_mode)) return target_kind::in_place;
    why = S_ISDIR(st.st_mode) ? "it is a directory" : "it is not a regular file, character device or FIFO";
    return target_kind::refuse;
}

/// Opens a character device or FIFO found at `path` for writing, never a link, never creating.
int open_in_place(const std::string& path, bool nonblocking) {
    int fd = ::open(path.c_str(), O_WRONLY | O_NOFOLLOW | O_CLOEXEC | (nonblocking ? O_NONBLOCK : 0));
    if (fd < 0) return -1;
    struct stat st {};
    if (::fstat(fd, &st) != 0 || !(S_ISCHR(st.st_mode) || S_ISFIFO(st.st_mode))) {  // swapped since lstat
        ::close(fd);
        errno = EINVAL;
        return -1;
    }
    return fd;
}

}  // namespace

std::string check_output_file(const std::string& path) {
    if (auto own = own_descriptor(path)) {
        int flags = ::fcntl(*own, F_GETFL);
        if (flags < 0 || (flags & O_ACCMODE) == O_RDONLY) return cannot(path, "that descriptor is not open for writing");
        return "";
    }
    std::string why;
    switch (kind_of(path, why)) {
    case target_kind::refuse: return cannot(path, why);
    case target_kind::in_place: {
        // O_NONBLOCK: a FIFO with no reader yet fails with ENXIO here instead of blocking r1's start.
        fd_guard fd{open_in_place(path, true)};
        return fd.fd < 0 ? cannot(path, std::strerror(errno)) : "";
    }
    case target_kind::replace: break;
    }
    auto where = place(path);
    if (!where) return cannot(path, "it is a directory");
    fd_guard dir{::open(where->dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC)};
    if (dir.fd < 0) return cannot(path, std::strerror(errno));
    std::string probe;
    fd_guard fd{create_unique(dir.fd, where->name, probe)};
    if (fd.fd < 0) return cannot(path, std::strerror(errno));
    ::unlinkat(dir.fd, probe.c_str(), 0);
    return "";
}

std::string write_output_file(const std::string& path, std::string_view data, bool scrub) {
    const std::string clean = scrub ? process_redactor().scrub(data) : std::string();  // defence in depth
    std::string_view text = scrub ? std::string_view(clean) : data;
    if (auto own = own_descriptor(path)) {
        auto why = write_all(*own, text);
        return why.empty() ? "" : cannot(path, why);
    }
    std::string why;
    switch (kind_of(path, why)) {
    case target_kind::refuse: return cannot(path, why);
    case target_kind::in_place: {
        int fd = open_in_place(path, false);
        if (fd < 0) return cannot(path, std::strerror(errno));
        why = write_all(fd, text);
        if (::close(fd) != 0 && why.empty()) why = std::strerror(errno);
        return why.empty() ? "" : cannot(path, why);
    }
    case target_kind::replace: break;
    }
    auto where = place(path);
    if (!where) return cannot(path, "it is a directory");
    fd_guard dir{::open(where->dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC)};
    if (dir.fd < 0) return cannot(path, std::strerror(errno));
    std::string tmp;
    int fd = create_unique(dir.fd, where->name, tmp);
    if (fd < 0) return cannot(path, std::strerror(errno));
    why = write_all(fd, text);
    // close() is where NFS and a full quota report a failed write; fsync would add a disk flush per
    // report for a crash r1 does not promise to survive.
    if (::close(fd) != 0 && why.empty()) why = std::strerror(errno);
    if (why.empty() && ::renameat(dir.fd, tmp.c_str(), dir.fd, where->name.c_str()) != 0) why = std::strerror(errno);
    if (!why.empty()) {
        ::unlinkat(dir.fd, tmp.c_str(), 0);
        return cannot(path, why);
    }
    return "";
}

std::variant<output_dir, std::string> output_dir::open(const std::string& path) {
    auto refuse = [&](std::string_view why) {
        return "cannot use --log-dir " + printable(path, true) + ": " + std::string(why);
    };
    if (::mkdir(path.c_str(), output_dir_mode) != 0 && errno != EEXIST) {
        if (errno != ENOENT) return refuse(std::strerror(errno));
        // Missing parents are made as `mkdir -p` makes them; the directory r1 writes in is its own.
        std::error_code ec;
        std::filesystem::create_directories(std::filesystem::path(path).parent_path(), ec);
        if (ec) return refuse(ec.message());
        if (::mkdir(path.c_str(), output_dir_mode) != 0 && errno != EEXIST) return refuse(std::strerror(errno));
    }
    int fd = ::open(path.c_str(), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
    if (fd < 0) {
        int e = errno;
        struct stat link {};
        // O_DIRECTORY | O_NOFOLLOW on a link says ENOTDIR, whatever the link points at.
        if (e == ELOOP || (e == ENOTDIR && ::lstat(path.c_str(), &link) == 0 && S_ISLNK(link.st_mode)))
            return refuse("it is a symbolic link");
        if (e == ENOTDIR) return refuse("not a directory");
        return refuse(std::strerror(e));
    }
    output_dir dir{fd};
    struct stat st {};
    if (::fstat(fd, &st) != 0) return refuse(std::strerror(errno));
    if (st.st_uid != ::geteuid())
        return refuse("it is owned by another user (uid " + std::to_string(st.st_uid) + ")");
    if (st.st_mode & (S_IWGRP | S_IWOTH)) {
        char mode[8];
        std::snprintf(mode, sizeof mode, "%04o", static_cast<unsigned>(st.st_mode & 07777));
        return refuse(std::string("it is writable by others (mode ") + mode + "); use a directory only you can write to");
    }
    std::string probe;
    fd_guard probe_fd{create_unique(fd, "probe", probe)};
    if (probe_fd.fd < 0) return refuse(std::strerror(errno));
    ::unlinkat(fd, probe.c_str(), 0);
    return dir;
}

output_dir::~output_dir() {
    if (fd_ >= 0) ::close(fd_);
}

int output_dir::create(const std::string& name) const {
    if (name.empty() || name.find('/') != std::string::npos || name == "." || name == "..") {
        errno = EINVAL;
        return -1;
    }
    // Only this user can write here (open() checked), so nothing can plant a name between the two.
    if (::unlinkat(fd_, name.c_str(), 0) != 0 && errno != ENOENT) return -1;
    return ::openat(fd_, name.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, output_file_mode);
}

}  // namespace r1::engine
