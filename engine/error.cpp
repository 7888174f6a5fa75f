#include "engine/error.hpp"

#include <string>

namespace r1 {
namespace {

class category final : public boost::system::error_category {
public:
    // A fixed id keeps comparisons working across shared-library boundaries.
    constexpr category() noexcept : boost::system::error_category(0x72315f6572726f72ULL) {}
    const char* name() const noexcept override { return "r1"; }
    std::string message(int ev) const override {
        switch (static_cast<error>(ev)) {
        case error::usage: return "usage error";
        case error::cli_not_found: return "provider CLI not found: install it, or pass its path";
        case error::app_name_missing: return "app name missing: pass --app NAME";
        case error::provider_unsupported: return "provider not supported";
        case error::provider_failed: return "provider CLI failed";
        case error::bad_provider_output: return "provider CLI output not understood";
        case error::unhealthy: return "health check failed";
        case error::unavailable: return "health endpoint unavailable";
        case error::timed_out: return "timed out";
        case error::interrupted: return "interrupted";
        }
        return "unknown r1 error";
    }
};

}  // namespace

const boost::system::error_category& error_category() noexcept {
    static const category instance;
    return instance;
}

boost::system::error_code make_error_code(error e) noexcept {
    return {static_cast<int>(e), error_category()};
}

}  // namespace r1
