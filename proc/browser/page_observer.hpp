#pragma once
/// Reads the DevTools events of one page and keeps what a browser check reports: console errors,
/// uncaught exceptions, failed requests, the main document's progress, refused dialogs and windows.
/// Pure (no Asio, no I/O): the check feeds it messages and sends the replies it asks for.
#include "proc/browser/cdp_message.hpp"
#include "proc/browser/findings.hpp"

#include <boost/json/object.hpp>

#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

namespace r1::proc::browser {

/// A command the check must send because of an event: dismiss a dialog, close a window.
struct page_reply {
    std::string method;
    boost::json::object params;
    bool to_browser = false;  // on the browser's own session rather than the page's
};

class page_observer {
public:
    /// `target_id` is the page's target, which is also its main frame's id.
    explicit page_observer(std::string target_id);

    /// An event of the page's session, or a browser-level one (Target.*, Browser.*) that may be about
    /// this page. Events about other pages are ignored.
    std::optional<page_reply> on_event(std::string_view method, const boost::json::object& params);
    /// Page.navigate's result: an errorText there means the page could not be loaded at all.
    void on_navigate_result(const boost::json::object& result);
    /// The main document's Navigation Timing entry, as the JSON text the page returned.
    void on_timings(std::string_view entry_json);

    /// Nothing more to wait for: loaded and network idle, or the page failed or crashed.
    bool settled() const noexcept;
    bool crashed() const noexcept { return crashed_; }
    const std::string& target_id() const noexcept { return target_; }
    page_findings& findings() noexcept { return findings_; }
    const page_findings& findings() const noexcept { return findings_; }

private:
    struct request_info {
        std::string url;
        std::string type;
        bool ignored = false;  // the browser's own favicon fetch
    };

    void on_request(const boost::json::object& p);
    void on_response(const boost::json::object& p);
    void on_failed(const boost::json::object& p);
    void on_console(const boost::json::object& p);
    void on_exception(const boost::json::object& p);
    std::optional<page_reply> on_new_target(const boost::json::object& p);
    void add_console(console_entry e);
    void add_failed(failed_request r);
    bool is_main_document(std::string_view request_id, std::string_view frame_id, std::string_view type) const;

    std::string target_;
    std::string loader_;  // the main frame's current document, from Page.frameNavigated
    std::unordered_map<std::string, request_info> requests_;  // in flight, bounded
    page_findings findings_;
    std::vector<std::string> closed_;  // windows this page opened that were closed
    bool crashed_ = false;
};

}  // namespace r1::proc::browser
