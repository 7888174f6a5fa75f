// What flyctl prints as JSON, and what r1 decides from it: whatever bytes `flyctl status --json`,
// `releases --json` or a deploy's stdout hold, the readers return or refuse without crashing, and
// the release judgement stays consistent (ready never above total; live only when all are ready).
#include "fuzz/check.hpp"
#include "providers/fly/fly_json.hpp"
#include "providers/fly/fly_release.hpp"

#include <cstdint>
#include <string_view>

using r1::fuzz::check;
using namespace r1::providers::fly;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    std::string_view in{reinterpret_cast<const char*>(data), size};
    (void)classify_cli_error(in);
    auto line = find_release_line(in);
    if (line) check(line->version > 0 && !line->image_ref.empty());
    if (auto releases = parse_releases(in)) {
        (void)previous_release(*releases, 1'000'000, "");
        for (const auto& r : *releases) check(r.version >= 0);
    }
    if (auto status = parse_status(in)) {
        auto serving = serving_release(*status);
        if (serving) check(serving->version > 0 && !serving->image_ref.empty());
        auto resting = resting_machines(*status);
        check(resting.size() <= status->machines.size());
        release wanted = line ? *line : serving.value_or(release{"r", 1, "registry.fly.io/app:deployment-1", ""});
        auto view = judge_release(*status, wanted, resting);
        check(view.ready <= view.total);
        check(view.total <= status->machines.size());
        if (view.live) check(view.total > 0 && view.ready == view.total);
        check(!view.detail.empty());
    }
    return 0;
}
