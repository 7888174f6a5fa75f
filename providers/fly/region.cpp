#include "providers/fly/region.hpp"

#include "engine/text/text.hpp"

#include <algorithm>

namespace r1::providers::fly {

std::string region_problem(std::string_view region) {
    auto lower_alnum = [](char c) { return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9'); };
    if (region.empty()) return "region cannot be empty";
    if (region.size() > max_region_length || !std::all_of(region.begin(), region.end(), lower_alnum))
        return "invalid region " + engine::quoted(region) +
               ": use a region code such as iad or fra (lowercase letters and digits)";
    return {};
}

}  // namespace r1::providers::fly
