#include "providers/image_ref.hpp"

#include "engine/text/text.hpp"

#include <algorithm>

namespace r1::providers {
namespace {

bool image_char(char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' || c == '_' ||
           c == '-' || c == '/' || c == ':' || c == '@';
}

}  // namespace

std::string image_problem(std::string_view image) {
    using engine::quoted;
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
