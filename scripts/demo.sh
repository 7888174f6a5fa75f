#!/usr/bin/env bash
# The README's first command: install dependencies, build r1, and run its main job on the embedded
# default, a dry-run deploy of a demo app (no cloud account, no network, no process started).
set -euo pipefail
cd "$(dirname "$0")/.."
bash .ci/install-deps.sh
cmake -S . -B build -DCMAKE_BUILD_TYPE=Release
cmake --build build -j2 --target r1
./build/r1 deploy --provider fly --app my-app --region iad --dry-run
