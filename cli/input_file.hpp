#pragma once
/// Reading a whole input file (a manifest, a URL list, a shard's report) under a size limit.
#include <cstddef>
#include <string>

namespace r1::cli {

struct file_text {
    std::string text;
    std::string error;  // one line; empty when text is the whole file
};

/// Reads `file` ("-": stdin) whole, refusing it as soon as it passes `max_bytes`.
file_text read_input(const std::string& file, std::size_t max_bytes);

}  // namespace r1::cli
