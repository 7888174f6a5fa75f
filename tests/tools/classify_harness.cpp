// The classifier as tests/data/classify/train_model.py and evaluate.py drive it: reads one text a
// line on stdin (escaped as tests/data/classify/POLICY.md writes them: \n, \t, \\) and prints,
// per text, either its model features or its verdict under a given model. The model features are
// computed here, by the same code r1 runs, so training never re-implements them.
//
//   classify_harness features [--budget-ms N] [--kinds wpgs]
//       tier<TAB>signal<TAB>cue<TAB>feature indices (space-separated, repeats kept)
//   classify_harness classify --weights FILE [--budget-ms N]
//       class<TAB>signal<TAB>decided-by<TAB>p(transient)<TAB>rule tier
//
// FILE: "bias scale margin override_margin" on the first line, then classify_model::feature_count integers in
// [-127, 127]. Exit 2 on bad arguments or a bad weights file.
#include "engine/classify/decide.hpp"
#include "engine/classify/model.hpp"

#include <cstdio>
#include <fstream>
#include <iostream>
#include <string>
#include <vector>

namespace {

using namespace r1::engine;

std::string unescape(const std::string& in) {
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

int tier_number(classify_rules::tier t) { return t == classify_rules::tier::none ? -1 : static_cast<int>(t); }

/// Feature kinds to keep ("wpgs": words, pairs, grams, signals), for experiments.
std::string kinds = "wpgs";

bool kept(classify_model::feature_kind k) {
    char c = k == classify_model::feature_kind::word   ? 'w'
             : k == classify_model::feature_kind::pair ? 'p'
             : k == classify_model::feature_kind::gram ? 'g'
                                                       : 's';
    return kinds.find(c) != std::string::npos;
}

int features(std::uint64_t budget_ms) {
    for (std::string line; std::getline(std::cin, line);) {
        auto text = unescape(line);
        auto rules = classify_scan::scan(text, budget_ms);
        std::vector<std::uint32_t> side[2];
        classify_model::for_each_feature(text, [&](const classify_model::feature& f) {
            if (kept(f.kind)) side[f.aside].push_back(f.index);
        });
        auto& used = side[0].empty() ? side[1] : side[0];
        if (kept(classify_model::feature_kind::signal))
            for (auto s : rules.fired_signals()) used.push_back(classify_model::signal_feature(s).index);
        std::cout << tier_number(rules.level) << '\t' << rules.signal << '\t' << rules.cue << '\t';
        for (std::size_t k = 0; k < used.size(); ++k) std::cout << (k ? " " : "") << used[k];
        std::cout << '\n';
    }
    return 0;
}

int classify_with(const std::string& path, std::uint64_t budget_ms) {
    std::ifstream in(path);
    classify_model::weights m;
    std::vector<std::int8_t> w(classify_model::feature_count);
    if (!(in >> m.bias >> m.scale >> m.margin >> m.override_margin)) return std::fprintf(stderr, "classify_harness: bad weights header\n"), 2;
    for (auto& x : w) {
        int v = 0;
        if (!(in >> v) || v < -127 || v > 127) return std::fprintf(stderr, "classify_harness: bad weights\n"), 2;
        x = static_cast<std::int8_t>(v);
    }
    m.w = w.data();
    for (std::string line; std::getline(std::cin, line);) {
        auto text = unescape(line);
        auto rules = classify_scan::scan(text, budget_ms);
        auto d = classify_decide::decide(text, rules, m);
        const char* by = d.by == classify_decide::decided_by::rule    ? "rule"
                         : d.by == classify_decide::decided_by::model ? "model"
                         : d.by == classify_decide::decided_by::rule_model_unsure ? "rule-unsure"
                                                                                  : "nothing";
        std::cout << to_string(d.result.cls) << '\t' << d.result.signal << '\t' << by << '\t' << d.probability << '\t'
                  << tier_number(rules.level) << '\n';
    }
    return 0;
}

}  // namespace

int main(int argc, char** argv) {
    std::vector<std::string> args(argv + 1, argv + argc);
    std::uint64_t budget_ms = 600'000;
    std::string weights_path;
    for (std::size_t i = 1; i < args.size(); ++i) {
        if (args[i] == "--budget-ms" && i + 1 < args.size()) budget_ms = std::stoull(args[++i]);
        else if (args[i] == "--weights" && i + 1 < args.size()) weights_path = args[++i];
        else if (args[i] == "--kinds" && i + 1 < args.size()) kinds = args[++i];
        else return std::fprintf(stderr, "classify_harness: unknown argument %s\n", args[i].c_str()), 2;
    }
    std::ios::sync_with_stdio(false);
    if (!args.empty() && args[0] == "features") return features(budget_ms);
    if (!args.empty() && args[0] == "classify" && !weights_path.empty()) return classify_with(weights_path, budget_ms);
    std::fprintf(stderr, "usage: classify_harness features | classify --weights FILE [--budget-ms N]\n");
    return 2;
}
