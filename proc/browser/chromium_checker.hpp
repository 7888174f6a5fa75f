#pragma once
/// The real page_checker: one Chromium per event loop, started on the first check and kept for the
/// next; one isolated browser context per check; at most `concurrency` checks at once over all loops.
#include "proc/browser/checker.hpp"

#include <memory>
#include <optional>
#include <string>
#include <string_view>

namespace r1::proc::browser {

struct chromium_options {
    std::string chromium;  // the executable's path, found already (find_chromium)
    unsigned concurrency = 4;  // checks in a browser at once, over all event loops
    std::string temp_dir;      // where profiles are made; empty: $TMPDIR, else /tmp
};

/// --chromium PATH when given, else `chromium` then `chromium-browser` on $PATH; nullopt when none
/// is an executable file.
std::optional<std::string> find_chromium(std::string_view explicit_path, std::string_view path_env);

/// The one line `r1` prints when no Chromium was found.
std::string chromium_missing_message(std::string_view explicit_path);

class chromium_checker final : public page_checker {
public:
    explicit chromium_checker(chromium_options opts);
    ~chromium_checker() override;

    /// A browser that crashes under a check is started again once and the check run again; a second
    /// crash fails the check with that cause. A page refused for its certificate by Chromium is run
    /// again once in a browser that trusts the leaf certificates r1 verified for it (README: Trust).
    boost::asio::awaitable<page_report> check(check_request req) override;
    boost::asio::awaitable<void> close() override;

    struct shared;  // the gate and options, shared with every loop's pool

private:
    std::shared_ptr<shared> shared_;
};

}  // namespace r1::proc::browser
