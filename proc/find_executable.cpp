#include "proc/find_executable.hpp"

#include <cstdlib>
#include <filesystem>
#include <system_error>

#include <sys/stat.h>
#include <unistd.h>

namespace r1::proc {

bool is_executable_file(const std::string& path) {
    struct stat st {};
    return ::stat(path.c_str(), &st) == 0 && S_ISREG(st.st_mode) && ::access(path.c_str(), X_OK) == 0;
}

namespace {

std::optional<std::string> absolute_if_executable(const std::string& path) {
    if (!is_executable_file(path)) return std::nullopt;
    std::error_code ec;
    auto abs = std::filesystem::absolute(path, ec);
    return ec ? path : abs.lexically_normal().string();
}

}  // namespace

std::optional<std::string> find_executable(std::string_view name, std::string_view path_env) {
    if (name.empty()) return std::nullopt;
    if (name.find('/') != std::string_view::npos) return absolute_if_executable(std::string(name));
    while (true) {
        auto colon = path_env.find(':');
        auto dir = path_env.substr(0, colon);
        if (dir.starts_with('/')) {  // never "" (POSIX: the current directory) or a relative entry
            std::string candidate = std::string(dir) + "/";
            candidate.append(name);
            if (auto found = absolute_if_executable(candidate)) return found;
        }
        if (colon == std::string_view::npos) return std::nullopt;
        path_env.remove_prefix(colon + 1);
    }
}

std::string search_path() {
    if (const char* path = std::getenv("PATH")) return path;
    std::size_t n = ::confstr(_CS_PATH, nullptr, 0);
    if (n == 0) return "/bin:/usr/bin";
    std::string def(n, '\0');
    ::confstr(_CS_PATH, def.data(), n);
    def.resize(n - 1);  // confstr counts the terminating NUL
    return def;
}

}  // namespace r1::proc
