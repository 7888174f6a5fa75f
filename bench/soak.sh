#!/usr/bin/env bash
# Soak for issue 4: a 1,000-URL r1 verify batch repeated in one process for 10 minutes against
# the loopback farm; RSS, descriptors and threads per round (see bench/README.md).
#
#   bench/soak.sh [fleet.py soak options: --minutes 10 --n 1000 --c 256 --delay 0]
#
# Scratch files and binaries go to $R1_BENCH_WORK (default /tmp/r1-bench). All traffic stays on
# 127.0.0.1.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
repo="$(dirname "$here")"
work="${R1_BENCH_WORK:-/tmp/r1-bench}"
case " $* " in *" -h "*|*" --help "*) exec python3 "$here/fleet/fleet.py" soak --bindir x --work x --help;; esac
build_r1=1
r1_targets=r1_soak
. "$here/fleet/setup.sh"
exec python3 "$here/fleet/fleet.py" soak --bindir "$work/bin" --work "$work" "$@"
