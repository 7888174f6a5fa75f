// The provider CLIs' output parsers (vercel's stdout and stderr, wrangler's NDJSON records and text,
// a wrangler config, kamal's stdout, docker ps): whatever the bytes, they return, and what they
// take for a URL is an https:// URL, never the Vercel dashboard.
#include "fuzz/check.hpp"
#include "providers/cloudflare/wrangler_output.hpp"
#include "providers/docker/docker_plan.hpp"
#include "providers/kamal/kamal_output.hpp"
#include "providers/vercel/vercel_output.hpp"

#include <cstdint>
#include <string_view>

using r1::fuzz::check;
namespace cloudflare = r1::providers::cloudflare;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    std::string_view text{reinterpret_cast<const char*>(data), size};
    // The first byte picks where the split between stdout and stderr falls.
    auto cut = size ? data[0] % (size + 1) : 0;
    auto out = text.substr(0, cut), err = text.substr(cut);

    auto v = r1::providers::vercel::read_vercel_output(out, err);
    check(v.url.empty() || r1::providers::vercel::is_deployment_url(v.url));
    check(v.alias.empty() || r1::providers::vercel::is_deployment_url(v.alias));
    (void)r1::providers::vercel::vercel_success_problem(v, true);

    for (const auto& r : {cloudflare::read_wrangler_records(text), cloudflare::scrape_wrangler_text(text)}) {
        for (const auto& u : r.urls) check(u.starts_with("https://") && u.size() <= 2048);
        auto url = cloudflare::first_checkable_url(r.urls);
        check(url.empty() || url.find('*') == std::string::npos);
    }
    (void)cloudflare::pages_output_dir_in(text, true);
    (void)cloudflare::pages_output_dir_in(text, false);

    auto k = r1::providers::kamal::read_kamal_output(text);
    check(k.error_message.size() <= 500);
    check(!k.lock_held || k.error_class == "Kamal::Cli::LockError");

    auto slot = r1::providers::docker::choose_slot("web", text);
    check(slot.fresh == 'a' || slot.fresh == 'b');
    return 0;
}
