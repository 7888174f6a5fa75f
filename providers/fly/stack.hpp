#pragma once
/// A directory without a fly.toml: what stack it holds (a Dockerfile and its EXPOSE port, Next.js,
/// Node, Go, a static site), the fly.toml r1 writes for it, and writing it without ever replacing
/// a file. Detection follows flyctl's own scanner (scanner/scanner.go's order; ports from
/// scanner/dockerfile.go and internal/build/imgsrc/builtins/defaultbuiltins.go). No Asio.
#include "providers/fly/fly_toml.hpp"

#include <string>
#include <string_view>

namespace r1::providers::fly {

enum class stack_kind { none, dockerfile, go, nextjs, node, static_site };

struct detected_stack {
    stack_kind kind = stack_kind::none;
    std::string family;    // "Dockerfile", "Go", "Next.js", "Node.js", "static site"
    std::string evidence;  // "Dockerfile, EXPOSE 3000", "go.mod", "package.json names next", "index.html"
    unsigned port = 8080;  // the app's internal port
    std::string builtin;   // flyctl's builtin builder ("node", "go", "static"); "" for a Dockerfile
};

/// What `dir` holds; kind none for an empty or unrecognised directory. Reads at most a few small
/// files (the first 64 KiB of each).
detected_stack detect_stack(const std::string& dir);

/// The fly.toml r1 writes for `stack`: a header comment naming the stack, then app, region, build
/// and the same [http_service] as the seed's preview, on the stack's port.
std::string render_stack_fly_toml(const detected_stack& stack, const fly_toml_params& p);

/// Creates `path` with `content` only if nothing is there (O_EXCL: never replaces a file, not even
/// one that appears meanwhile, and never follows a link planted at the name). "" on success, else
/// the problem in one line.
std::string write_new_file(const std::string& path, std::string_view content);

}  // namespace r1::providers::fly
