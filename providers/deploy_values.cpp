#include "providers/deploy_values.hpp"

#include "engine/text.hpp"

#include <algorithm>

namespace r1::providers {
namespace {

using engine::quoted;

bool lower_alnum(char c) { return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9'); }

bool image_char(char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' || c == '_' ||
           c == '-' || c == '/' || c == ':' || c == '@';
}

}  // namespace

std::string region_problem(std::string_view region) {
    if (region.empty()) return "region cannot be empty";
    if (region.size() > max_region_length || !std::all_of(region.begin(), region.end(), lower_alnum))
        return "invalid region " + quoted(region) + ": use a region code such as iad or fra (lowercase letters and digits)";
    return {};
}

std::string image_problem(std::string_view image) {
    if (image.size() > max_image_length)
        return "image reference " + quoted(image) + " is longer than " + std::to_string(max_image_length) + " bytes";
    // A leading dash would read as a flag to the provider's CLI.
    if (image.empty() || !std::all_of(image.begin(), image.end(), image_char) || image.front() == '-' ||
        image.front() == '/' || image.front() == ':' || image.front() == '@' || image.back() == '/' ||
        image.back() == ':' || image.back() == '@' || image.find("//") != std::string_view::npos ||
        std::count(image.begin(), image.end(), '@') > 1)
        return "invalid image " + quoted(image) +
               ": use an image reference like registry.fly.io/app:tag or name@sha256:<digest>";
    return {};
}

}  // namespace r1::providers
