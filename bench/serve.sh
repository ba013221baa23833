#!/usr/bin/env bash
# Benchmark: the team server. 50 SSE clients on two serve instances sharing one private
# Redis, 20 webhooks/s for 60 s plus a send every 10th: every client gets every event once
# and in order; p99 from the webhook's answer to each client <= 250 ms; VmRSS flat.
set -euo pipefail
. "${top_srcdir:-$(cd "$(dirname "$0")/.." && pwd)}/bench/lib.sh"

SECONDS_RUN=${BENCH_SERVE_SECONDS:-60}
RATE=${BENCH_SERVE_RATE:-20}             # webhooks per second
CLIENTS=${BENCH_SERVE_CLIENTS:-50}
P99_MAX_MS=250
RSS_GROWTH_MAX=1.10                       # last sample / the one after warm-up

echo "serve: $(bench_machine); load $(cut -d' ' -f1-3 /proc/loadavg)"
need_pkg redis-server redis-server || { verdict serve SKIP "redis-server is not installed"; exit 0; }

# A private Redis (never the system one) on a free port.
mkdir -p "$B/redis"
for try in 1 2 3 4 5; do
    RPORT=$(( 20000 + (RANDOM * 32768 + RANDOM) % 40000 ))
    redis-server --port "$RPORT" --bind 127.0.0.1 --save '' --appendonly yes \
        --appendfsync always --dir "$B/redis" --logfile "$B/redis/log" > /dev/null 2>&1 &
    RPID=$!
    BENCH_PIDS="$BENCH_PIDS $RPID"
    wait_for 10 grep -q 'Ready to accept' "$B/redis/log" && break
    kill "$RPID" 2> /dev/null || true
done
REDIS="redis://127.0.0.1:$RPORT"

start_mock jelou
serve_url=()
serve_pid=()
for name in a b; do
    "$JELOU" serve --listen 127.0.0.1:0 --redis "$REDIS" --endpoint "$MOCK_URL" \
        --spool "$B/$name.spool" > "$B/$name.out" 2> "$B/$name.err" &
    serve_pid+=($!)
    BENCH_PIDS="$BENCH_PIDS $!"
    wait_for 10 grep -q '^serve: listening on ' "$B/$name.out"
    serve_url+=("$(sed -n '1s/^serve: listening on //p' "$B/$name.out")")
done
"$JELOU" agent add bench --redis "$REDIS" --token-file "$B/token" > /dev/null
TOKEN=$(cat "$B/token")
token_taken() {
    [ "$(curl -s -o /dev/null -w '%{http_code}' -H "Authorization: Bearer $TOKEN" "$1/v1/rooms")" = 200 ]
}
for u in "${serve_url[@]}"; do
    wait_for 10 token_taken "$u"
done

# Each client writes "receive-time message-id" per webhook event it is shown.
for i in $(seq 1 "$CLIENTS"); do
    u=${serve_url[$(( i % 2 ))]}
    ( curl -sN -H "Authorization: Bearer $TOKEN" "$u/v1/events" |
      while IFS= read -r line; do
          case $line in
          data:*'"value":{"id":"w-'*) id=${line#*\"value\":\{\"id\":\"}; id=${id%%\"*}
                                     echo "$EPOCHREALTIME $id" ;;
          esac
      done > "$B/client.$i" ) &
    BENCH_PIDS="$BENCH_PIDS $!"
done
sleep 1

rss() { awk '/VmRSS/ { print $2 }' "/proc/$1/status"; }
: > "$B/rss"
body() {
    printf '{"field":"messages","object":"message_event","event_type":"message",'\
'"timestamp":1,"project_id":"bench-project","room_id":"R%d","contact":{"id":"U%d"},'\
'"bot":{"id":"bench-bot"},"value":{"id":"w-%d","type":"text","content":{"body":"m %d"}}}' \
        "$(( $1 % 10 ))" "$(( $1 % 10 ))" "$1" "$1"
}
total=$(( SECONDS_RUN * RATE ))
gap=$(calc "1 / $RATE")
start=$EPOCHREALTIME
for n in $(seq 1 "$total"); do
    body "$n" > "$B/w.json"
    sig=$(openssl dgst -sha256 -hmac "$JELOU_SIGNING_SECRET" < "$B/w.json" | sed 's/^.*= //')
    u=${serve_url[$(( n % 2 ))]}
    curl -s -o /dev/null -H "X-Jelou-Signature: sha256=$sig" --data-binary @"$B/w.json" \
        "$u/jelou/webhook"
    echo "$EPOCHREALTIME w-$n" >> "$B/sent"
    if [ $(( n % 10 )) -eq 0 ]; then
        curl -s -o /dev/null -H "Authorization: Bearer $TOKEN" \
            --data-binary "{\"id\":\"s-$n\",\"room\":\"R$(( n % 10 ))\",\"text\":\"r $n\"}" \
            "$u/v1/messages" &
    fi
    if [ "$n" -eq "$RATE" ] || [ $(( n % (RATE * 5) )) -eq 0 ]; then
        echo "$(rss "${serve_pid[0]}") $(rss "${serve_pid[1]}")" >> "$B/rss"
    fi
    # Paced on the clock, not on sleeps alone: the loop's own time is taken off.
    left=$(awk -v s="$start" -v n="$n" -v g="$gap" -v now="$EPOCHREALTIME" \
        'BEGIN { printf "%.6f\n", s + n * g - now }')
    if awk "BEGIN { exit !($left > 0) }"; then sleep "$left"; fi
done
sleep 2
got_all() { [ "$(grep -c . "$B/client.1")" -ge "$total" ]; }
wait_for 30 got_all || true

# Every client: every id once, in order; latency against the send time.
bad=0
for i in $(seq 1 "$CLIENTS"); do
    got=$(cut -d' ' -f2 "$B/client.$i" | tr '\n' ' ')
    want=$(seq 1 "$total" | sed 's/^/w-/' | tr '\n' ' ')
    [ "$got" = "$want" ] || bad=$(( bad + 1 ))
done
p99=$(cat "$B"/client.* | awk -v sent="$B/sent" '
    BEGIN { while ((getline l < sent) > 0) { split(l, f, " "); t[f[2]] = f[1] } }
    { if ($2 in t) print ($1 - t[$2]) * 1000 }' | sort -g |
    awk '{ v[NR] = $1 } END { i = int(NR * 0.99); if (i < 1) i = 1; print v[i] }')
# After 10 s of warm-up (the third sample) when the run is that long.
first_rss=$(sed -n 3p "$B/rss")
[ -n "$first_rss" ] || first_rss=$(sed -n 1p "$B/rss")
last_rss=$(tail -1 "$B/rss")
growth_a=$(calc "${last_rss% *} / ${first_rss% *}")
growth_b=$(calc "${last_rss#* } / ${first_rss#* }")
echo "serve: $total webhooks, $CLIENTS clients; clients with a gap, repeat or reorder: $bad"
echo "serve: p99 webhook answer -> client $(fmt 1 "$p99") ms; VmRSS kB a: $first_rss -> $last_rss"
verdict serve-order "$([ "$bad" -eq 0 ] && echo PASS || echo MISS)" \
    "every client got every event once, in order ($bad of $CLIENTS did not)"
verdict serve-p99 "$(ok_if "$p99 <= $P99_MAX_MS")" "p99 $(fmt 1 "$p99") ms (<= $P99_MAX_MS)"
verdict serve-rss "$(ok_if "$growth_a <= $RSS_GROWTH_MAX && $growth_b <= $RSS_GROWTH_MAX")" \
    "VmRSS growth after warm-up a x$(fmt 2 "$growth_a"), b x$(fmt 2 "$growth_b") (<= x$RSS_GROWTH_MAX)"
