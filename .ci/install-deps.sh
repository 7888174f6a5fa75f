#!/usr/bin/env bash
# Installs r1's build and test dependencies from Debian bookworm packages. Idempotent.
set -euo pipefail
pkgs=(build-essential cmake ninja-build pkg-config clang libclang-rt-14-dev
      libboost1.81-dev libboost-json1.81-dev libboost-url1.81-dev
      libssl-dev openssl catch2 libtomlplusplus-dev python3 procps git util-linux
      chromium libc-ares-dev prometheus  # browser checks; c-ares: DNS on the event loop; prometheus: watch-mode tests
      python3-yaml python3-kubernetes yamllint shellcheck  # deploy/check: the deploy/ examples' checks
      python3-jsonschema zsh groff-base dpkg-dev)  # output schemas, completions, man page, cpack -G DEB
missing=()
for p in "${pkgs[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
    SUDO=""; [ "$(id -u)" -eq 0 ] || SUDO=sudo
    $SUDO apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi

# The real vercel and wrangler CLIs, for the tests that run them offline (tests/providers/adapters/
# real_cli_test.cpp): `npm ci` from tools/npm's lock file into a cache folder, never a global install.
# Node.js 20 or newer is needed (wrangler 4.86.0: node >=20.3). Where npm cannot reach its registry,
# the reason is written to the cache folder's npm-unreachable file: the tests then say so and skip.
tools_src="$(cd "$(dirname "$0")/.." && pwd)/tools/npm"
tools_dir="${R1_PROVIDER_CLIS:-${XDG_CACHE_HOME:-$HOME/.cache}/r1/provider-clis}"
mkdir -p "$tools_dir"
if ! command -v node >/dev/null 2>&1 || ! command -v npm >/dev/null 2>&1; then
    SUDO=""; [ "$(id -u)" -eq 0 ] || SUDO=sudo
    DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends nodejs npm || true
fi
stamp="$(cat "$tools_src/package.json" "$tools_src/package-lock.json" | sha256sum | cut -d' ' -f1)"
if [ "$(cat "$tools_dir/.installed" 2>/dev/null)" != "$stamp" ] || [ ! -x "$tools_dir/node_modules/.bin/vercel" ]; then
    rm -f "$tools_dir/npm-unreachable" "$tools_dir/.installed"
    cp "$tools_src/package.json" "$tools_src/package-lock.json" "$tools_dir/"
    if ! command -v npm >/dev/null 2>&1; then
        echo "npm is not installed" > "$tools_dir/npm-unreachable"
    elif (cd "$tools_dir" && npm ci --ignore-scripts --no-audit --no-fund --loglevel=error > npm-ci.log 2>&1); then
        echo "$stamp" > "$tools_dir/.installed"
    else
        { echo "npm ci failed:"; tail -n 20 "$tools_dir/npm-ci.log"; } > "$tools_dir/npm-unreachable"
        echo "warning: the real vercel and wrangler CLIs could not be installed (see $tools_dir/npm-unreachable);" \
             "their offline tests will be skipped" >&2
    fi
fi
