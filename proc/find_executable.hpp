#pragma once
/// Looks a program up the way a shell would: a name with a slash is taken as a path, else $PATH.
#include <optional>
#include <string>
#include <string_view>

namespace r1::proc {

/// The absolute path of an executable regular file, or nullopt. `path_env` is $PATH's value.
std::optional<std::string> find_executable(std::string_view name, std::string_view path_env);

/// True when `path` names an executable regular file.
bool is_executable_file(const std::string& path);

}  // namespace r1::proc
