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

void write(const std::filesystem::path& dir, const r1_options& opts, const r1_result& result, std::string_view kind,
           const std::string& text) {
    static std::atomic<unsigned> counter{0};
    boost::json::array args;
    for (const auto& a : opts.args) args.emplace_back(a);
    boost::json::object o{{"kind", kind},
                          {"args", std::move(args)},
                          {"exit_code", result.exit_code},
                          {"signal", result.signal},
                          {"text", text}};
    auto name = std::to_string(::getpid()) + "-" + std::to_string(++counter) + "." + std::string(kind) + ".json";
    write_file(dir / name, boost::json::serialize(o));
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
    if (output == "json" && !result.out.empty()) write(dir, opts, result, "ndjson", result.out);

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
