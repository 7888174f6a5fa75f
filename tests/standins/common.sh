# Shared by the stand-ins: recording, overlap events, modes chosen by name. Sourced, not run.
# $standin is the CLI's name, set by the script before sourcing this file.
app=$(basename "$PWD")
mode=${R1_STANDIN_MODE:-ok}
if [ "${R1_STANDIN_BY_NAME:-}" = 1 ]; then
    prefix=${app%%-*}
    case "$prefix" in
        fail|no|url|not|lock|rate|hang|flood|leak|unhealthy|build|push|run|slow) mode=$prefix ;;
    esac
    case "$app" in
        no-url*) mode=no-url ;; url-then-fail*) mode=url-then-fail ;; not-ready*) mode=not-ready ;;
        rate-limited*) mode=rate-limited ;; build-fail*) mode=build-fail ;; push-fail*) mode=push-fail ;;
        run-fail*) mode=run-fail ;;
    esac
fi
if [ -n "${R1_STANDIN_RECORD:-}" ]; then
    mkdir -p "$R1_STANDIN_RECORD"
    line=$standin
    for a in "$@"; do line="$line | $a"; done
    printf '%s\n' "$line" >> "$R1_STANDIN_RECORD/calls"
    env > "$R1_STANDIN_RECORD/$standin.env"
    pwd > "$R1_STANDIN_RECORD/$standin.cwd"
fi
now_ns() { date +%s%N; }
event() { [ -n "${R1_STANDIN_EVENTS:-}" ] && printf '%s %s %s %s\n' "$1" "$standin" "$app" "$(now_ns)" >> "$R1_STANDIN_EVENTS"; return 0; }
pause() { [ -n "${R1_STANDIN_SLEEP:-}" ] && sleep "$R1_STANDIN_SLEEP"; return 0; }
# 50 MB on each stream, then the caller fails.
flood() { head -c 52428800 /dev/zero | tr '\0' 'x' & head -c 52428800 /dev/zero | tr '\0' 'y' >&2; wait; }
# A credential printed back the ways CLIs print them: plain, as a header, in a JSON dump, and split
# across two writes a moment apart.
leak() {
    value=$1
    echo "debug: token is $value"
    echo "Authorization: Bearer $value" >&2
    printf '{"config":{"token":"%s"}}\n' "$value"
    half=$(( ${#value} / 2 ))
    first=$(printf '%s' "$value" | cut -c1-$half)
    rest=$(printf '%s' "$value" | cut -c$((half + 1))-)
    printf 'using credential %s' "$first" >&2
    sleep 0.3
    printf '%s for the deploy\n' "$rest" >&2
}
