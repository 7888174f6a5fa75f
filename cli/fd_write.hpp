#pragma once
/// Writes all of `text` to a file descriptor, retrying short writes and EINTR, with secrets masked.
#include "engine/text/text.hpp"

#include <string_view>

namespace r1::cli {

/// Every byte r1 prints or logs goes through here, so `text` is scrubbed by the process redactor
/// first: defence in depth behind the runner, which already scrubs what children print. (A secret
/// split across two calls is the runner's job: each call is scrubbed on its own.)
/// False when the descriptor is closed or broken (EPIPE with SIGPIPE ignored): r1 keeps working,
/// there is just no one to tell.
bool write_fd(int fd, std::string_view text);

/// A provider CLI's output streamed to one of r1's descriptors as it arrives. On a terminal it
/// passes engine::terminal_filter first: colours stay, every other escape sequence and control is
/// neutralised (a CLI's output, or a server's words inside it, must not set the title, write the
/// clipboard or clear the screen). To a file or a pipe it goes as the CLI wrote it, secrets masked.
class output_stream {
public:
    explicit output_stream(int fd);
    void write(std::string_view chunk);
    /// The end of the output: resets the colours on a terminal if any were passed.
    void finish();

private:
    int fd_;
    bool terminal_;
    engine::terminal_filter filter_;
};

}  // namespace r1::cli
