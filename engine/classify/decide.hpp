#pragma once
/// How engine/classify combines its layers: a decisive rule, else the model when confident, else a
/// weaker rule. Internal to engine/classify, and shared with tests/tools/classify_harness.cpp,
/// which decides with a model under training instead of the compiled-in one.
#include "engine/classify/classify.hpp"
#include "engine/classify/model_score.hpp"
#include "engine/classify/scan.hpp"

#include <string_view>

namespace r1::engine::classify_decide {

enum class decided_by { nothing, rule, model, rule_model_unsure };

struct decision {
    verdict result;
    decided_by by = decided_by::nothing;
    bool model_consulted = false;
    classify_model::model_score score;
    float probability = 0.5f;
};

/// Decides on `text` given its rule outcome (classify_scan::scan) and a model.
decision decide(std::string_view text, const classify_scan::outcome& rules, const classify_model::weights& model) noexcept;

}  // namespace r1::engine::classify_decide
