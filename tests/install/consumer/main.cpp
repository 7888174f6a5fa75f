// Calls r1::deploy() as a program would: a dry run of an app (no process, no network), then the
// sentinel error for a deploy without an app. Prints what it got; exit 0 only when both are right.
#include "net/beast_client.hpp"
#include "net/tls_context.hpp"
#include "proc/real_runner.hpp"
#include "providers/deploy.hpp"
#include "r1/version.hpp"

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>

#include <cstdio>
#include <exception>
#include <optional>

namespace {

r1::deploy_result run(r1::deploy_config cfg, r1::deploy_services services) {
    boost::asio::io_context ctx;
    std::optional<r1::deploy_result> out;
    boost::asio::co_spawn(ctx, r1::deploy(std::move(cfg), std::move(services)),
                          [&](std::exception_ptr e, r1::deploy_result r) {
                              if (e) std::rethrow_exception(e);
                              out = std::move(r);
                          });
    ctx.run();
    return std::move(*out);
}

}  // namespace

int main() {
    auto tls = r1::net::make_tls_context();
    if (!tls) {
        std::fprintf(stderr, "tls: %s\n", tls.error().c_str());
        return 1;
    }
    r1::proc::real_runner runner;
    r1::net::beast_client http{*tls};
    r1::deploy_services services{runner, http, {}, "/usr/bin:/bin"};

    r1::deploy_config preview;
    preview.app = "consumer-demo";
    preview.dry_run = true;
    auto shown = run(preview, services);
    std::printf("r1 %s\n%s", r1::version, shown.output.c_str());

    r1::deploy_config nameless;
    auto refused = run(nameless, services);
    bool sentinel = refused.ec == r1::error::app_name_missing;
    std::printf("no app: %s (%s)\n", refused.ec.message().c_str(), sentinel ? "app_name_missing" : "unexpected");
    return !shown.ec && sentinel ? 0 : 1;
}
