#!/usr/bin/env bash
# Benchmark: the MIME probe of a 30 MB file over HTTPS reads at most 64 KiB (the console's
# own count and the server's log agree), and how its time compares with fetching the whole
# file with curl, in this run.
set -euo pipefail
. "${top_srcdir:-$(cd "$(dirname "$0")/.." && pwd)}/bench/lib.sh"

SIZE=${BENCH_PROBE_BYTES:-30000000}   # under the mock's MOCK_MEDIA_MAX_BYTES (32 MiB)
REPS=${BENCH_REPS_PROBE:-7}           # runs of each; the median counts
MAX_BYTES=65536

echo "probe: $(bench_machine); load $(cut -d' ' -f1-3 /proc/loadavg)"

# A real video's first bytes, then noise: libmagic decides from the start, and the server
# has 30 MB to send if asked for all of it.
mkdir -p "$B/media"
src="$top_srcdir/assets/demo/media/clip.mp4"
[ -f "$src" ] || { echo "bench: $src is missing" >&2; exit 2; }
cp "$src" "$B/media/big.mp4"
head -c "$((SIZE - $(stat -c %s "$src")))" /dev/urandom >> "$B/media/big.mp4"
[ "$(stat -c %s "$B/media/big.mp4")" = "$SIZE" ] || { echo "bench: cannot make the file" >&2; exit 2; }

start_mock probe --media-dir "$B/media" --media-cert "$B/ca.pem" --log "$B/probe.log"
URL="${MOCK_MEDIA%/}/big.mp4"
[ -n "$MOCK_MEDIA" ] || { echo "bench: the mock serves no media" >&2; exit 2; }

# One probe, looked at closely: what the console says it read and what the server sent.
"$JELOU" mime --json --cacert "$B/ca.pem" "$URL" > "$B/mime.json" 2> "$B/mime.err" || {
    cat "$B/mime.json" "$B/mime.err" >&2
    echo "bench: mime failed" >&2
    exit 2
}
bytes=$(sed -n 's/.*"bytes":\([0-9]*\).*/\1/p' "$B/mime.json")
mime=$(sed -n 's/.*"mime":"\([^"]*\)".*/\1/p' "$B/mime.json")
logline=$(grep '"verdict":"media"' "$B/probe.log" | tail -n 1)
range=$(printf '%s\n' "$logline" | sed -n 's/.*"range":\("[^"]*"\|null\).*/\1/p')
status=$(printf '%s\n' "$logline" | sed -n 's/.*"status":\([0-9]*\).*/\1/p')
requests=$(grep -c '"verdict":"media"' "$B/probe.log" || true)
echo "probe: mime --json says: $(cat "$B/mime.json")"
echo "probe: the mock saw $requests request(s); the last: Range $range, status $status"

mime_s=() curl_s=() curl_bytes=0
for ((r = 1; r <= REPS; r++)); do
    t0=$(now_ns)
    "$JELOU" mime --cacert "$B/ca.pem" "$URL" > /dev/null
    t1=$(now_ns)
    curl_bytes=$(curl -sS -o /dev/null -w '%{size_download}' --cacert "$B/ca.pem" "$URL")
    t2=$(now_ns)
    mime_s+=("$(calc "($t1 - $t0) / 1e9")")
    curl_s+=("$(calc "($t2 - $t1) / 1e9")")
done
[ "$curl_bytes" = "$SIZE" ] || { echo "bench: curl fetched $curl_bytes of $SIZE bytes" >&2; exit 2; }
m=$(median "${mime_s[@]}")
c=$(median "${curl_s[@]}")
echo "probe: file $SIZE bytes; detected $mime"
echo "probe: jelou-console mime: $(fmt 1 "$(calc "$m * 1000")") ms (median of $REPS), $bytes bytes read"
echo "probe: curl whole file:    $(fmt 1 "$(calc "$c * 1000")") ms (median of $REPS), $curl_bytes bytes"

ok=PASS
why=""
[ -n "$bytes" ] && [ "$bytes" -le "$MAX_BYTES" ] || { ok=MISS; why="$why; console read ${bytes:-?} bytes"; }
[ "$range" = '"bytes=0-65535"' ] || { ok=MISS; why="$why; Range header was $range"; }
[ "$status" = 206 ] || { ok=MISS; why="$why; status $status, not 206"; }
verdict probe "$ok" "bytes read $bytes <= $MAX_BYTES (Range bytes=0-65535, 206 in the mock's log)$why"
verdict probe INFO "curl whole file / mime probe time = $(fmt 1 "$(calc "$c / $m")")x ($(fmt 1 "$(calc "$c * 1000")") ms vs $(fmt 1 "$(calc "$m * 1000")") ms)"
exit 0
