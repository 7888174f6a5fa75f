#include "cli/browser_output.hpp"

#include "engine/text/text.hpp"

#include <boost/json/array.hpp>

#include <cmath>
#include <cstdint>

namespace r1::cli {

namespace json = boost::json;

json::object browser_json(const proc::browser::page_report& r) {
    const auto& f = r.findings;
    json::object o;
    o["ok"] = r.passed();
    o["line"] = engine::printable(r.line, true);
    o["console_errors"] = f.console_errors;
    json::array console;
    for (const auto& e : f.console) {
        json::object c{{"kind", e.kind}, {"text", e.text}};
        if (!e.source.empty()) c["source"] = e.source;
        if (e.line > 0) c["line"] = e.line;
        if (e.column > 0) c["column"] = e.column;
        console.push_back(std::move(c));
    }
    o["console"] = std::move(console);
    o["failed_request_count"] = f.failed_request_count;
    json::array failed;
    for (const auto& q : f.failed_requests) {
        json::object c{{"url", q.url}, {"type", q.type}};
        if (q.status > 0) c["status"] = q.status;
        if (!q.error.empty()) c["error"] = q.error;
        failed.push_back(std::move(c));
    }
    o["failed_requests"] = std::move(failed);
    json::array refused;
    for (const auto& s : f.refused) refused.push_back(json::string(s));
    o["refused"] = std::move(refused);
    json::object timings;
    // Whole milliseconds: Boost.JSON would write 47.8 as 4.78E1.
    auto ms = [](double v) { return static_cast<std::int64_t>(std::llround(v)); };
    if (f.timings.ttfb_ms) timings["ttfb_ms"] = ms(*f.timings.ttfb_ms);
    if (f.timings.dom_content_loaded_ms) timings["dom_content_loaded_ms"] = ms(*f.timings.dom_content_loaded_ms);
    if (f.timings.load_ms) timings["load_ms"] = ms(*f.timings.load_ms);
    o["timings"] = std::move(timings);
    o["loaded"] = f.loaded;
    o["network_idle"] = f.network_idle;
    if (!f.final_url.empty()) o["final_url"] = f.final_url;
    if (!f.screenshot.empty()) o["screenshot"] = engine::printable(f.screenshot, true);
    json::array causes;  // the lines JUnit and the text output show: r1 report merge rebuilds JUnit from them
    for (const auto& c : r.causes) causes.push_back(json::string(engine::printable(c, true)));
    o["causes"] = std::move(causes);
    o["browser_restarts"] = r.browser_restarts;
    o["duration_ms"] = r.duration.count();
    return o;
}

std::string browser_causes_block(const proc::browser::page_report& r, std::size_t max_lines) {
    std::string out;
    std::size_t n = 0;
    for (const auto& c : r.causes) {
        if (n++ == max_lines) {
            out += "  | ... " + std::to_string(r.causes.size() - max_lines) + " more\n";
            break;
        }
        out += "  | " + engine::printable(c, true) + "\n";
    }
    return out;
}

}  // namespace r1::cli
