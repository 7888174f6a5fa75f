#include "engine/classify/model_score.hpp"

#include <cmath>

namespace r1::engine::classify_model {

model_score score(std::string_view text, std::span<const std::string_view> signals, const weights& m) noexcept {
    // Sums and counts for the main lines [0] and the asides [1]; the asides count only when the
    // text has nothing else (a warning alone is still all there is to go on).
    std::array<float, 2> sum{};
    std::array<std::size_t, 2> count{};
    // The word that pushed hardest each way, per side: where the verdict points to.
    struct word_push {
        float best_up = 0, best_down = 0;
        std::size_t up_at = std::string_view::npos, down_at = std::string_view::npos;
        float current = 0;
        std::size_t current_at = std::string_view::npos;
        void close() noexcept {
            if (current > best_up) best_up = current, up_at = current_at;
            if (current < best_down) best_down = current, down_at = current_at;
            current = 0;
        }
    };
    std::array<word_push, 2> push{};
    for_each_feature(text, [&](const feature& f) {
        float w = static_cast<float>(m.w[f.index]);
        sum[f.aside] += w;
        ++count[f.aside];
        if (f.kind == feature_kind::pair) return;
        auto& p = push[f.aside];
        if (f.begin != p.current_at) {
            p.close();
            p.current_at = f.begin;
        }
        p.current += w;
    });
    push[0].close();
    push[1].close();
    std::size_t side = count[0] > 0 ? 0 : 1;
    float total = sum[side];
    std::size_t n = count[side];
    for (auto signal : signals) {
        total += static_cast<float>(m.w[signal_feature(signal).index]);
        ++n;
    }
    model_score r;
    r.occurrences = n;
    if (n == 0) return r;
    r.logit = m.bias + m.scale * total / std::sqrt(static_cast<float>(n));
    r.top_at = r.logit >= 0 ? push[side].up_at : push[side].down_at;
    return r;
}

float probability(float logit) noexcept { return 1.0f / (1.0f + std::exp(-logit)); }

}  // namespace r1::engine::classify_model
