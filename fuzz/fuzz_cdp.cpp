// The DevTools pipe's bytes as Chromium sends them: framing never crashes or loses a message, any
// message sequence leaves the page's findings bounded and printable, and the verdict is one line.
#include "fuzz/check.hpp"
#include "proc/browser/cdp_message.hpp"
#include "proc/browser/findings.hpp"
#include "proc/browser/page_observer.hpp"

#include <cstdint>
#include <optional>
#include <string_view>

namespace browser = r1::proc::browser;
using r1::fuzz::check;

namespace {

bool one_printable_line(std::string_view s) {
    for (unsigned char c : s)
        if (c < 0x20 || c == 0x7F) return false;
    return true;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    std::string_view in{reinterpret_cast<const char*>(data), size};
    // The first byte picks how the stream is cut into reads, as a pipe cuts it.
    std::size_t step = in.empty() ? 1 : 1 + static_cast<unsigned char>(in.front()) * 37;
    browser::frame_reader reader{2048};  // small, so oversized messages are exercised too
    std::optional<browser::page_observer> page;
    browser::page_observer blank{""};
    std::size_t messages = 0, nuls = 0;
    for (char c : in) nuls += c == '\0';
    for (std::size_t at = 0; at < in.size(); at += step) {
        reader.feed(in.substr(at, step));
        while (auto text = reader.next()) {
            ++messages;
            check(text->find('\0') == std::string::npos);
            auto m = browser::parse_message(*text);
            if (!m) continue;
            check(m->id.has_value() || !m->method.empty());
            auto& seen = page ? *page : blank;
            if (m->id) {
                if (auto target = browser::string_at(m->body, "targetId"); !target.empty() && !page) page.emplace(std::string(target));
                if (m->body.contains("loaderId")) seen.on_navigate_result(m->body);
                if (auto* r = browser::object_at(m->body, "result")) seen.on_timings(browser::string_at(*r, "value"));
                continue;
            }
            if (auto reply = seen.on_event(m->method, m->body)) check(!reply->method.empty());
        }
    }
    // Each message ends at a NUL; a skipped one may also be cut short by the end of the input.
    check(messages + reader.skipped() <= nuls + 1);

    const auto& f = page ? page->findings() : blank.findings();
    check(f.console.size() <= browser::page_findings::max_kept && f.console.size() <= f.console_errors);
    check(f.failed_requests.size() <= browser::page_findings::max_kept && f.failed_requests.size() <= f.failed_request_count);
    for (const auto& e : f.console) check(e.text.size() <= 303 && one_printable_line(e.text) && one_printable_line(e.source));
    for (const auto& r : f.failed_requests) check(r.url.size() <= 303 && one_printable_line(r.url) && one_printable_line(r.error));
    for (const auto& r : f.refused) check(one_printable_line(r));
    auto report = browser::judge_page(f, {}, true, std::chrono::seconds(30));
    check(report.line.starts_with("browser check: ") && one_printable_line(report.line));
    check(report.passed() == (f.navigation_error.empty() && f.document_status < 400 && f.loaded && f.console_errors == 0));
    for (const auto& c : report.causes) check(one_printable_line(c));
    return 0;
}
