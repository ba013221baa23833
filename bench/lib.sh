# Shared helpers for the benchmarks: a temp dir, servers on free ports stopped by the EXIT
# trap, a nanosecond clock, medians and the PASS/MISS lines that `make bench` collects.
# Sourced by bench/*.sh after `set -euo pipefail`.

JELOU=${JELOU:-$(pwd)/jelou-console}
top_srcdir=${top_srcdir:-$(cd "$(dirname "$0")/.." && pwd)}
[ -x "$JELOU" ] || { echo "bench: $JELOU is not built (run make first)" >&2; exit 2; }
case $JELOU in /*) ;; *) JELOU=$(pwd)/$JELOU ;; esac

B=$(mktemp -d "${TMPDIR:-/tmp}/jelou-bench.XXXXXX")
BENCH_PIDS=""
BENCH_CLEANUP_HOOK=""
# A throwaway secret and identity: nothing here reaches anything but loopback.
export JELOU_SIGNING_SECRET=5f2b8c1e9a7d4f60b3e2a1c9d8e7f6a5
export JELOU_PROJECT_ID=bench-project
export JELOU_BOT_ID=bench-bot
unset JELOU_ENDPOINT JELOU_SIGNING_SECRET_FILE JELOU_API_KEY
export XDG_CONFIG_HOME="$B/config" XDG_STATE_HOME="$B/state" HOME="$B/home"
export LANG=C.UTF-8 LC_ALL=C.UTF-8 TZ=UTC
mkdir -p "$XDG_CONFIG_HOME" "$XDG_STATE_HOME" "$HOME"

bench_cleanup() {
    local rc=$?
    set +e
    [ -n "$BENCH_CLEANUP_HOOK" ] && $BENCH_CLEANUP_HOOK
    for p in $BENCH_PIDS; do kill "$p" 2> /dev/null; done
    for p in $BENCH_PIDS; do wait "$p" 2> /dev/null; done
    rm -rf "$B"
    exit "$rc"
}
trap bench_cleanup EXIT
trap 'exit 130' INT TERM

# now_ns: the monotonic-enough wall clock in nanoseconds (bash has no monotonic clock;
# the runs are short and NTP slews rather than steps).
now_ns() {
    date +%s%N
}

# wait_for SECONDS COMMAND...: polls until COMMAND succeeds.
wait_for() {
    local deadline=$(( $(date +%s) + $1 ))
    shift
    until "$@" 2> /dev/null; do
        [ "$(date +%s)" -lt "$deadline" ] || return 1
        sleep 0.02
    done
}

# start_mock NAME [mock options...]: the sandbox on a free port (the mock picks it and
# prints it). Sets MOCK_URL, MOCK_MEDIA (when --media-dir), MOCK_PID.
start_mock() {
    local name=$1
    shift
    : > "$B/$name.out"
    "$JELOU" mock --listen 127.0.0.1:0 "$@" > "$B/$name.out" 2> "$B/$name.err" &
    MOCK_PID=$!
    BENCH_PIDS="$BENCH_PIDS $MOCK_PID"
    wait_for 10 grep -q 'listening on' "$B/$name.out" || {
        cat "$B/$name.err" >&2
        echo "bench: the mock did not start" >&2
        exit 2
    }
    MOCK_URL=$(sed -n 's/^mock: listening on //p' "$B/$name.out")
    MOCK_MEDIA=$(sed -n 's/^mock: media on //p' "$B/$name.out")
}

# stop_mock PID: stops one server now (the trap would too, later).
stop_mock() {
    kill "$1" 2> /dev/null || true
    wait "$1" 2> /dev/null || true
}

# median NUMBER...: the median (mean of the middle two for an even count).
median() {
    printf '%s\n' "$@" | sort -g | awk '{ v[NR] = $1 }
        END { if (NR % 2) print v[(NR + 1) / 2]; else printf "%.6f\n", (v[NR / 2] + v[NR / 2 + 1]) / 2 }'
}

# calc EXPR: floating-point arithmetic through awk.
calc() {
    awk "BEGIN { printf \"%.6g\n\", $* }"
}

# fmt DIGITS NUMBER
fmt() {
    awk -v d="$1" -v n="$2" 'BEGIN { printf "%." d "f\n", n }'
}

# verdict NAME PASS|MISS|SKIP TEXT: one summary line, the form `make bench` collects.
verdict() {
    printf '== %-8s %-4s %s\n' "$1" "$2" "$3"
}

# ok_if CONDITION_EXPR: PASS when the awk expression holds, else MISS.
ok_if() {
    if awk "BEGIN { exit !($*) }"; then echo PASS; else echo MISS; fi
}

# need_pkg COMMAND PACKAGE: installs PACKAGE with apt-get when COMMAND is missing and we are
# root. Returns 1 (with a note) when it stays missing.
need_pkg() {
    command -v "$1" > /dev/null && return 0
    if [ "$(id -u)" = 0 ] && command -v apt-get > /dev/null; then
        echo "bench: $1 is missing; installing the Debian package $2" >&2
        DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$2" > "$B/apt-$2.log" 2>&1 ||
            { apt-get update -qq > /dev/null 2>&1 &&
              DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$2" \
                  > "$B/apt-$2.log" 2>&1; } || true
    fi
    command -v "$1" > /dev/null && return 0
    echo "bench: $1 is not installed and could not be installed (package $2)" >&2
    return 1
}

# free_port: a free loopback TCP port, for a server (nginx) that cannot pick one itself.
free_port() {
    python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

# start_nginx DIR URL [curl options...]: nginx with DIR/nginx.conf (daemon off) as a child
# stopped by the EXIT trap; waits until URL answers. Sets NGINX_PID.
start_nginx() {
    local dir=$1 url=$2
    shift 2
    nginx -p "$dir" -c "$dir/nginx.conf" > "$dir/out" 2>&1 &
    NGINX_PID=$!
    BENCH_PIDS="$BENCH_PIDS $NGINX_PID"
    wait_for 10 curl -s -o /dev/null "$@" "$url" || {
        cat "$dir/out" "$dir/logs/error.log" >&2
        echo "bench: nginx did not start" >&2
        exit 2
    }
}

bench_machine() {
    echo "machine: $(nproc) CPUs, $(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -1)"
}
