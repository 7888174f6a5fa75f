#!/usr/bin/env bash
# Installs r1's build and test dependencies from Debian bookworm packages. Idempotent.
set -euo pipefail
pkgs=(build-essential cmake ninja-build pkg-config clang libclang-rt-14-dev
      libboost1.81-dev libboost-json1.81-dev libboost-url1.81-dev
      libssl-dev openssl catch2 libtomlplusplus-dev python3 procps git
      chromium   # browser checks (r1 --browser) and their tests
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
