#pragma once
/// Helpers for browser tests: the machine's Chromium, and the processes a browser left behind.
#include <filesystem>
#include <string>
#include <vector>

#include <sys/types.h>

namespace r1::test {

/// Debian's chromium on $PATH; the browser tests need it (.ci/install-deps.sh installs it).
std::string chromium_path();

/// Live (not zombie) processes whose command line mentions `marker`, e.g. a profile's parent dir.
std::vector<pid_t> processes_mentioning(const std::string& marker);

/// The browser process itself among them: the one without --type= (renderers, GPU, zygotes have one).
pid_t browser_process(const std::string& marker);

/// True when `dir` holds no entries.
bool empty_dir(const std::filesystem::path& dir);

}  // namespace r1::test
