#include "cli/input_file.hpp"

#include "engine/text/text.hpp"

#include <cerrno>
#include <cstring>

#include <fcntl.h>
#include <unistd.h>

namespace r1::cli {

file_text read_input(const std::string& file, std::size_t max_bytes) {
    const std::string shown = engine::printable(file, true);  // an argument is never echoed raw
    int fd = file == "-" ? 0 : ::open(file.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) return {{}, "cannot read " + shown + ": " + std::strerror(errno)};
    std::string text;
    char buf[65536];
    std::string error;
    for (;;) {
        auto n = ::read(fd, buf, sizeof buf);
        if (n < 0 && errno == EINTR) continue;
        if (n < 0) {
            error = "cannot read " + shown + ": " + std::strerror(errno);
            break;
        }
        if (n == 0) break;
        text.append(buf, static_cast<std::size_t>(n));
        if (text.size() > max_bytes) {
            error = shown + " is larger than " + std::to_string(max_bytes / (1024 * 1024)) + " MiB";
            break;
        }
    }
    if (fd != 0) ::close(fd);
    if (!error.empty()) return {{}, std::move(error)};
    return {std::move(text), {}};
}

}  // namespace r1::cli
