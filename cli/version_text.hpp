#pragma once
/// What `r1 --version` prints: r1's version, the git revision it was built from and the OpenSSL it
/// runs with (the shared library loaded now, which a distribution update can change under r1).
#include <string>

namespace r1::cli {

std::string version_text();

}  // namespace r1::cli
