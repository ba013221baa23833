#!/usr/bin/env bash
# Benchmark: the listener with its journal on (group commit: a turn's events share one write
# and one fsync, each 200 after it) against nginx answering `return 200` to the same
# requests (target >= 0.5), with wrk as the load; and every event answered 200 is in the
# journal (the count is checked).
set -euo pipefail
. "${top_srcdir:-$(cd "$(dirname "$0")/.." && pwd)}/bench/lib.sh"

SECONDS_RUN=${BENCH_INBOUND_SECONDS:-3}
CONNS=${BENCH_INBOUND_CONNS:-30}     # under the listener's 32 per address
REPS=${BENCH_INBOUND_REPS:-3}        # runs of each; the median counts

echo "inbound: $(bench_machine); load $(cut -d' ' -f1-3 /proc/loadavg)"
need_pkg wrk wrk || { verdict inbound SKIP "wrk is not installed (Debian: wrk)"; exit 0; }
command -v nginx > /dev/null ||
    { verdict inbound SKIP "nginx is not installed (Debian: apt-get install nginx-light)"; exit 0; }

# An event kind the listener does not know: never taken for a repeat, so every request is
# journaled (a message with one value.id would be journaled once, then deduplicated).
BODY='{"event":"bench.tick","timestamp":1776134278574,"project_id":"bench-project","room_id":"r-1"}'
printf '%s' "$BODY" > "$B/body.json"
SIG=$(openssl dgst -sha256 -hmac "$JELOU_SIGNING_SECRET" < "$B/body.json" | sed 's/^.*= //')
cat > "$B/post.lua" <<EOF
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
wrk.headers["X-Jelou-Signature"] = "sha256=$SIG"
wrk.body = [==[$BODY]==]
EOF

# run_wrk URL: prints "requests/s requests non2xx".
run_wrk() {
    wrk -t1 -c"$CONNS" -d"${SECONDS_RUN}s" -s "$B/post.lua" "$1" > "$B/wrk.out" 2>&1 ||
        { cat "$B/wrk.out" >&2; echo "bench: wrk failed" >&2; exit 2; }
    local non2xx
    non2xx=$(sed -n 's/^[[:space:]]*Non-2xx or 3xx responses:[[:space:]]*//p' "$B/wrk.out")
    echo "$(sed -n 's/^Requests\/sec:[[:space:]]*//p' "$B/wrk.out")" \
        "$(sed -n 's/^[[:space:]]*\([0-9]*\) requests in.*/\1/p' "$B/wrk.out")" "${non2xx:-0}"
}

# nginx: one worker (the listener is one thread), return 200 without touching a disk.
PORT=$(free_port)
mkdir -p "$B/nginx/logs"
cat > "$B/nginx/nginx.conf" <<EOF
daemon off;
worker_processes 1;
pid $B/nginx/nginx.pid;
error_log $B/nginx/logs/error.log warn;
events { worker_connections 1024; }
http {
    access_log off;
    client_body_temp_path $B/nginx/body;
    keepalive_requests 1000000;
    server {
        listen 127.0.0.1:$PORT;
        location / { return 200 '{"ok":true}'; }
    }
}
EOF
start_nginx "$B/nginx" "http://127.0.0.1:$PORT/"

listen_rps=() nginx_rps=() missing=0 answered=0 journaled=0
for ((r = 1; r <= REPS; r++)); do
    J="$B/events-$r.jsonl"
    "$JELOU" listen --listen 127.0.0.1:0 --journal "$J" > "$B/listen.out" 2> "$B/listen.err" &
    LPID=$!
    BENCH_PIDS="$BENCH_PIDS $LPID"
    wait_for 10 grep -q '^listen: listening on ' "$B/listen.out" || {
        cat "$B/listen.err" >&2
        echo "bench: listen did not start" >&2
        exit 2
    }
    URL=$(sed -n '1s/^listen: listening on //p' "$B/listen.out")
    read -r rps n bad <<< "$(run_wrk "$URL")"
    kill "$LPID"
    wait "$LPID" 2> /dev/null || true
    [ "$bad" = 0 ] || { echo "bench: the listener answered $bad requests with an error" >&2; exit 2; }
    lines=$(wc -l < "$J")
    # wrk counts the answers it read; the journal must hold at least those.
    if [ "$lines" -lt "$n" ]; then missing=$((missing + n - lines)); fi
    answered=$((answered + n)) journaled=$((journaled + lines))
    listen_rps+=("$rps")
    read -r rps _ _ <<< "$(run_wrk "http://127.0.0.1:$PORT/jelou/webhook")"
    nginx_rps+=("$rps")
    echo "inbound: run $r (load $(cut -d' ' -f1-3 /proc/loadavg)): listen ${listen_rps[-1]} req/s" \
        "($n answered 200, $lines journaled), nginx ${nginx_rps[-1]} req/s"
done
l=$(median "${listen_rps[@]}")
g=$(median "${nginx_rps[@]}")
ratio=$(calc "$l / $g")
echo "inbound: wrk -t1 -c$CONNS -d${SECONDS_RUN}s: listen --journal $(fmt 0 "$l") req/s," \
    "nginx return 200 $(fmt 0 "$g") req/s"
verdict inbound "$(ok_if "$ratio >= 0.5")" \
    "listen --journal / nginx return 200 = $(fmt 2 "$ratio") ($(fmt 0 "$l") vs $(fmt 0 "$g") req/s), target >= 0.50"
verdict inbound "$(ok_if "$missing == 0")" \
    "answered 200 and not in the journal: $missing ($answered answered, $journaled journaled), target 0"
exit 0
