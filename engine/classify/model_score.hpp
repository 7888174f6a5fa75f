#pragma once
/// Scores a text with a trained model (engine/classify/model.hpp). Internal to engine/classify.
#include "engine/classify/model.hpp"

#include <cstddef>
#include <span>
#include <string_view>

namespace r1::engine::classify_model {

struct model_score {
    float logit = 0;                                // > 0 leans transient
    std::size_t occurrences = 0;                    // feature occurrences scored (0: nothing to go on)
    std::size_t top_at = std::string_view::npos;    // start of the word that pushed hardest toward the verdict
};

/// The model's logit for `text`, given the rule signals that fired in it. Linear, no allocation.
model_score score(std::string_view text, std::span<const std::string_view> signals, const weights& m) noexcept;

/// 1 / (1 + e^-logit): the probability that the failure is transient.
float probability(float logit) noexcept;

}  // namespace r1::engine::classify_model
