#!/usr/bin/env bash
# CI: package the build with `cpack -G DEB`, install the packages with dpkg -i, and use them as a
# user of a fresh bookworm machine would: the installed r1's dry run, its man page, and a program
# built against r1-dev with find_package(r1). Also checks that every shared library the installed
# r1 loads belongs to a package its Depends line names (so a machine without the build
# dependencies gets them from apt). Usage: .ci/check-deb.sh [BUILD_DIR]
set -euo pipefail
cd "$(dirname "$0")/.."
src="$(pwd)"
build="${1:-build}"
SUDO=""; [ "$(id -u)" -eq 0 ] || SUDO=sudo

(cd "$build" && rm -f ./*.deb && cpack -G DEB > cpack.log)
deb="$(ls "$build"/r1_*.deb)"; dev="$(ls "$build"/r1-dev_*.deb)"
depends="$(dpkg-deb -f "$deb" Depends)"
echo "r1 Depends: $depends"
echo "r1-dev Depends: $(dpkg-deb -f "$dev" Depends)"

$SUDO dpkg -i "$deb" "$dev"
trap '$SUDO dpkg -r r1-dev r1 > /dev/null || true' EXIT

fail() { echo "check-deb: $*" >&2; exit 1; }
[ "$(command -v r1)" = /usr/bin/r1 ] || fail "r1 is not /usr/bin/r1 after dpkg -i"
if ldd /usr/bin/r1 | grep -q 'not found'; then ldd /usr/bin/r1; fail "the installed r1 misses a library"; fi
for lib in $(ldd /usr/bin/r1 | awk '/=> \//{print $3}'); do
    pkg="$(dpkg -S "$(readlink -f "$lib")" 2>/dev/null | head -n1 | cut -d: -f1)" || true
    [ -n "$pkg" ] || pkg="$(dpkg -S "$lib" | head -n1 | cut -d: -f1)"
    case ", $depends" in *", $pkg "*|*", $pkg,"*|*", $pkg") ;; *) fail "r1 loads $lib from $pkg, which Depends does not name" ;; esac
done

work="$(mktemp -d)"
(cd "$work" && r1 deploy --app packaged --dry-run > dry-run.txt)
grep -q 'app = "packaged"' "$work/dry-run.txt" || { cat "$work/dry-run.txt"; fail "the installed r1's dry run"; }
r1 --version
man -w r1 > /dev/null || fail "man r1 finds no page"
[ -f /usr/share/bash-completion/completions/r1 ] || fail "no bash completion"
[ -f /usr/share/zsh/vendor-completions/_r1 ] || fail "no zsh completion"

cmake -S "$src/tests/install/consumer" -B "$work/consumer" -DCMAKE_BUILD_TYPE=Release > "$work/configure.log" \
    || { cat "$work/configure.log"; fail "find_package(r1) against r1-dev"; }
cmake --build "$work/consumer" > "$work/build.log" || { tail -n 40 "$work/build.log"; fail "building against r1-dev"; }
"$work/consumer/r1_consumer"
rm -rf "$work"
echo "check-deb: ok"
