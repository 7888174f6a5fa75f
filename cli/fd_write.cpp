#include "cli/fd_write.hpp"

#include "engine/redact.hpp"

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

}  // namespace r1::cli
