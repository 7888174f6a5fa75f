#pragma once
/// Writes all of `text` to a file descriptor, retrying short writes and EINTR, with secrets masked.
#include <string_view>

namespace r1::cli {

/// Every byte r1 prints or logs goes through here, so `text` is scrubbed by the process redactor
/// first: defence in depth behind the runner, which already scrubs what children print. (A secret
/// split across two calls is the runner's job: each call is scrubbed on its own.)
/// False when the descriptor is closed or broken (EPIPE with SIGPIPE ignored): r1 keeps working,
/// there is just no one to tell.
bool write_fd(int fd, std::string_view text);

}  // namespace r1::cli
