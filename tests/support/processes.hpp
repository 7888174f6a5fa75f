#pragma once
/// Helpers for tests that check which processes are still around.
#include <filesystem>
#include <string>

#include <sys/types.h>

namespace r1::test {

/// True while `pid` is a live process (a zombie counts as gone).
bool process_alive(pid_t pid);

/// Waits up to `ms` for `path` to hold a pid, and returns it (-1 when it never appears).
pid_t wait_for_pid_file(const std::filesystem::path& path, int ms = 5000);

/// Waits up to `ms` for the process to be gone.
bool wait_until_gone(pid_t pid, int ms = 5000);

/// A fresh directory under the system temp dir, removed when the object goes.
class temp_dir {
public:
    temp_dir();
    ~temp_dir();
    temp_dir(const temp_dir&) = delete;
    temp_dir& operator=(const temp_dir&) = delete;
    const std::filesystem::path& path() const noexcept { return path_; }
    std::filesystem::path operator/(const std::string& name) const { return path_ / name; }

private:
    std::filesystem::path path_;
};

std::string read_file(const std::filesystem::path& path);
void write_file(const std::filesystem::path& path, const std::string& content);

}  // namespace r1::test
