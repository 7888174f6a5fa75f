#include "tests/support/fake_flyctl.hpp"

#include <filesystem>
#include <sstream>

#include <sys/stat.h>

namespace r1::test {
namespace {

// Real flyctl streams its build log on stdout and its errors on stderr, and exits 1 on failure.
constexpr const char* script = R"SH(#!/bin/sh
rec="${FAKE_FLY_RECORD:?}"
mkdir -p "$rec"
# status / releases / logs: the lifecycle's queries, recorded apart from the deploy's argv. The app
# runs on one machine the release the last good deploy made (release-<app>: "version image"), in
# the shapes of `flyctl status --json` and `releases --json` (see tests/support/flyctl_standin.py
# for their sources; that stand-in models fly in full, this one only what a deploy test needs).
case "$1" in
  status|releases|logs)
    printf '%s\n' "$*" >> "$rec/queries"
    qapp=""; prev=""
    for a in "$@"; do [ "$prev" = "--app" ] && qapp="$a"; prev="$a"; done
    ver=0; img=""
    if [ -s "$rec/release-$qapp" ]; then read ver img < "$rec/release-$qapp"; fi
    case "$1" in
      status)
        machines="[]"
        if [ "$ver" -gt 0 ]; then
          tag="${img##*:}"
          machines='[{"id":"148e4d5b7d0589","name":"'"$qapp"'-1","state":"started","region":"iad","image_ref":{"registry":"registry.fly.io","repository":"'"$qapp"'","tag":"'"$tag"'"},"config":{"image":"'"$img"'","metadata":{"fly_release_version":"'"$ver"'","fly_process_group":"app","fly_platform_version":"v2"}},"checks":[]}]'
        fi
        printf '{"ID":"%s","Name":"%s","Deployed":%s,"Status":"deployed","Hostname":"%s.fly.dev","Version":%s,"AppURL":"","PlatformVersion":"machines","Machines":%s}\n' \
          "$qapp" "$qapp" "$([ "$ver" -gt 0 ] && echo true || echo false)" "$qapp" "$ver" "$machines" ;;
      releases)
        if [ "$ver" -gt 0 ]; then printf '[{"ID":"rel%s","Version":%s,"Status":"complete","ImageRef":"%s"}]\n' "$ver" "$ver" "$img"
        else echo "[]"; fi ;;
      logs) echo "2026-12-07T05:40:01Z app[148e4d5b7d0589] iad [info]listening on 0.0.0.0:8080" ;;
    esac
    exit 0 ;;
esac
: > "$rec/argv"
for a in "$0" "$@"; do printf '%s\n' "$a" >> "$rec/argv"; done
pwd > "$rec/cwd"
env > "$rec/env"
tr '\0' '\n' < /proc/$$/cmdline > "$rec/cmdline"
app="$3"
# A deploy that exits 0 made a release: with FLY_EMIT_RELEASE_JSON set it says so last on stdout,
# as flyctl does (internal/command/deploy/machines_deploymachinesapp.go).
released() {
  ver=0
  if [ -s "$rec/release-$app" ]; then read ver img < "$rec/release-$app"; fi
  ver=$((ver + 1))
  img="registry.fly.io/$app:deployment-$ver"
  echo "$ver $img" > "$rec/release-$app"
  if [ -n "$FLY_EMIT_RELEASE_JSON" ]; then printf '{"id":"rel%s","version":%s,"image_ref":"%s"}\n' "$ver" "$ver" "$img"; fi
}
on_exit() {
  rc=$?
  if [ $rc -eq 0 ]; then released 2>/dev/null; fi
  if [ -n "$FAKE_FLY_EVENTS" ]; then echo "end $app $(date +%s%N)" >> "$FAKE_FLY_EVENTS"; fi
  exit $rc
}
trap on_exit EXIT
if [ -n "$FAKE_FLY_EVENTS" ]; then
  echo "start $app $(date +%s%N)" >> "$FAKE_FLY_EVENTS"
fi
mode="${FAKE_FLY_MODE:-ok}"
if [ -n "$FAKE_FLY_BY_NAME" ]; then
  case "$app" in fail-*) mode=fail ;; sleep-*) mode=sleep ;; family-*) mode=family ;; esac
fi
if [ -n "$FAKE_FLY_SLEEP" ]; then sleep "$FAKE_FLY_SLEEP"; fi
echo "==> Verifying app config"
echo "--> Verified app config"
echo "==> Building image"
case "$mode" in
  ok)
    echo "Watch your deployment at https://fly.io/apps/$3/monitoring"
    exit 0 ;;
  fail)
    echo "WARN The running flyctl agent is older than the current flyctl" >&2
    printf 'Error: failed to fetch an image or build from source: app not found\n' >&2
    exit 1 ;;
  long-error)
    i=0
    while [ $i -lt 40 ]; do printf 'line %02d: \342\234\223 build step failed \360\237\232\200 details follow\n' $i >&2; i=$((i+1)); done
    exit 2 ;;
  commit)
    git -c user.email=t@example.com -c user.name=t commit -q --allow-empty -m "moved during deploy"
    exit 0 ;;
  binary)
    head -c 4096 /dev/urandom >&2
    printf '\033[31mError:\033[0m \001\377 corrupt layer\n' >&2
    exit 1 ;;
  flood)
    head -c 50000000 /dev/zero | tr '\0' 'o'
    head -c 50000000 /dev/zero | tr '\0' 'e' >&2
    echo "Error: flood over" >&2
    exit 1 ;;
  sleep)
    sleep 60
    exit 0 ;;
  leak|leak-fail)
    # Prints FLY_API_TOKEN and R1_TEST_DB_PASSWORD every way a provider CLI might (see the header).
    echo $$ > "$rec/leak-$app.pid"
    sleep "${FAKE_FLY_LEAK_HOLD:-0}"
    t="$FLY_API_TOKEN"
    bare="${t#FlyV1 }"
    pw="$R1_TEST_DB_PASSWORD"
    echo "DEBUG using token $t"
    echo "DEBUG bare $bare and first macaroon ${bare%%,*}"
    echo "--> POST https://api.fly.io/graphql"
    echo "Authorization: FlyV1 $bare"
    echo "Authorization: Bearer $bare" >&2
    env | grep -e '^FLY_API_TOKEN=' -e '^R1_TEST_DB_PASSWORD='
    printf '{"access_token": "%s", "app": "%s", "password": "%s"}\n' "$t" "$app" "$pw"
    printf 'config:\n  api_token: %s\n  db: postgres://app:%s@db.internal/app\n' "$bare" "$pw" >&2
    # The same secrets in two writes with a pause between, so r1 reads them in separate chunks.
    h=$(( ${#bare} / 2 )); p=$(( ${#pw} / 2 ))
    printf 'split %s' "$(printf '%s' "$bare" | cut -c1-$h)" >&2
    printf 'split %s' "$(printf '%s' "$pw" | cut -c1-$p)"
    sleep 0.3
    printf '%s end\n' "$(printf '%s' "$bare" | cut -c$((h+1))-)" >&2
    printf '%s end\n' "$(printf '%s' "$pw" | cut -c$((p+1))-)"
    case "$mode.$app" in
      leak-fail.*|leak.*-fail) echo "Error: deploy rejected for $pw with token $bare" >&2; exit 1 ;;
    esac
    exit 0 ;;
  family)
    sleep 600 &
    echo $! > "$rec/grandchild.pid"
    echo $$ > "$rec/flyctl.pid"
    echo $! >> "$rec/all.pids"
    echo $$ >> "$rec/all.pids"
    sleep 60
    exit 0 ;;
  killed)
    echo $$ > "$rec/flyctl.pid"
    echo "Error: out of memory while building" >&2
    kill -KILL $$ ;;
  segv)
    ulimit -c 0
    echo $$ > "$rec/flyctl.pid"
    echo "--> Pushing image" >&2
    kill -SEGV $$ ;;
  close-stdout)
    exec >&-
    echo $$ > "$rec/flyctl.pid"
    sleep 1
    echo "Error: release command failed after closing stdout" >&2
    exit 1 ;;
  close-both)
    exec >&- 2>&-
    sleep 600 &
    echo $! >> "$rec/all.pids"
    echo $$ >> "$rec/all.pids"
    echo $$ > "$rec/flyctl.pid"
    wait
    exit 0 ;;
  stubborn)
    trap '' INT TERM
    sleep 600 &
    echo $! >> "$rec/all.pids"
    echo $$ >> "$rec/all.pids"
    echo $$ > "$rec/flyctl.pid"
    echo "==> ignoring SIGINT and SIGTERM"
    wait
    exit 0 ;;
  daemon)
    (trap '' HUP INT TERM; exec sleep 600) &
    echo $! > "$rec/daemon.pid"
    echo $$ > "$rec/flyctl.pid"
    echo "--> release started a helper"
    exit 0 ;;
  setsid-daemon)
    setsid sh -c 'echo $$ > "$1.tmp" && mv "$1.tmp" "$1"; exec sleep 600' daemon "$rec/daemon.pid" &
    while [ ! -s "$rec/daemon.pid" ]; do sleep 0.01; done
    echo $$ > "$rec/flyctl.pid"
    echo "--> release started a daemon in its own session"
    if [ -n "$FAKE_FLY_ERROR" ]; then echo "$FAKE_FLY_ERROR" >&2; exit 1; fi
    exit 0 ;;
  rate-limited)
    echo $$ >> "$rec/deploys"
    echo $$ > "$rec/flyctl.pid"
    echo "Error: failed to create release: 429 Too Many Requests" >&2
    exit 1 ;;
esac
exit 0
)SH";

}  // namespace

fake_flyctl::fake_flyctl(std::string name) : name_(std::move(name)) {
    std::filesystem::create_directories(dir_ / "bin");
    std::filesystem::create_directories(dir_ / "record");
    write_file(dir_ / "bin" / name_, script);
    ::chmod((dir_ / "bin" / name_).c_str(), 0755);
}

std::vector<std::string> fake_flyctl::recorded_argv() const {
    std::vector<std::string> out;
    std::istringstream in(recorded("argv"));
    for (std::string line; std::getline(in, line);) out.push_back(line);
    return out;
}

std::string fake_flyctl::recorded(const std::string& file) const { return read_file(dir_ / "record" / file); }

void fake_flyctl::forget_releases() const {
    std::error_code ec;
    for (const auto& e : std::filesystem::directory_iterator(dir_ / "record", ec))
        if (e.path().filename().string().starts_with("release-")) std::filesystem::remove(e.path(), ec);
}

}  // namespace r1::test
