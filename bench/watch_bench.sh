#!/usr/bin/env bash
# Watch-mode benchmark for issue 14: r1 verify --every against the loopback farm (session tickets
# on) at 10,000 checks a minute, with and without TLS resumption; see bench/README.md.
#
#   bench/watch_bench.sh [--build-r1] [fleet.py watch options: --n 1000,10000 --minutes 3 --repeat 3]
#
# Scratch files, binaries and raw JSON results go to $R1_BENCH_WORK (default /tmp/r1-bench).
# All traffic stays on 127.0.0.1.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
repo="$(dirname "$here")"
work="${R1_BENCH_WORK:-/tmp/r1-bench}"
build_r1=0
if [ "${1:-}" = --build-r1 ]; then build_r1=1; shift; fi
case " $* " in *" -h "*|*" --help "*) exec python3 "$here/fleet/fleet.py" watch --bindir x --work x --help;; esac
. "$here/fleet/setup.sh"
exec python3 "$here/fleet/fleet.py" watch --bindir "$work/bin" --work "$work" "$@"
