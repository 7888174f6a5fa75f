#include "bench/legacy_classify.hpp"
#include "engine/classify/classify.hpp"

#include <catch2/catch.hpp>

#include <algorithm>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <map>
#include <set>
#include <string>
#include <string_view>
#include <vector>

// Measured at the last training (issue 12's notes, after the label audit): tuning 95.7% right and
// 0.9% unknown (a fit), holdout 85.8% right and 3.4% unknown. The floors below sit just under,
// to catch regressions.
#define R1_HOLDOUT_FLOOR 0.85

namespace {

struct labelled_line {
    std::string label, source, text;
    std::size_t line_no = 0;
};

std::vector<labelled_line> read_corpus() {
    std::ifstream in(std::string(R1_SOURCE_DIR) + "/tests/data/classify/corpus.tsv", std::ios::binary);
    std::vector<labelled_line> out;
    std::string line;
    for (std::size_t no = 1; std::getline(in, line); ++no) {
        if (line.empty() || line.front() == '#') continue;
        auto a = line.find('\t');
        auto b = a == std::string::npos ? a : line.find('\t', a + 1);
        labelled_line l;
        l.line_no = no;
        if (b == std::string::npos) {
            l.text = line;  // malformed: the checks below name it
        } else {
            l.label = line.substr(0, a);
            l.source = line.substr(a + 1, b - a - 1);
            l.text = line.substr(b + 1);
        }
        out.push_back(std::move(l));
    }
    return out;
}

}  // namespace

TEST_CASE("classify corpus: every line is labelled and sourced", "[engine][classify][corpus]") {
    auto corpus = read_corpus();
    CHECK(corpus.size() >= 150);
    for (const auto& l : corpus) {
        INFO("corpus.tsv:" << l.line_no << ": " << l.text);
        CHECK((l.label == "transient" || l.label == "permanent" || l.label == "unknown"));
        CHECK(!l.source.empty());
        CHECK(!l.text.empty());
    }
}

TEST_CASE("classify corpus: r1 gets at least 98% right, and beats the original list", "[engine][classify][corpus]") {
    auto corpus = read_corpus();
    REQUIRE(!corpus.empty());
    std::size_t r1_right = 0, legacy_right = 0;
    std::string misses;
    for (const auto& l : corpus) {
        auto v = r1::engine::classify(l.text);
        if (r1::engine::to_string(v.cls) == l.label) ++r1_right;
        else
            misses += "  corpus.tsv:" + std::to_string(l.line_no) + ": want " + l.label + ", got " +
                      std::string(r1::engine::to_string(v.cls)) + " (" + std::string(v.signal) + "): " + l.text + "\n";
        if (r1::engine::to_string(r1::bench::legacy_classify(l.text)) == l.label) ++legacy_right;
    }
    double n = static_cast<double>(corpus.size());
    double r1_accuracy = static_cast<double>(r1_right) / n;
    double legacy_accuracy = static_cast<double>(legacy_right) / n;
    std::cout << "classify corpus: " << corpus.size() << " lines; r1 " << r1_right << " right ("
              << r1_accuracy * 100 << "%), original substring list " << legacy_right << " right ("
              << legacy_accuracy * 100 << "%)\n";
    if (!misses.empty()) std::cout << "r1 misclassified:\n" << misses;
    INFO("r1 misclassified:\n" << misses);
    REQUIRE(r1_accuracy >= 0.98);
    CHECK(r1_accuracy > legacy_accuracy);
}

// ---- The real-world corpus (tests/data/classify/real/*.tsv, POLICY.md) -------------------------

namespace {

struct real_line {
    std::string label, family, source, evidence, text, file;
    std::size_t line_no = 0;
    bool holdout = false;
};

std::uint64_t fnv1a64(std::string_view s) {
    std::uint64_t h = 0xcbf29ce484222325ull;
    for (unsigned char c : s) h = (h ^ c) * 0x100000001b3ull;
    return h;
}

/// The thread a source URL belongs to, and whether it is in the holdout part: the split of
/// tests/data/classify/corpus.py (FNV-1a-64 of the URL without fragment or trailing '/', 0 mod 5).
std::string thread_of(std::string_view source) {
    auto t = source.substr(0, source.find('#'));
    while (!t.empty() && t.back() == '/') t.remove_suffix(1);
    return std::string(t);
}
bool holdout_thread(std::string_view source) { return fnv1a64(thread_of(source)) % 5 == 0; }

std::string unescape(std::string_view in) {
    std::string out;
    for (std::size_t i = 0; i < in.size(); ++i) {
        if (in[i] == '\\' && i + 1 < in.size() && (in[i + 1] == 'n' || in[i + 1] == 't' || in[i + 1] == '\\')) {
            out += in[i + 1] == 'n' ? '\n' : in[i + 1] == 't' ? '\t' : '\\';
            ++i;
        } else {
            out += in[i];
        }
    }
    return out;
}

std::vector<real_line> read_real_corpus(std::vector<std::string>& malformed) {
    namespace fs = std::filesystem;
    std::vector<fs::path> files;
    for (const auto& entry : fs::directory_iterator(std::string(R1_SOURCE_DIR) + "/tests/data/classify/real"))
        if (entry.path().extension() == ".tsv") files.push_back(entry.path());
    std::sort(files.begin(), files.end());
    std::vector<real_line> out;
    for (const auto& path : files) {
        std::ifstream in(path, std::ios::binary);
        std::string line;
        for (std::size_t no = 1; std::getline(in, line); ++no) {
            if (line.empty() || line.front() == '#') continue;
            std::vector<std::string> f;
            std::size_t start = 0;
            for (int k = 0; k < 4; ++k) {
                auto tab = line.find('\t', start);
                if (tab == std::string::npos) break;
                f.push_back(line.substr(start, tab - start));
                start = tab + 1;
            }
            std::string where = path.filename().string() + ":" + std::to_string(no);
            if (f.size() != 4) {
                malformed.push_back(where);
                continue;
            }
            real_line l{f[0], f[1], f[2], f[3], unescape(std::string_view(line).substr(start)), path.filename().string(), no};
            l.holdout = holdout_thread(l.source);
            out.push_back(std::move(l));
        }
    }
    return out;
}

struct score {
    std::size_t lines = 0, right = 0, unknown = 0;
    double accuracy() const { return lines ? static_cast<double>(right) / static_cast<double>(lines) : 0; }
    double unknown_rate() const { return lines ? static_cast<double>(unknown) / static_cast<double>(lines) : 0; }
};

}  // namespace

TEST_CASE("classify real corpus: every line is labelled, sourced and evidenced as POLICY.md says",
          "[engine][classify][corpus][real]") {
    std::vector<std::string> malformed;
    auto corpus = read_real_corpus(malformed);
    CHECK(malformed.empty());
    CHECK(corpus.size() >= 1000);
    std::set<std::string> threads;
    for (const auto& l : corpus) {
        INFO(l.file << ":" << l.line_no);
        CHECK((l.label == "transient" || l.label == "permanent"));
        CHECK(!l.family.empty());
        CHECK(l.source.starts_with("https://"));
        CHECK((l.evidence.starts_with("retry-ok:") || l.evidence.starts_with("human-fix:") ||
               l.evidence.starts_with("source:") || l.evidence.starts_with("policy:")));
        CHECK(!l.text.empty());
        threads.insert(thread_of(l.source));
    }
    // The split is corpus.py's: the same hash, the same threads.
    CHECK(fnv1a64("https://github.com/superfly/flyctl/issues/21") == 0xab80515e2a8ee565ull);
    CHECK(!holdout_thread("https://github.com/superfly/flyctl/issues/21"));
    CHECK(holdout_thread("https://github.com/basecamp/kamal/issues/1139#issuecomment-1"));
    std::size_t holdout_threads = 0;
    for (const auto& t : threads) holdout_threads += holdout_thread(t);
    CHECK(holdout_threads * 100 >= threads.size() * 15);  // about a fifth of the threads
    CHECK(holdout_threads * 100 <= threads.size() * 25);
}

// The model compiled into r1 was trained on the tuning part (train_model.py), so the tuning figure
// is a fit; the holdout part was never used to choose a rule or setting, and only its aggregate
// figures are printed here (its lines were read once, in the label audit of issue 12, which
// looked at no verdict of the classifier). The floors are the figures measured when the model was
// last trained (tests/data/classify/evaluate.py and issue 12's notes), less a small margin: they
// catch a regression. Issue 12's target is 95% accuracy and at most 3% unknown on data never
// used for tuning; the holdout figure is below it (see the note).
TEST_CASE("classify real corpus: accuracy and unknown rate through the real code", "[engine][classify][corpus][real]") {
    std::vector<std::string> malformed;
    auto corpus = read_real_corpus(malformed);
    REQUIRE(corpus.size() >= 1000);
    score tuning, holdout;
    std::map<std::string, score> holdout_by_family;
    std::string tuning_misses;
    for (const auto& l : corpus) {
        auto v = r1::engine::classify(l.text);
        bool right = r1::engine::to_string(v.cls) == l.label;
        bool unknown = v.cls == r1::engine::failure_class::unknown;
        auto& s = l.holdout ? holdout : tuning;
        ++s.lines;
        s.right += right;
        s.unknown += unknown;
        if (l.holdout) {
            auto& f = holdout_by_family[l.family];
            ++f.lines;
            f.right += right;
            f.unknown += unknown;
        } else if (!right) {
            tuning_misses += "  " + l.file + ":" + std::to_string(l.line_no) + ": want " + l.label + ", got " +
                             std::string(r1::engine::to_string(v.cls)) + " (" + std::string(v.signal) + ")\n";
        }
    }
    std::cout << "classify real corpus: tuning " << tuning.right << "/" << tuning.lines << " right ("
              << tuning.accuracy() * 100 << "%), " << tuning.unknown << " unknown; holdout " << holdout.right << "/"
              << holdout.lines << " right (" << holdout.accuracy() * 100 << "%), " << holdout.unknown << " unknown ("
              << holdout.unknown_rate() * 100 << "%)\n";
    for (const auto& [family, s] : holdout_by_family)
        std::cout << "  holdout " << family << ": " << s.right << "/" << s.lines << " right, " << s.unknown
                  << " unknown\n";
    INFO("tuning misses:\n" << tuning_misses);
    CHECK(tuning.accuracy() >= 0.95);
    CHECK(tuning.unknown_rate() <= 0.015);
    CHECK(holdout.lines >= 150);
    CHECK(holdout.accuracy() >= R1_HOLDOUT_FLOOR);
    CHECK(holdout.unknown_rate() <= 0.04);
}
