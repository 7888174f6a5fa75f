#include "tests/support/output_dump.hpp"

#include "tests/support/processes.hpp"

#include <boost/json/array.hpp>
#include <boost/json/object.hpp>
#include <boost/json/serialize.hpp>

#include <atomic>
#include <cstdlib>
#include <filesystem>
#include <optional>

#include <sys/stat.h>
#include <unistd.h>

namespace r1::test {
namespace {

/// The value of `flag` in args ("--report X" or "--report=X"), if given.
std::optional<std::string> flag_value(const std::vector<std::string>& args, std::string_view flag) {
    std::optional<std::string> out;
    for (std::size_t i = 0; i < args.size(); ++i) {
        if (args[i] == flag && i + 1 < args.size()) out = args[i + 1];
        else if (args[i].starts_with(std::string(flag) + "=")) out = args[i].substr(flag.size() + 1);
    }
    return out;
}

/// Invalid UTF-8 as U+FFFD: a test's arguments may hold any bytes, and the metadata is JSON.
std::string valid_utf8(std::string_view in) {
    std::string out;
    for (std::size_t i = 0; i < in.size();) {
        auto c = static_cast<unsigned char>(in[i]);
        std::size_t n = c < 0x80 ? 1 : (c >> 5) == 0x6 ? 2 : (c >> 4) == 0xE ? 3 : (c >> 3) == 0x1E ? 4 : 0;
        bool ok = n > 0 && i + n <= in.size() && !(n == 2 && c < 0xC2);
        for (std::size_t k = 1; ok && k < n; ++k) ok = (static_cast<unsigned char>(in[i + k]) & 0xC0) == 0x80;
        if (ok) {
            out.append(in.substr(i, n));
            i += n;
        } else {
            out += "\xEF\xBF\xBD";
            ++i;
        }
    }
    return out;
}

/// <pid>-<n>.<kind>.json (what ran) beside <pid>-<n>.<kind>.out (exactly what r1 wrote).
void write(const std::filesystem::path& dir, const r1_options& opts, const r1_result& result, std::string_view kind,
           const std::string& text, bool report_on_stdout = false) {
    static std::atomic<unsigned> counter{0};
    boost::json::array args;
    for (const auto& a : opts.args) args.emplace_back(valid_utf8(a));
    boost::json::object o{{"kind", kind}, {"args", std::move(args)}, {"exit_code", result.exit_code}, {"signal", result.signal},
                          {"report_on_stdout", report_on_stdout}};
    auto name = std::to_string(::getpid()) + "-" + std::to_string(++counter) + "." + std::string(kind);
    write_file(dir / (name + ".out"), text);
    write_file(dir / (name + ".json"), boost::json::serialize(o));
}

}  // namespace

std::optional<std::filesystem::path> report_path(const r1_options& opts) {
    auto report = flag_value(opts.args, "--report");
    if (!report) return std::nullopt;
    std::filesystem::path path = *report;
    if (path.is_relative()) path = (opts.cwd.empty() ? std::filesystem::current_path() : std::filesystem::path(opts.cwd)) / path;
    return path;
}

report_before look_at_report(const r1_options& opts) {
    report_before b;
    struct stat st{};
    if (auto path = report_path(opts); path && ::lstat(path->c_str(), &st) == 0) {
        b.existed = true;
        b.inode = st.st_ino;
        b.size = static_cast<unsigned long long>(st.st_size);
        b.mtime_ns = static_cast<long long>(st.st_mtim.tv_sec) * 1'000'000'000LL + st.st_mtim.tv_nsec;
    }
    return b;
}

void dump_outputs(const r1_options& opts, const r1_result& result, const report_before& before) {
    const char* where = std::getenv("R1_OUTPUT_DUMP");
    if (!where || !*where) return;
    std::filesystem::path dir = where;
    std::error_code ec;
    std::filesystem::create_directories(dir, ec);

    auto output = flag_value(opts.args, "--output");
    // --report /dev/stdout (or /dev/fd/1) with --output json: the document follows the events.
    auto report = flag_value(opts.args, "--report");
    bool on_stdout = report == "/dev/stdout" || report == "/dev/fd/1";
    if (output == "json" && !result.out.empty()) write(dir, opts, result, "ndjson", result.out, on_stdout);

    // A report is a regular file r1 wrote (not /dev/stdout, a FIFO, or a file r1 refused to touch).
    if (auto path = report_path(opts)) {
        auto after = look_at_report(opts);
        bool same = before.existed && after.inode == before.inode && after.size == before.size &&
                    after.mtime_ns == before.mtime_ns;
        if (after.existed && !same && std::filesystem::is_regular_file(std::filesystem::symlink_status(*path, ec)))
            write(dir, opts, result, "report", read_file(*path));
    }
}

}  // namespace r1::test
