#include "engine/classify/classify.hpp"

#include "engine/classify/decide.hpp"

#include <cmath>

namespace r1::engine {
namespace {

std::uint64_t budget_ms(const classify_options& options) noexcept {
    auto ms = options.retry_budget.count();
    return ms < 0 ? 0 : static_cast<std::uint64_t>(ms);
}

}  // namespace

namespace classify_decide {

decision decide(std::string_view text, const classify_scan::outcome& rules, const classify_model::weights& model) noexcept {
    using classify_rules::tier;
    decision d;
    const verdict by_rule = rules.level == tier::none
                                ? verdict{}
                                : verdict{classify_rules::class_of(rules.level), rules.signal, rules.where};
    if (classify_rules::decisive(rules.level)) {
        d.result = by_rule;
        d.by = decided_by::rule;
        return d;
    }
    if (rules.cue) {
        d.model_consulted = true;
        d.score = classify_model::score(text, rules.fired_signals(), model);
        d.probability = classify_model::probability(d.score.logit);
        // Against a transient- or permanent-tier rule the model must be sure: those rules state
        // POLICY.md's reading of the text, which a lean of the model does not overturn.
        bool against_rule = rules.level == tier::transient || rules.level == tier::permanent;
        float margin = against_rule ? model.override_margin : model.margin;
        if (d.score.occurrences > 0 && std::fabs(d.probability - 0.5f) >= margin) {
            auto cls = d.probability >= 0.5f ? failure_class::transient : failure_class::permanent;
            d.by = decided_by::model;
            // A weaker rule that agrees names the signal: "not-found" says more than "model".
            if (by_rule.cls == cls) {
                d.result = by_rule;
            } else {
                std::size_t at = d.score.top_at < text.size() ? d.score.top_at : 0;
                d.result = verdict{cls, "model", at};
            }
            return d;
        }
    }
    d.result = by_rule;
    d.by = rules.level == tier::none ? decided_by::nothing : decided_by::rule_model_unsure;
    return d;
}

}  // namespace classify_decide

verdict classify(std::string_view text) noexcept { return classify(text, classify_options{}); }

verdict classify(std::string_view text, const classify_options& options) noexcept {
    auto rules = classify_scan::scan(text, budget_ms(options));
    return classify_decide::decide(text, rules, classify_model::trained).result;
}

std::string_view to_string(failure_class cls) noexcept {
    switch (cls) {
    case failure_class::transient: return "transient";
    case failure_class::permanent: return "permanent";
    case failure_class::unknown: break;
    }
    return "unknown";
}

namespace detail {
verdict classify_counted(std::string_view text, std::size_t& steps) noexcept {
    steps = 0;
    auto rules = classify_scan::scan_counted(text, budget_ms(classify_options{}), steps);
    auto d = classify_decide::decide(text, rules, classify_model::trained);
    // The model reads each byte once more, and each line start's level words once more.
    if (d.model_consulted) steps += 2 * text.size();
    return d.result;
}
}  // namespace detail

}  // namespace r1::engine
