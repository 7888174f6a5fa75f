#pragma once
/// Writes all of `text` to a file descriptor, retrying short writes and EINTR.
#include <string_view>

namespace r1::cli {

/// False when the descriptor is closed or broken (EPIPE with SIGPIPE ignored): r1 keeps working,
/// there is just no one to tell.
bool write_fd(int fd, std::string_view text);

}  // namespace r1::cli
