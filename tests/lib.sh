# Shared helpers for the shell tests: temp dirs, the sandbox on a free port, assertions.
# Every server a test starts is stopped by the EXIT trap.
set -u

JELOU=${JELOU:-$(pwd)/jelou-console}
top_srcdir=${top_srcdir:-$(cd "$(dirname "$0")/../.." && pwd)}
T=$(mktemp -d "${TMPDIR:-/tmp}/jelou-test.XXXXXX")
PIDS=""
export JELOU_SIGNING_SECRET=5f2b8c1e9a7d4f60b3e2a1c9d8e7f6a5
export JELOU_PROJECT_ID=proj-1
export JELOU_BOT_ID=bot-1
unset JELOU_ENDPOINT JELOU_SIGNING_SECRET_FILE JELOU_API_KEY
export XDG_CONFIG_HOME="$T/config" XDG_STATE_HOME="$T/state" HOME="$T/home"
mkdir -p "$XDG_CONFIG_HOME" "$XDG_STATE_HOME" "$HOME"

# Keeps the test's own exit status: stopping servers must not turn a pass into a failure.
cleanup() {
    local rc=$?
    set +e
    [ -n "${CLEANUP_HOOK:-}" ] && $CLEANUP_HOOK
    # SIGCONT to a paused one first (a test that failed while a server was SIGSTOPped must
    # not wait for ever on a process that cannot act on its SIGTERM), and only to those: a
    # SIGCONT arriving while ASan's leak check has the exiting process stopped livelocks it.
    for p in $PIDS; do
        case $(ps -o stat= -p "$p" 2>/dev/null) in T*) kill -CONT "$p" 2>/dev/null ;; esac
        kill "$p" 2>/dev/null
    done
    for p in $PIDS; do wait "$p" 2>/dev/null; done
    rm -rf "$T"
    exit "$rc"
}
trap cleanup EXIT

fail() {
    echo "FAIL: $*" >&2
    exit 1
}

ok() {
    echo "ok - $*"
}

# assert_eq WHAT EXPECTED ACTUAL
assert_eq() {
    if [ "$2" != "$3" ]; then
        printf 'FAIL: %s\n--- expected\n%s\n--- actual\n%s\n' "$1" "$2" "$3" >&2
        exit 1
    fi
}

# assert_contains WHAT NEEDLE HAYSTACK
assert_contains() {
    case "$3" in
    *"$2"*) ;;
    *) printf 'FAIL: %s\n--- expected to contain\n%s\n--- actual\n%s\n' "$1" "$2" "$3" >&2
       exit 1 ;;
    esac
}

# wait_for DEADLINE_SECONDS COMMAND...: polls until COMMAND succeeds.
wait_for() {
    local deadline=$(( $(date +%s) + $1 ))
    shift
    until "$@" 2>/dev/null; do
        [ "$(date +%s)" -lt "$deadline" ] || return 1
        sleep 0.05
    done
}

# hmac BODY_FILE [SECRET]: the lowercase hex HMAC-SHA256, computed by openssl, not by us.
hmac() {
    openssl dgst -sha256 -hmac "${2:-$JELOU_SIGNING_SECRET}" < "$1" | sed 's/^.*= //'
}

# start_mock NAME [mock options...]: the sandbox on a free port. Sets MOCK_URL, MOCK_LOG,
# MOCK_PID. The log is $T/NAME.log.
start_mock() {
    local name=$1
    shift
    MOCK_LOG="$T/$name.log"
    : > "$T/$name.out"
    "$JELOU" mock --listen 127.0.0.1:0 --log "$MOCK_LOG" "$@" > "$T/$name.out" 2> "$T/$name.err" &
    MOCK_PID=$!
    PIDS="$PIDS $MOCK_PID"
    wait_for 10 grep -q 'listening on' "$T/$name.out" || {
        cat "$T/$name.err" >&2
        fail "mock did not start"
    }
    MOCK_URL=$(sed -n 's/^mock: listening on //p' "$T/$name.out")
}

stop_mock() {
    kill "$MOCK_PID" 2>/dev/null || true
    wait "$MOCK_PID" 2>/dev/null || true
}

# start_listen NAME [options...]: the listener on a free port. Sets URL and LPID; its output
# is $T/NAME.out and $T/NAME.err.
start_listen() {
    local name=$1
    shift
    "$JELOU" listen --listen 127.0.0.1:0 "$@" > "$T/$name.out" 2> "$T/$name.err" &
    LPID=$!
    PIDS="$PIDS $LPID"
    wait_for 10 grep -q '^listen: listening on ' "$T/$name.out" || {
        cat "$T/$name.err" >&2
        fail "listen did not start"
    }
    URL=$(sed -n '1s/^listen: listening on //p' "$T/$name.out")
}

stop_listen() {
    kill "$LPID" 2>/dev/null || true
    wait "$LPID" 2>/dev/null || true
}

# log_lines: how many requests the mock has logged (0 when there is no log yet).
log_lines() {
    if [ -f "$MOCK_LOG" ]; then wc -l < "$MOCK_LOG" | tr -d ' '; else echo 0; fi
}

# logged N FIELD: jq -r FIELD of the Nth log line.
logged() {
    sed -n "${1}p" "$MOCK_LOG" | jq -r "$2"
}

# run_jelou: runs the binary, keeping stdout, stderr and the exit code in OUT, ERR, RC.
run_jelou() {
    set +e
    "$JELOU" "$@" > "$T/out" 2> "$T/err"
    RC=$?
    set -e
    OUT=$(cat "$T/out")
    ERR=$(cat "$T/err")
}

# start_redis [NAME]: a private redis-server (never the system one) on a free port, data in
# $T/NAME (AOF on, no RDB). Sets REDIS_URL, REDIS_PORT, REDIS_PID, REDIS_DIR. Skips the test
# (77) when redis-server is not installed. Tries other ports when one was taken meanwhile.
start_redis() {
    local name=${1:-redis} try
    command -v redis-server >/dev/null 2>&1 || { echo "SKIP: no redis-server"; exit 77; }
    REDIS_DIR="$T/$name"
    mkdir -p "$REDIS_DIR"
    for try in 1 2 3 4 5 6 7 8; do
        REDIS_PORT=$(( 20000 + (RANDOM * 32768 + RANDOM) % 40000 ))
        if redis_launch; then
            REDIS_URL="redis://127.0.0.1:$REDIS_PORT"
            return 0
        fi
    done
    cat "$REDIS_DIR/redis.log" >&2
    fail "redis-server did not start"
}

# redis_launch: (re)starts redis-server on REDIS_PORT with REDIS_DIR (its AOF is read back).
redis_launch() {
    : > "$REDIS_DIR/redis.log"
    redis-server --port "$REDIS_PORT" --bind 127.0.0.1 --save '' --appendonly yes \
        --appendfsync always --dir "$REDIS_DIR" --logfile "$REDIS_DIR/redis.log" \
        --daemonize no > /dev/null 2>&1 &
    REDIS_PID=$!
    PIDS="$PIDS $REDIS_PID"
    wait_for 10 grep -q 'Ready to accept connections' "$REDIS_DIR/redis.log" && return 0
    kill "$REDIS_PID" 2>/dev/null
    wait "$REDIS_PID" 2>/dev/null
    return 1
}

# rcli ARGS...: redis-cli on the private server.
rcli() {
    redis-cli -p "$REDIS_PORT" "$@"
}

# start_serve NAME [options...]: the team server on a free port against REDIS_URL. Sets
# SERVE_URL and SERVE_PID; its output is $T/NAME.out and $T/NAME.err.
start_serve() {
    local name=$1
    shift
    "$JELOU" serve --listen 127.0.0.1:0 --redis "$REDIS_URL" --spool "$T/$name.spool" "$@" \
        > "$T/$name.out" 2> "$T/$name.err" &
    SERVE_PID=$!
    PIDS="$PIDS $SERVE_PID"
    wait_for 10 grep -q '^serve: listening on ' "$T/$name.out" || {
        cat "$T/$name.err" >&2
        fail "serve did not start"
    }
    SERVE_URL=$(sed -n '1s/^serve: listening on //p' "$T/$name.out")
    wait_for 10 curl -sf "$SERVE_URL/v1/healthz" -o /dev/null || {
        cat "$T/$name.err" >&2
        fail "serve did not reach Redis"
    }
}
