#!/usr/bin/env bash
# The README's test command: install dependencies, build r1 (Release), run the whole suite.
set -euo pipefail
cd "$(dirname "$0")/.."
bash .ci/install-deps.sh
cmake -S . -B build -DCMAKE_BUILD_TYPE=Release
cmake --build build -j2
ctest --test-dir build --output-on-failure -j2  # two halves of the suite at once (tests/CMakeLists.txt)
