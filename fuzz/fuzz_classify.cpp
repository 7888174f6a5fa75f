// The failure classifier over untrusted bytes, rules and model together: besides never crashing,
// its class and signal do not change with ASCII case, surrounding white space or ANSI colour around
// the text, its work (counted by detail::classify_counted, the model's pass included) stays within
// a constant factor of the input size, explain() reports the verdict classify() gives, and the
// retry budget changes nothing but retry windows.
#include "fuzz/check.hpp"
#include "engine/classify/classify.hpp"

#include <chrono>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

using r1::fuzz::check;

namespace {

bool same(const r1::engine::verdict& a, const r1::engine::verdict& b) {
    return a.cls == b.cls && a.signal == b.signal;
}

std::string flip_case(std::string_view in) {
    std::string out(in);
    for (auto& c : out)
        if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z')) c = static_cast<char>(c ^ 0x20);
    return out;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    std::string_view in{reinterpret_cast<const char*>(data), size};
    std::size_t steps = 0;
    auto v = r1::engine::detail::classify_counted(in, steps);
    check(steps <= 64 * size + 64);  // linear: a bounded amount of work per byte
    check(same(v, r1::engine::classify(in)));
    check((v.cls == r1::engine::failure_class::unknown) == v.signal.empty());
    check(v.signal.empty() ? v.where == std::string_view::npos : v.where < size);

    check(same(v, r1::engine::classify(flip_case(in))));
    check(same(v, r1::engine::classify(" \t\r\n" + std::string(in) + "\r\n \t")));
    check(same(v, r1::engine::classify("\x1b[31m" + std::string(in) + "\x1b[0m")));
    check(same(v, r1::engine::classify("\x1b[1;33m" + std::string(in) + "\x1b[0m\r\n")));

    // explain() is classify() with reasons: the same verdict, where included.
    auto e = r1::engine::explain(in);
    check(same(e.result, v) && e.result.where == v.where);
    check(!e.model_consulted || (e.probability >= 0.0 && e.probability <= 1.0));

    // A different budget moves only retry windows: without one, the verdict stays.
    auto other = r1::engine::classify(in, {.retry_budget = std::chrono::hours(100)});
    bool window = false;
    for (const auto& r : e.rules) window = window || r.signal.starts_with("retry-window");
    check(window || same(other, v));

    // Doubling the input at most doubles the work, give or take a constant, and what a rule that
    // matches across the join newly costs: the model's pass (two reads of each byte), which the
    // doubled text may need where the single one did not, and one read of the matched line for
    // its level word (a status after "code" at the end of one copy and digits at the start of the
    // next: fuzz/corpus/classify/regress-join-level-read).
    std::string twice = std::string(in) + "\n" + std::string(in);
    std::size_t steps_twice = 0;
    (void)r1::engine::detail::classify_counted(twice, steps_twice);
    check(steps_twice <= 2 * steps + 3 * twice.size() + 2 * 64 + 64);
    return 0;
}
