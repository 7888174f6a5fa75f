// Command-line and duration parsing: any argv either parses or yields a one-line problem without
// control bytes; any accepted duration prints back to text that parses to the same value.
#include "fuzz/check.hpp"
#include "cli/args.hpp"
#include "engine/text/duration.hpp"

#include <cstdint>
#include <cstdlib>
#include <string_view>
#include <variant>
#include <vector>

using r1::fuzz::check;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    std::string_view in{reinterpret_cast<const char*>(data), size};
    if (auto d = r1::engine::parse_duration(in)) {
        check(d->count() > 0 && *d <= r1::engine::max_duration);
        check(r1::engine::parse_duration(r1::engine::format_duration(*d)) == d);
    }
    // NUL-separated arguments, as the kernel hands them over.
    std::vector<std::string_view> args;
    while (!in.empty()) {
        auto nul = in.find('\0');
        args.push_back(in.substr(0, nul));
        in = nul == std::string_view::npos ? std::string_view{} : in.substr(nul + 1);
    }
    auto parsed = r1::cli::parse_args(args);
    if (auto* problem = std::get_if<r1::cli::usage_problem>(&parsed)) {
        check(!problem->message.empty());
        for (unsigned char c : problem->message) check(c >= 0x20 && c != 0x7F);
    }
    return 0;
}
