#include "cli/classify_command.hpp"

#include "engine/classify/classify.hpp"
#include "engine/redact.hpp"
#include "engine/text.hpp"

#include <boost/json/object.hpp>
#include <boost/json/serialize.hpp>

#include <istream>
#include <ostream>
#include <string>

namespace r1::cli {
namespace {

using engine::failure_class;

constexpr std::size_t max_input = 64 * 1024 * 1024;  // a whole-text verdict holds its input in memory
constexpr std::size_t max_line = 1024 * 1024;        // longer lines are judged on their first MiB

constexpr std::string_view help_text = R"(Usage: r1 classify [--lines] [--output text|json] [TEXT...]

Says whether a failure message is worth retrying. Reads TEXT (the arguments, joined by spaces) or,
without TEXT, standard input.

  --lines           one verdict per input line instead of one for the whole text
  --output FORMAT   text (default): "CLASS SIGNAL"; json: {"class":..,"signal":..,"where":..}
                    per verdict, one JSON object per line
  -h, --help        this help

Exit: 0 transient (retry can help), 1 permanent (surface it), 2 unknown or usage error.
With --lines: 1 if any line is permanent, else 0 if any is transient, else 2.
)";

struct options {
    bool lines = false;
    bool json = false;
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

void print(std::ostream& out, const options& opt, const engine::verdict& v, std::size_t line_no) {
    if (opt.json) {
        boost::json::object o;
        if (line_no) o["line"] = line_no;
        o["class"] = engine::to_string(v.cls);
        o["signal"] = v.signal;
        if (v.where == std::string_view::npos)
            o["where"] = nullptr;
        else
            o["where"] = v.where;
        out << boost::json::serialize(o) << '\n';
        return;
    }
    if (line_no) out << line_no << ' ';
    out << engine::to_string(v.cls) << ' ' << (v.signal.empty() ? std::string_view("-") : v.signal) << '\n';
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
            auto v = engine::classify(line.substr(0, max_line));
            print(out, opt, v, ++line_no);
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
    auto v = engine::classify(opt.text);
    print(out, opt, v, 0);
    return exit_for(v.cls);
}

}  // namespace r1::cli
