#include "bench/legacy_classify.hpp"
#include "engine/classify/classify.hpp"

#include <catch2/catch.hpp>

#include <fstream>
#include <iostream>
#include <string>
#include <vector>

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
