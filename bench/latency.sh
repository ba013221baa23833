#!/usr/bin/env bash
# Benchmark: a server 50 ms away (mock --delay-ms 50). `send --batch --parallel N` against the
# ideal N/0.05 msg/s for N = 8, 64, 256 over HTTP/1.1 (target >= 0.9), and over TLS + HTTP/2
# with Debian's nginx in front of the mock (target >= 0.9 with at most 4 connections at 256).
set -euo pipefail
. "${top_srcdir:-$(cd "$(dirname "$0")/.." && pwd)}/bench/lib.sh"

DELAY_MS=50
SIZES=${BENCH_LATENCY_SIZES:-"8 64 256"}
ROUNDS=${BENCH_LATENCY_ROUNDS:-20}   # each run sends N * ROUNDS messages
REPS=${BENCH_LATENCY_REPS:-3}        # runs of each; the median counts
MAX_H2_CONNS=4

echo "latency: $(bench_machine); load $(cut -d' ' -f1-3 /proc/loadavg)"
echo "latency: mock --delay-ms $DELAY_MS; N * $ROUNDS messages per run, median of $REPS"

# batch FILE COUNT: text messages, many rooms, ids left to the console.
batch() {
    awk -v n="$2" 'BEGIN { for (i = 1; i <= n; i++)
        printf "{\"room\":\"room-%d\",\"user\":\"user-%d\",\"type\":\"text\",\"text\":\"Hola %d\"}\n", i % 97, i % 97, i }' \
        > "$1"
}

# run_batch FILE COUNT N URL [send options...]: prints msg/s; fails unless all accepted.
run_batch() {
    local file=$1 count=$2 n=$3 url=$4 t0 t1 acc
    shift 4
    t0=$(now_ns)
    "$JELOU" send --batch "$file" --parallel "$n" --endpoint "$url" "$@" \
        > "$B/send.out" 2> "$B/send.err" || {
        cat "$B/send.err" >&2
        echo "bench: send --batch --parallel $n failed" >&2
        exit 2
    }
    t1=$(now_ns)
    acc=$(grep -c '"status":"accepted"' "$B/send.out" || true)
    [ "$acc" = "$count" ] || { echo "bench: only $acc of $count accepted" >&2; exit 2; }
    calc "$count / (($t1 - $t0) / 1e9)"
}

# measure LABEL URL [send options...]: one verdict line per N.
measure() {
    local label=$1 url=$2 n count rates r rate ideal ratio
    shift 2
    for n in $SIZES; do
        count=$((n * ROUNDS))
        batch "$B/batch-$n.jsonl" "$count"
        rates=()
        for ((r = 1; r <= REPS; r++)); do
            before_run
            rates+=("$(run_batch "$B/batch-$n.jsonl" "$count" "$n" "$url" "$@")")
            after_run "$n"
        done
        rate=$(median "${rates[@]}")
        ideal=$(calc "$n / ($DELAY_MS / 1000)")
        ratio=$(calc "$rate / $ideal")
        echo "latency: $label --parallel $n: $(fmt 0 "$rate") msg/s of an ideal $(fmt 0 "$ideal")" \
            "(runs: ${rates[*]})${extra:-}"
        verdict latency "$(ok_if "$ratio >= 0.9${cond:-}")" \
            "$label N=$n: $(fmt 2 "$ratio") of N/0.05 s ($(fmt 0 "$rate") vs $(fmt 0 "$ideal") msg/s)${extra:-}, target >= 0.90"
    done
}

start_mock plain --delay-ms "$DELAY_MS"
before_run() { :; }
after_run() { :; }
measure "HTTP/1.1" "$MOCK_URL"

# HTTP/2 over TLS: nginx on a free loopback port, a throwaway certificate, the mock behind.
if ! command -v nginx > /dev/null; then
    verdict latency SKIP "HTTP/2: nginx is not installed (Debian: apt-get install nginx-light)"
    exit 0
fi
if ! command -v openssl > /dev/null; then
    verdict latency SKIP "HTTP/2: openssl is not installed"
    exit 0
fi
openssl req -x509 -newkey rsa:2048 -nodes -days 1 -subj /CN=127.0.0.1 \
    -addext subjectAltName=IP:127.0.0.1 -keyout "$B/nginx.key" -out "$B/nginx.crt" \
    > "$B/openssl.log" 2>&1 || { cat "$B/openssl.log" >&2; exit 2; }
UPSTREAM=${MOCK_URL#http://}
UPSTREAM=${UPSTREAM%%/*}
WEBHOOK=/${MOCK_URL#http://*/}
mkdir -p "$B/nginx/logs"
# A free port: bind 0, read it, close; nginx takes it at once (loopback, nobody else).
PORT=$(free_port)
cat > "$B/nginx/nginx.conf" <<EOF
daemon off;
worker_processes 1;
pid $B/nginx/nginx.pid;
error_log $B/nginx/logs/error.log warn;
events { worker_connections 4096; }
http {
    log_format conn '\$connection \$status \$server_protocol';
    access_log $B/nginx/logs/access.log conn;
    client_body_temp_path $B/nginx/body;
    proxy_temp_path $B/nginx/proxy;
    upstream mock { server $UPSTREAM; keepalive 512; }
    server {
        listen 127.0.0.1:$PORT ssl http2;
        ssl_certificate $B/nginx.crt;
        ssl_certificate_key $B/nginx.key;
        http2_max_concurrent_streams 128;
        keepalive_requests 1000000;
        location / {
            proxy_pass http://mock;
            proxy_http_version 1.1;
            proxy_set_header Connection "";
        }
    }
}
EOF
start_nginx "$B/nginx" "https://127.0.0.1:$PORT/" --cacert "$B/nginx.crt"
# Connections and protocol per run, from nginx's own log.
before_run() { : > "$B/nginx/logs/access.log"; }
after_run() {
    conns=$(awk '{ print $1 }' "$B/nginx/logs/access.log" | sort -u | wc -l)
    proto=$(awk '{ print $3 }' "$B/nginx/logs/access.log" | sort -u | tr '\n' ' ')
    extra=", $conns connection(s), ${proto% }"
    cond=""
    if [ "$1" = 256 ]; then cond=" && $conns <= $MAX_H2_CONNS"; fi
}
measure "HTTP/2+TLS" "https://127.0.0.1:$PORT$WEBHOOK" --cacert "$B/nginx.crt"
exit 0
