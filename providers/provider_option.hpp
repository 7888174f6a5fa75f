#pragma once
/// What a provider declares without any event loop: its own settings and the token formats it
/// documents. The settings table (cli/settings) and the redactor read these.
#include <string_view>

namespace r1::providers {

/// How a provider option's value is written; the settings table checks it by the same rules (and in
/// the same words) as r1's own settings of that kind, and keeps it as text in deploy_config::options.
enum class option_kind {
    text,      // a non-empty string ("team-a")
    duration,  // "15s", "2m": kept as written, read back with engine::parse_duration
    count,     // a whole number from `min` to `max`, kept in decimal
    on,        // a switch: no value on the command line, true/false in a manifest; kept as "true"
};

/// A setting only one provider takes (its CLI's path, a Vercel scope, a Kamal destination): one
/// flag and one manifest key, kept in deploy_config::options under `key`.
struct provider_option {
    std::string_view flag;        // "--flyctl"
    std::string_view key;         // "flyctl"
    std::string_view value_name;  // "PATH", for --help ("" for a switch)
    std::string_view help;        // for --help; a line break starts an indented continuation
    option_kind kind = option_kind::text;
    unsigned min = 0;  // a count's range
    unsigned max = 0;
};

/// A token format the provider documents: `prefix` followed by at least the redactor's minimum of
/// token characters (fly.io's `fm2_...`). The redactor masks every registered format.
struct token_format {
    std::string_view prefix;
};

}  // namespace r1::providers
