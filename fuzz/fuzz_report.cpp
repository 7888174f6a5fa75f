// r1 report merge's reader of a shard's --report. Beyond "no crash": a refused report gets one
// printable line; an accepted one has as many records as task objects, every status one r1 writes,
// printable names and details, and in a shard's report only tasks that the hash gives that shard.
#include "fuzz/check.hpp"
#include "cli/report_read.hpp"
#include "cli/shard.hpp"

#include <cstdint>
#include <string_view>

using r1::fuzz::check;
using namespace r1::cli;

namespace {

bool printable_line(std::string_view s) {
    for (unsigned char c : s)
        if (c < 0x20 || c == 0x7F) return false;
    return true;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    std::string_view text{reinterpret_cast<const char*>(data), size};
    auto read = read_report(text);
    if (const auto* why = std::get_if<std::string>(&read)) {
        check(!why->empty());
        check(printable_line(*why));
        return 0;
    }
    const auto& r = std::get<read_report_result>(read);
    const auto& o = r.outcome;
    check(o.tasks.size() == r.tasks.size());
    check(o.command == "deploy" || o.command == "verify");
    check(o.manifest_sha256.size() == 64);
    for (const auto& t : o.tasks) {
        check(t.state != task_state::pending && t.state != task_state::running);
        check(!t.name.empty() && printable_line(t.name) && printable_line(t.detail) && printable_line(t.provider));
        check(t.state != task_state::failed || t.exit_code >= 0);
        if (o.shard) {
            check(t.index < o.shard->manifest_tasks.size());
            check(shard_of(o.shard->manifest_tasks[t.index], o.shard->total) == o.shard->index);
        }
    }
    return 0;
}
