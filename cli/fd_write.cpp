#include "cli/fd_write.hpp"

#include "engine/redact/redact.hpp"

#include <cerrno>
#include <string>

#include <unistd.h>

namespace r1::cli {

bool write_fd(int fd, std::string_view raw) {
    const std::string clean = engine::process_redactor().scrub(raw);
    std::string_view text = clean;
    while (!text.empty()) {
        auto n = ::write(fd, text.data(), text.size());
        if (n < 0) {
            if (errno == EINTR) continue;
            return false;
        }
        text.remove_prefix(static_cast<std::size_t>(n));
    }
    return true;
}

output_stream::output_stream(int fd) : fd_(fd), terminal_(::isatty(fd) == 1) {}

void output_stream::write(std::string_view chunk) {
    if (!terminal_) {
        write_fd(fd_, chunk);
        return;
    }
    auto shown = filter_.feed(chunk);
    if (!shown.empty()) write_fd(fd_, shown);
}

void output_stream::finish() {
    if (!terminal_) return;
    auto rest = filter_.finish();
    if (!rest.empty()) write_fd(fd_, rest);
}

}  // namespace r1::cli
