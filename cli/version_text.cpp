#include "cli/version_text.hpp"

#include "r1/build_info.hpp"
#include "r1/version.hpp"

#include <openssl/crypto.h>
#include <openssl/opensslv.h>

#include <string_view>

namespace r1::cli {

std::string version_text() {
    std::string out = std::string("r1 ") + version + "\n";
    std::string_view rev = git_revision;
    out += rev.empty() ? "revision: unknown (not built from a git checkout)\n" : "revision: " + std::string(rev) + "\n";
    // OpenSSL_version() is the library loaded at run time; OPENSSL_VERSION_TEXT the headers built against.
    std::string_view running = OpenSSL_version(OPENSSL_VERSION);
    out += "OpenSSL: " + std::string(running);
    if (running != OPENSSL_VERSION_TEXT) out += std::string(" (built against ") + OPENSSL_VERSION_TEXT + ")";
    out += "\n";
    return out;
}

}  // namespace r1::cli
