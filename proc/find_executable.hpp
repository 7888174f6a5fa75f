#pragma once
/// Looks a program up the way a shell would: a name with a slash is taken as a path, else $PATH.
#include <optional>
#include <string>
#include <string_view>

namespace r1::proc {

/// The absolute path of an executable regular file, or nullopt. `path_env` is $PATH's value. Only
/// absolute entries are searched: an empty entry (POSIX: the current directory) or a relative one
/// would run whatever a checked-out repository or a shared directory holds, with every token r1
/// passes on in its environment.
std::optional<std::string> find_executable(std::string_view name, std::string_view path_env);

/// The search path for provider CLIs and git: $PATH, or when it is unset the system's default
/// (confstr(_CS_PATH), "/bin:/usr/bin" on glibc), as execvp uses.
std::string search_path();

/// True when `path` names an executable regular file.
bool is_executable_file(const std::string& path);

}  // namespace r1::proc
