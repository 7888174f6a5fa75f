// Throughput of r1's classifier against the original lowercase + substring list, on the labelled
// corpus and on a ~100 MB build log generated in memory, one line at a time as a repair loop would.
#include "bench/legacy_classify.hpp"
#include "engine/classify/classify.hpp"

#include <chrono>
#include <cstdint>
#include <cstdio>
#include <ctime>
#include <fstream>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace {

using clock_type = std::chrono::steady_clock;

/// Keeps results observable so the optimiser cannot drop the work (Google Benchmark's DoNotOptimize).
template <class T>
void do_not_optimize(const T& value) {
    asm volatile("" : : "r,m"(value) : "memory");
}

std::vector<std::string> read_corpus(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    std::vector<std::string> lines;
    std::string line;
    while (std::getline(in, line)) {
        if (line.empty() || line.front() == '#') continue;
        auto b = line.find('\t', line.find('\t') + 1);
        if (b != std::string::npos) lines.push_back(line.substr(b + 1));
    }
    return lines;
}

struct splitmix {
    std::uint64_t s;
    std::uint64_t next() {
        std::uint64_t z = (s += 0x9e3779b97f4a7c15ULL);
        z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
        z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
        return z ^ (z >> 31);
    }
};

std::string hex(splitmix& rng, int n) {
    static constexpr char digits[] = "0123456789abcdef";
    std::string out;
    for (int i = 0; i < n; ++i) out += digits[rng.next() % 16];
    return out;
}

/// A docker build + flyctl deploy log: BuildKit steps, npm chatter, image digests, machine ids,
/// sizes and timings full of 502s and 503s that are not statuses, and now and then a real error.
std::string make_log(std::size_t bytes, const std::vector<std::string>& errors) {
    splitmix rng{42};
    std::string log;
    log.reserve(bytes + 512);
    while (log.size() < bytes) {
        auto r = rng.next();
        auto n = [&](unsigned mod) { return std::to_string(rng.next() % mod); };
        switch (r % 12) {
        case 0: log += "#" + n(40) + " [builder " + n(9) + "/9] RUN npm ci --omit=dev --no-audit\n"; break;
        case 1: log += "#" + n(40) + " " + n(600) + "." + n(999) + " added " + n(2000) + " packages in " + n(60) + "s\n"; break;
        case 2: log += " => [internal] load build definition from Dockerfile                       0." + n(9) + "s\n"; break;
        case 3: log += "#" + n(40) + " transferring context: " + n(900) + "B done\n"; break;
        case 4: log += " ---> Running in " + hex(rng, 12) + "\n"; break;
        case 5: log += "  [1/2] Waiting for " + hex(rng, 14) + " [app] to become healthy: " + n(3) + "/2\n"; break;
        case 6: log += "image: registry.fly.io/demo-api-" + n(999) + ":deployment-01H3ANTSW6XD3ZGHKCG3PPZ2MF\n"; break;
        case 7: log += "2024-03-01T12:" + n(60) + ":" + n(60) + ".000 app[" + hex(rng, 14) + "] iad [info] GET /healthz 200 " + n(9) + "." + n(9) + "ms\n"; break;
        case 8: log += "npm WARN deprecated inflight@1.0.6: This module is not supported, and leaks memory.\n"; break;
        case 9: log += " => => writing image sha256:" + hex(rng, 64) + "   0." + n(9) + "s\n"; break;
        case 10: log += "Step " + n(20) + "/20 : COPY --from=builder /app/dist /app/dist\n"; break;
        default:
            if (r % 4096 < 8 && !errors.empty()) log += errors[rng.next() % errors.size()] + "\n";
            else log += "--> Pushing image done, size: " + n(900) + " MB, layers: " + n(30) + "\n";
        }
    }
    return log;
}

struct figures {
    double seconds = 0;      // CPU time of this thread
    double wall_seconds = 0;
    std::size_t bytes = 0, lines = 0;
};

/// CPU time this thread has run. On a shared machine the wall clock also counts the time other
/// processes held the core, which lands on whichever classifier happened to be running.
double thread_cpu_seconds() {
    timespec ts{};
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
    return static_cast<double>(ts.tv_sec) + static_cast<double>(ts.tv_nsec) * 1e-9;
}

/// Runs `classify_line` over every line of `lines` (repeating the pass until it has had at least
/// `min_seconds` of CPU time) and adds to the totals in `f`.
template <class F>
void measure(const std::vector<std::string_view>& lines, double min_seconds, F classify_line, figures& f) {
    auto start = clock_type::now();
    double cpu_start = thread_cpu_seconds();
    double seconds = 0;
    do {
        for (auto line : lines) {
            classify_line(line);
            f.bytes += line.size() + 1;
        }
        f.lines += lines.size();
        seconds = thread_cpu_seconds() - cpu_start;
    } while (seconds < min_seconds);
    f.seconds += seconds;
    f.wall_seconds += std::chrono::duration<double>(clock_type::now() - start).count();
}

/// Measures both classifiers on `lines` in alternating slices, so that load from other processes
/// (which comes and goes) falls on both alike rather than on whichever ran second.
template <class F, class G>
std::pair<figures, figures> compare(const std::vector<std::string_view>& lines, F r1_line, G legacy_line) {
    constexpr int rounds = 8;
    figures r1, legacy;
    for (int round = 0; round < rounds; ++round) {
        measure(lines, 0.25, r1_line, r1);
        measure(lines, 0.25, legacy_line, legacy);
    }
    return {r1, legacy};
}

/// One pass over `lines`, out of line so that callgrind can count just this:
///     valgrind --tool=callgrind --toggle-collect='*classify_once*' classify_bench CORPUS MB --count r1 corpus
template <class F>
[[gnu::noinline]] void classify_once(const std::vector<std::string_view>& lines, F classify_line) {
    for (auto line : lines) classify_line(line);
}

std::vector<std::string_view> split_lines(std::string_view text) {
    std::vector<std::string_view> out;
    while (!text.empty()) {
        auto nl = text.find('\n');
        out.push_back(text.substr(0, nl));
        text.remove_prefix(nl == std::string_view::npos ? text.size() : nl + 1);
    }
    return out;
}

void report(const char* workload, const figures& r1, const figures& legacy) {
    double r1_mbs = static_cast<double>(r1.bytes) / 1e6 / r1.seconds;
    double legacy_mbs = static_cast<double>(legacy.bytes) / 1e6 / legacy.seconds;
    std::printf("| %-22s | %9.1f | %12.0f | %9.1f | %12.0f | %5.2fx |\n", workload, r1_mbs,
                static_cast<double>(r1.lines) / r1.seconds, legacy_mbs,
                static_cast<double>(legacy.lines) / legacy.seconds, r1_mbs / legacy_mbs);
}

/// The same comparison by the wall clock, which other processes on the machine disturb.
double wall_ratio(const figures& r1, const figures& legacy) {
    return (static_cast<double>(r1.bytes) / r1.wall_seconds) / (static_cast<double>(legacy.bytes) / legacy.wall_seconds);
}

}  // namespace

int main(int argc, char** argv) {
    std::string corpus_path = argc > 1 ? argv[1] : R1_SOURCE_DIR "/tests/data/classify/corpus.tsv";
    std::size_t log_mb = argc > 2 ? std::stoul(argv[2]) : 100;
    auto corpus = read_corpus(corpus_path);
    if (corpus.empty()) {
        std::fprintf(stderr, "classify_bench: no lines in %s\n", corpus_path.c_str());
        return 1;
    }
    std::vector<std::string_view> corpus_lines(corpus.begin(), corpus.end());
    std::string log = make_log(log_mb << 20, corpus);
    auto log_lines = split_lines(log);

    unsigned sink = 0;
    auto r1_line = [&](std::string_view line) {
        auto v = r1::engine::classify(line);
        sink += static_cast<unsigned>(v.cls) + static_cast<unsigned>(v.signal.size());
        do_not_optimize(sink);
    };
    auto legacy_line = [&](std::string_view line) {
        sink += static_cast<unsigned>(r1::bench::legacy_classify(line));
        do_not_optimize(sink);
    };

    if (argc > 4 && std::string_view(argv[3]) == "--count") {
        // Fixed work for instruction counts: the corpus 100 times, or the log once.
        std::string_view which = argc > 5 ? argv[5] : "corpus";
        const auto& lines = which == "log" ? log_lines : corpus_lines;
        int passes = which == "log" ? 1 : 100;
        bool r1 = std::string_view(argv[4]) == "r1";
        for (int k = 0; k < passes; ++k) {
            if (r1) classify_once(lines, r1_line);
            else classify_once(lines, legacy_line);
        }
        std::printf("%s over %s: %zu lines classified (sink %u)\n", r1 ? "r1" : "original",
                    std::string(which).c_str(), lines.size() * static_cast<std::size_t>(passes), sink);
        return 0;
    }

    std::printf("corpus: %zu lines; build log: %zu lines, %.1f MB\n\n", corpus_lines.size(), log_lines.size(),
                static_cast<double>(log.size()) / 1e6);
    std::printf("| %-22s | %9s | %12s | %9s | %12s | %6s |\n", "workload", "r1 MB/s", "r1 lines/s", "old MB/s",
                "old lines/s", "r1/old");
    std::printf("|%s|%s|%s|%s|%s|%s|\n", "------------------------", "-----------", "--------------",
                "-----------", "--------------", "--------");
    // Warm both once, then measure each for 2 s in alternating quarter-second slices.
    figures warm;
    measure(corpus_lines, 0, r1_line, warm);
    measure(corpus_lines, 0, legacy_line, warm);
    auto [r1_corpus, legacy_corpus] = compare(corpus_lines, r1_line, legacy_line);
    report("corpus lines", r1_corpus, legacy_corpus);
    auto [r1_log, legacy_log] = compare(log_lines, r1_line, legacy_line);
    report("build log, per line", r1_log, legacy_log);
    std::printf("\nBy CPU time of the benchmark thread. By the wall clock: r1/old %.2fx on corpus lines, %.2fx on the "
                "build log.\n",
                wall_ratio(r1_corpus, legacy_corpus), wall_ratio(r1_log, legacy_log));
    std::printf("\n(sink %u)\n", sink);
    return 0;
}
