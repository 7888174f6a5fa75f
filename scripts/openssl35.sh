#!/usr/bin/env bash
# Fetches Debian trixie's libssl-dev (OpenSSL 3.5, static libraries and headers) with apt, into a
# directory of its own, and prints the CMake flags that build r1 against it. Nothing on the system
# changes: trixie is named only in a private sources list, index and cache under $dir.
#
#   scripts/openssl35.sh [DIR]       # default: build-deps/openssl-3.5 in the source tree
#   cmake -S . -B build-ossl35 -DCMAKE_BUILD_TYPE=Release $(scripts/openssl35.sh --flags)
#
# What it changes for users is in bench/README.md ("OpenSSL 3.5 build option").
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
flags_only=0
if [ "${1:-}" = --flags ]; then flags_only=1; shift; fi
dir="${1:-$here/build-deps/openssl-3.5}"
root="$dir/root"
if [ ! -f "$root/usr/lib/x86_64-linux-gnu/libcrypto.a" ]; then
    mkdir -p "$dir/lists/partial" "$dir/archives/partial"
    echo "deb [signed-by=/usr/share/keyrings/debian-archive-keyring.gpg] http://deb.debian.org/debian trixie main" \
        > "$dir/sources.list"
    apt_opts=(-q -o Dir::Etc::SourceList="$dir/sources.list" -o Dir::Etc::SourceParts=/dev/null
              -o Dir::State::Lists="$dir/lists" -o Dir::Cache::Archives="$dir/archives"
              -o Acquire::Languages=none -o APT::Sandbox::User=root)
    apt-get "${apt_opts[@]}" update >&2
    (cd "$dir" && apt-get "${apt_opts[@]}" download libssl-dev >&2)
    dpkg -x "$dir"/libssl-dev_*.deb "$root"
fi
version=$(sed -n 's/^# *define OPENSSL_VERSION_STR "\(.*\)"/\1/p' "$root/usr/include/openssl/opensslv.h")
[ "$flags_only" = 1 ] || echo "OpenSSL $version in $root" >&2
echo "-DR1_OPENSSL_ROOT=$root -DR1_TLS_GROUPS=X25519"
