#include "engine/classify/classify.hpp"

#include "engine/classify/decide.hpp"

#include <algorithm>
#include <cmath>
#include <map>
#include <utility>

namespace r1::engine {
namespace {

using classify_rules::tier;

class collect_hits final : public classify_scan::hit_sink {
public:
    std::vector<explanation::rule_match> hits;
    void hit(const classify_scan::rule_hit& h) override {
        hits.push_back({h.signal, classify_rules::class_of(h.level), static_cast<int>(h.level), h.where, h.aside});
    }
};

std::string_view kind_name(classify_model::feature_kind k) {
    switch (k) {
    case classify_model::feature_kind::word: return "word";
    case classify_model::feature_kind::pair: return "pair";
    case classify_model::feature_kind::gram: return "grams";
    case classify_model::feature_kind::signal: break;
    }
    return "signal";
}

std::string lowered(std::string_view text, std::size_t begin, std::size_t end) {
    constexpr std::size_t max_shown = 60;
    std::string out;
    for (std::size_t i = begin; i < end && i < text.size() && out.size() < max_shown; ++i) {
        char c = text[i];
        out += c >= 'A' && c <= 'Z' ? static_cast<char>(c | 0x20) : c;
    }
    return out;
}

/// The model's features of `text` with their shares of the logit, strongest first: the same
/// features classify_model::score adds up, grouped by what they stand for.
std::vector<explanation::weighed_feature> weigh(std::string_view text, const classify_scan::outcome& rules,
                                                const classify_model::weights& m) {
    std::vector<classify_model::feature> found[2];
    classify_model::for_each_feature(text, [&](const classify_model::feature& f) { found[f.aside].push_back(f); });
    auto& used = found[0].empty() ? found[1] : found[0];
    for (auto signal : rules.fired_signals()) used.push_back(classify_model::signal_feature(signal));
    if (used.empty()) return {};
    double norm = m.scale / std::sqrt(static_cast<double>(used.size()));
    std::map<std::pair<std::string_view, std::string>, double> shares;
    std::size_t signal_k = 0;
    for (const auto& f : used) {
        std::string what = f.kind == classify_model::feature_kind::signal
                               ? std::string(rules.fired_signals()[signal_k++])
                               : lowered(text, f.begin, f.end);
        shares[{kind_name(f.kind), what}] += norm * m.w[f.index];
    }
    std::vector<explanation::weighed_feature> out;
    for (auto& [key, weight] : shares)
        if (weight != 0) out.push_back({key.first, key.second, weight});
    std::stable_sort(out.begin(), out.end(),
                     [](const auto& a, const auto& b) { return std::fabs(a.weight) > std::fabs(b.weight); });
    constexpr std::size_t max_features = 12;
    if (out.size() > max_features) out.resize(max_features);
    return out;
}

}  // namespace

explanation explain(std::string_view text, const classify_options& options) {
    collect_hits hits;
    auto ms = options.retry_budget.count();
    auto rules = classify_scan::scan_traced(text, ms < 0 ? 0 : static_cast<std::uint64_t>(ms), hits);
    const auto& model = classify_model::trained;
    auto d = classify_decide::decide(text, rules, model);
    explanation e;
    e.result = d.result;
    e.rules = std::move(hits.hits);
    e.model_consulted = d.model_consulted;
    e.probability = d.probability;
    e.margin = model.margin;
    e.override_margin = model.override_margin;
    switch (d.by) {
    case classify_decide::decided_by::nothing: e.decided_by = "nothing"; break;
    case classify_decide::decided_by::rule: e.decided_by = "rule"; break;
    case classify_decide::decided_by::model: e.decided_by = "model"; break;
    case classify_decide::decided_by::rule_model_unsure: e.decided_by = "rule (model unsure)"; break;
    }
    if (d.model_consulted) e.features = weigh(text, rules, model);
    return e;
}

}  // namespace r1::engine
