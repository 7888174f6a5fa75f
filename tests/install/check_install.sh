#!/usr/bin/env bash
# ctest install_consumer: `cmake --install` the build into a fresh prefix, check what landed there
# (the program, its man page and completions, the library, headers and CMake package), then build
# tests/install/consumer against it with find_package(r1) and run it.
# Usage: check_install.sh BUILD_DIR SOURCE_DIR [extra flags for the consumer, e.g. -fsanitize=...]
set -euo pipefail
build="$1"; src="$2"; extra="${3:-}"
work="$(mktemp -d "${TMPDIR:-/tmp}/r1-install.XXXXXX")"
trap 'rm -rf "$work"' EXIT
prefix="$work/prefix"
cmake --install "$build" --prefix "$prefix" > "$work/install.log"

fail() { echo "install_consumer: $*" >&2; exit 1; }
for f in bin/r1 share/man/man1/r1.1 share/bash-completion/completions/r1 share/zsh/vendor-completions/_r1 \
         include/r1/providers/deploy.hpp include/r1/engine/error.hpp include/r1/r1/version.hpp \
         lib/cmake/r1/r1Config.cmake lib/cmake/r1/r1ConfigVersion.cmake lib/cmake/r1/r1Targets.cmake \
         lib/r1/libr1_lib.a; do
    [ -e "$prefix/$f" ] || fail "missing after cmake --install: $f"
done
# The installed program runs from its new place, and says what it is.
"$prefix/bin/r1" --version | grep -q '^r1 ' || fail "installed r1 --version printed nothing useful"
"$prefix/bin/r1" deploy --app installed --dir "$work" --dry-run > "$work/dry-run.txt" || fail "installed r1's dry run failed"
grep -q 'app = "installed"' "$work/dry-run.txt" || fail "installed r1's dry run does not name the app"
# No header of the library includes the CLI's (which is not installed).
if grep -rl '#include "cli/' "$prefix/include/r1" > "$work/cli-includes" 2>/dev/null; then
    [ ! -s "$work/cli-includes" ] || fail "installed headers include cli/: $(cat "$work/cli-includes")"
fi

launcher=()
command -v ccache > /dev/null && launcher=(-DCMAKE_CXX_COMPILER_LAUNCHER=ccache)
cmake -S "$src/tests/install/consumer" -B "$work/consumer" -G Ninja -DCMAKE_BUILD_TYPE=Release \
    -DCMAKE_PREFIX_PATH="$prefix" "${launcher[@]}" -DCMAKE_CXX_FLAGS="$extra" \
    -DCMAKE_EXE_LINKER_FLAGS="$extra" > "$work/configure.log" 2>&1 || { cat "$work/configure.log"; fail "configure failed"; }
cmake --build "$work/consumer" > "$work/build.log" 2>&1 || { tail -n 60 "$work/build.log"; fail "build failed"; }
"$work/consumer/r1_consumer" > "$work/consumer.txt" || { cat "$work/consumer.txt"; fail "the consumer failed"; }
cat "$work/consumer.txt"
grep -q 'app = "consumer-demo"' "$work/consumer.txt" || fail "r1::deploy() dry run printed no preview"
grep -q 'no app: .*(app_name_missing)' "$work/consumer.txt" || fail "no app_name_missing sentinel"
echo "install_consumer: ok"
