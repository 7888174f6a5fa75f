#include "cli/classify_command.hpp"

#include "cli/ndjson.hpp"

#include "engine/classify/classify.hpp"
#include "engine/text/duration.hpp"
#include "engine/redact/redact.hpp"
#include "engine/text/text.hpp"

#include <boost/json/array.hpp>
#include <boost/json/object.hpp>
#include <boost/json/serialize.hpp>

#include <cstdio>
#include <istream>
#include <ostream>
#include <string>

namespace r1::cli {
namespace {

using engine::failure_class;

constexpr std::size_t max_input = 64 * 1024 * 1024;  // a whole-text verdict holds its input in memory
constexpr std::size_t max_line = 1024 * 1024;        // longer lines are judged on their first MiB

constexpr std::string_view help_text = R"(Usage: r1 classify [--lines] [--explain] [--retry-budget DURATION] [--output text|json] [TEXT...]

Says whether a failure message is worth retrying. Reads TEXT (the arguments, joined by spaces) or,
without TEXT, standard input: one line or a whole stderr tail.

  --lines                  one verdict per input line instead of one for the whole text
  --explain                also say why: the rules that matched, and the model's probability
                           and strongest features when it was asked
  --retry-budget DURATION  a retry window in the text ("try again in 2h", Retry-After) longer
                           than this is permanent (default 10m, as r1 deploy's)
  --output FORMAT          text (default): "CLASS SIGNAL"; json: {"class":..,"signal":..,"where":..}
                           per verdict, one JSON object per line
  -h, --help               this help

Exit: 0 transient (retry can help), 1 permanent (surface it), 2 unknown or usage error.
With --lines: 1 if any line is permanent, else 0 if any is transient, else 2.
)";

struct options {
    bool lines = false;
    bool json = false;
    bool explain = false;
    engine::classify_options classify;
    std::string text;
    bool has_text = false;
};

int exit_for(failure_class c) {
    switch (c) {
    case failure_class::transient: return 0;
    case failure_class::permanent: return 1;
    case failure_class::unknown: break;
    }
    return 2;
}

std::string_view tier_name(int tier) {
    switch (tier) {
    case 0: return "decisive permanent";
    case 1: return "decisive transient";
    case 2: return "transient";
    case 3: return "permanent";
    default: return "weak transient";
    }
}

/// Input text as it may be shown: control bytes escaped, secrets masked.
std::string shown(std::string_view text) { return engine::process_redactor().scrub(engine::printable(text, true)); }

std::string number(double x, const char* format) {
    char buf[32];
    std::snprintf(buf, sizeof buf, format, x);
    return buf;
}

void print_json_explanation(boost::json::object& o, const engine::explanation& e) {
    o["decided_by"] = e.decided_by;
    boost::json::array rules;
    for (const auto& r : e.rules)
        rules.push_back(boost::json::object{{"signal", r.signal},
                                            {"class", engine::to_string(r.cls)},
                                            {"tier", tier_name(r.tier)},
                                            {"where", r.where},
                                            {"aside", r.aside}});
    o["rules"] = std::move(rules);
    boost::json::object model;
    model["consulted"] = e.model_consulted;
    if (e.model_consulted) {
        model["probability"] = e.probability;
        model["margin"] = e.margin;
        model["override_margin"] = e.override_margin;
        boost::json::array features;
        for (const auto& f : e.features)
            features.push_back(boost::json::object{{"kind", f.kind}, {"text", shown(f.text)}, {"weight", f.weight}});
        model["features"] = std::move(features);
    }
    o["model"] = std::move(model);
}

void print_text_explanation(std::ostream& out, const engine::explanation& e) {
    out << "  decided by: " << e.decided_by << '\n';
    if (e.rules.empty()) out << "  rules: none matched\n";
    for (const auto& r : e.rules)
        out << "  rule: " << r.signal << " (" << tier_name(r.tier) << ") at byte " << r.where
            << (r.aside ? " on a warning line" : "") << '\n';
    if (!e.model_consulted) {
        out << "  model: not asked (" << (e.decided_by == "rule" ? "a decisive rule decided" : "no failure cue")
            << ")\n";
        return;
    }
    out << "  model: p(transient) = " << number(e.probability, "%.3f") << "; it speaks at |p - 0.5| >= "
        << number(e.margin, "%.2f") << ", against a rule at >= " << number(e.override_margin, "%.2f") << '\n';
    for (const auto& f : e.features)
        out << "    " << number(f.weight, "%+.3f") << ' ' << f.kind << " \"" << shown(f.text) << "\"\n";
}

void print(std::ostream& out, const options& opt, std::string_view text, std::size_t line_no,
           engine::verdict& v) {
    engine::explanation e;
    if (opt.explain) {
        e = engine::explain(text, opt.classify);
        v = e.result;
    } else {
        v = engine::classify(text, opt.classify);
    }
    if (opt.json) {
        boost::json::object o;
        if (line_no) o["line"] = line_no;
        o["class"] = engine::to_string(v.cls);
        o["signal"] = v.signal;
        if (v.where == std::string_view::npos)
            o["where"] = nullptr;
        else
            o["where"] = v.where;
        if (opt.explain) print_json_explanation(o, e);
        o["schema"] = output_schema;  // schemas/classify.schema.json
        out << boost::json::serialize(o) << '\n';
        return;
    }
    if (line_no) out << line_no << ' ';
    out << engine::to_string(v.cls) << ' ' << (v.signal.empty() ? std::string_view("-") : v.signal) << '\n';
    if (opt.explain) print_text_explanation(out, e);
}

}  // namespace

std::string_view classify_help() { return help_text; }

int run_classify(const std::vector<std::string_view>& args, std::istream& in, std::ostream& out, std::ostream& err) {
    options opt;
    for (std::size_t i = 0; i < args.size(); ++i) {
        auto a = args[i];
        if (a == "-h" || a == "--help") {
            out << help_text;
            return 0;
        }
        if (a == "--lines") {
            opt.lines = true;
        } else if (a == "--explain") {
            opt.explain = true;
        } else if (a == "--retry-budget" || a.starts_with("--retry-budget=")) {
            std::string_view v = a.size() > 14 ? a.substr(15) : (i + 1 < args.size() ? args[++i] : "");
            auto d = engine::parse_duration(v);
            if (!d) {
                err << "r1: error: --retry-budget takes a duration such as 10m or 1h30m, got "
                    << engine::process_redactor().scrub(engine::quoted(v)) << '\n';
                return 2;
            }
            opt.classify.retry_budget = *d;
        } else if (a == "--output" || a.starts_with("--output=")) {
            std::string_view v = a.size() > 8 ? a.substr(9) : (i + 1 < args.size() ? args[++i] : "");
            if (v != "text" && v != "json") {
                err << "r1: error: --output takes text or json\n";
                return 2;
            }
            opt.json = v == "json";
        } else if (a == "--") {
            for (++i; i < args.size(); ++i) {
                if (opt.has_text) opt.text += ' ';
                opt.text += args[i];
                opt.has_text = true;
            }
        } else if (a.starts_with("-") && a.size() > 1) {
            err << "r1: error: unknown flag "
                << engine::process_redactor().scrub(engine::printable(a.substr(0, 64), true))
                << " (see r1 classify --help)\n";
            return 2;
        } else {
            if (opt.has_text) opt.text += ' ';
            opt.text += a;
            opt.has_text = true;
        }
    }

    if (opt.lines) {
        // Streams the input: memory stays bounded however long the log is.
        bool any_transient = false, any_permanent = false;
        std::size_t line_no = 0;
        auto judge = [&](std::string_view line) {
            engine::verdict v;
            print(out, opt, line.substr(0, max_line), ++line_no, v);
            any_transient |= v.cls == failure_class::transient;
            any_permanent |= v.cls == failure_class::permanent;
        };
        if (opt.has_text) {
            std::string_view rest = opt.text;
            while (!rest.empty()) {
                auto nl = rest.find('\n');
                judge(rest.substr(0, nl));
                rest = nl == std::string_view::npos ? std::string_view{} : rest.substr(nl + 1);
            }
        } else {
            for (std::string line; std::getline(in, line);) judge(line);
        }
        return any_permanent ? 1 : any_transient ? 0 : 2;
    }

    if (!opt.has_text) {
        std::string chunk(64 * 1024, '\0');
        while (in.read(chunk.data(), static_cast<std::streamsize>(chunk.size())) || in.gcount() > 0) {
            opt.text.append(chunk.data(), static_cast<std::size_t>(in.gcount()));
            if (opt.text.size() > max_input) {
                err << "r1: error: input is larger than 64 MiB; use --lines to judge it line by line\n";
                return 2;
            }
        }
    }
    engine::verdict v;
    print(out, opt, opt.text, 0, v);
    return exit_for(v.cls);
}

}  // namespace r1::cli
