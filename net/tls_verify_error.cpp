#include "net/tls_verify_error.hpp"

#include <openssl/x509.h>

#include <string>

namespace r1::net {
namespace {

class verify_category final : public boost::system::error_category {
public:
    const char* name() const noexcept override { return "r1.x509"; }
    std::string message(int value) const override { return X509_verify_cert_error_string(value); }
};

}  // namespace

const boost::system::error_category& tls_verify_category() noexcept {
    static const verify_category category;
    return category;
}

}  // namespace r1::net
