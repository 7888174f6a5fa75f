#pragma once
/// Container image references, as `--image` and a manifest's `image` give them: checked before
/// anything runs, so a typo is a one-line usage error rather than a CLI failure minutes into a build.
#include <string>
#include <string_view>

namespace r1::providers {

inline constexpr std::size_t max_image_length = 512;

/// Why `image` is not an image reference (registry/name:tag or @sha256:digest), in one line; ""
/// when it could be one. Only the character set and shape are checked: the registry decides the rest.
/// `what` names the setting in the message ("--image": `invalid --image "..."`).
std::string image_problem(std::string_view image, std::string_view what = "image");

}  // namespace r1::providers
