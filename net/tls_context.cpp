#include "net/tls_context.hpp"

#include "engine/text/text.hpp"

#include <openssl/ssl.h>

#include <filesystem>
#include <system_error>

namespace r1::net {
namespace {

namespace ssl = boost::asio::ssl;

// "no certificate or crl found (x509 certificate routines)" reads better without the library name.
std::string reason(const boost::system::error_code& ec) {
    auto text = ec.message();
    if (auto paren = text.find(" ("); paren != std::string::npos) text.erase(paren);
    return text;
}

}  // namespace

boost::system::result<ssl::context, std::string> make_tls_context(std::string_view ca_file) {
    ssl::context ctx{ssl::context::tls_client};
    // Older protocols are off: nothing we should trust as healthy still needs them.
    if (SSL_CTX_set_min_proto_version(ctx.native_handle(), TLS1_2_VERSION) != 1)
        return std::string("cannot require TLS 1.2 or newer");
    ctx.set_verify_mode(ssl::verify_peer);
#ifdef R1_TLS_GROUPS
    // A build option (CMake R1_TLS_GROUPS): e.g. X25519 alone, so OpenSSL 3.5 sends one classical
    // key share instead of its default X25519MLKEM768 hybrid (see bench/README.md for the cost).
    if (SSL_CTX_set1_groups_list(ctx.native_handle(), R1_TLS_GROUPS) != 1)
        return std::string("cannot offer the TLS groups " R1_TLS_GROUPS);
#endif

    // OpenSSL's default paths, which read SSL_CERT_FILE and SSL_CERT_DIR when they are set: the way
    // operators and CI images point every OpenSSL program at a custom store.
    boost::system::error_code ec;
    ctx.set_default_verify_paths(ec);
    if (ec) return "cannot load the system certificate store: " + reason(ec);

    if (!ca_file.empty()) {
        std::string path(ca_file);
        const std::string shown = engine::printable(path, true);  // an argument is never echoed raw
        std::error_code fs_ec;
        auto status = std::filesystem::status(path, fs_ec);
        if (fs_ec || !std::filesystem::exists(status)) return "cannot load --ca-file " + shown + ": no such file";
        if (std::filesystem::is_directory(status)) return "cannot load --ca-file " + shown + ": is a directory";
        ctx.load_verify_file(path, ec);
        if (ec) return "cannot load --ca-file " + shown + ": " + reason(ec);
    }
    return ctx;
}

}  // namespace r1::net
