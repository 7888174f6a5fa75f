# Sourced by bench/verify_bench.sh, bench/deploy_bench.sh and bench/soak.sh: installs what the fleet benchmarks
# need from Debian packages (only when something is missing), builds the farm, the Go peer and
# the C helpers into $R1_BENCH_WORK/bin, optionally builds r1 ($build_r1, $r1_targets), and raises
# the open-file limit.
# Expects: $here (bench/), $repo, $work.

need=()
command -v go >/dev/null 2>&1 || need+=(golang-go)
command -v parallel >/dev/null 2>&1 || need+=(parallel)
command -v curl >/dev/null 2>&1 || need+=(curl)
command -v gcc >/dev/null 2>&1 || need+=(gcc libc6-dev)
command -v python3 >/dev/null 2>&1 || need+=(python3)
command -v xargs >/dev/null 2>&1 || need+=(findutils)
if ((${#need[@]})); then
    sudo=""
    [ "$(id -u)" = 0 ] || sudo="sudo"
    echo "installing ${need[*]}" >&2
    $sudo apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq "${need[@]}" >&2
fi

bin="$work/bin"
mkdir -p "$bin"
# Go: standard library only, no module proxy.
build_go() {  # name
    local src="$here/fleet/$1/main.go"
    if [ ! -x "$bin/$1" ] || [ "$src" -nt "$bin/$1" ]; then
        echo "building $1" >&2
        (cd "$here/fleet/$1" && GOPROXY=off GOFLAGS= go build -o "$bin/$1" main.go)
    fi
}
build_c() {  # name
    local src="$here/fleet/tools/$1.c"
    if [ ! -x "$bin/$1" ] || [ "$src" -nt "$bin/$1" ]; then
        echo "building $1" >&2
        gcc -O2 -Wall -Wextra -o "$bin/$1" "$src"
    fi
}
build_go farm
build_go gocheck
build_c measure
build_c standin-flyctl

# build_r1=1 builds r1 (or the targets in $r1_targets, e.g. r1_soak) in build-bench, Release.
if [ "${build_r1:-0}" = 1 ]; then
    echo "building ${r1_targets:-r1} in $repo/build-bench (Release)" >&2
    cmake -S "$repo" -B "$repo/build-bench" -G Ninja -DCMAKE_BUILD_TYPE=Release \
        -DR1_BUILD_TESTS=OFF -DR1_BUILD_FUZZ=OFF >&2
    ninja -C "$repo/build-bench" -j2 ${r1_targets:-r1} >&2
fi

# C=1024 needs well over 1024 descriptors in every tool.
ulimit -n "$(ulimit -Hn)"
