// The dry-run renderer and TOML escaping: whatever the app, region and image hold, the preview has
// exactly the expected lines and every value is one well-formed TOML basic string.
#include "fuzz/check.hpp"
#include "providers/fly/app_name.hpp"
#include "providers/fly/fly_toml.hpp"
#include "providers/toml.hpp"

#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

using r1::fuzz::check;

namespace {

/// A TOML basic string: opening quote, no raw control char or bare quote/backslash misuse, closing quote.
void check_basic_string(std::string_view s) {
    check(s.size() >= 2 && s.front() == '"' && s.back() == '"');
    for (std::size_t i = 1; i + 1 < s.size(); ++i) {
        auto c = static_cast<unsigned char>(s[i]);
        check(c >= 0x20 && c != 0x7F && c != '"');
        if (c == '\\') {
            ++i;
            check(i + 1 < s.size());
            char e = s[i];
            check(e == '"' || e == '\\' || e == 'n' || e == 't' || e == 'r' || e == 'u');
        }
    }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    std::string_view in{reinterpret_cast<const char*>(data), size};
    // Three fields separated by NUL bytes: app, region, image.
    auto a = in.find('\0');
    auto app = in.substr(0, a);
    auto rest = a == std::string_view::npos ? std::string_view{} : in.substr(a + 1);
    auto b = rest.find('\0');
    auto region = rest.substr(0, b);
    auto image = b == std::string_view::npos ? std::string_view{} : rest.substr(b + 1);

    check_basic_string(r1::providers::toml_string(in));
    // The CLI renders only valid app names; a valid one must survive escaping unchanged.
    std::string shown_app = r1::providers::fly::app_name_problem(app).empty() ? std::string(app) : "";
    auto preview = r1::providers::fly::render_fly_toml_preview(
        {.app = shown_app, .region = std::string(region), .image = std::string(image)});
    std::size_t lines = 0;
    for (char c : preview) lines += c == '\n';
    check(lines == 20);  // escaping never adds or removes a line
    if (!shown_app.empty()) check(preview.find("app = \"" + shown_app + "\"\n") != std::string::npos);
    return 0;
}
