#include "providers/provider.hpp"

namespace r1::providers {

boost::asio::awaitable<deploy_outcome> provider::roll_back(proc::runner&, deploy_request) const {
    co_return deploy_outcome{make_error_code(error::usage),
                             "provider " + std::string(name()) + " has no rollback step in r1 yet"};
}

}  // namespace r1::providers
