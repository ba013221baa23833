#!/usr/bin/env bash
# Benchmark: peak RSS of `send --batch` for 1,000,000 lines against 10,000 (issue 11 target
# 3: within 1.5x), the batch streamed from a pipe to a mock without --log (its log would
# grow with the batch and fsync every line). The ratio comes from this run alone.
set -euo pipefail
. "${top_srcdir:-$(cd "$(dirname "$0")/.." && pwd)}/bench/lib.sh"

SMALL=${BENCH_MEMORY_SMALL:-10000}
LARGE=${BENCH_MEMORY_LARGE:-1000000}
PARALLEL=8

echo "batch_memory: $(bench_machine); load $(cut -d' ' -f1-3 /proc/loadavg)"
[ -x /usr/bin/time ] || { verdict memory SKIP "/usr/bin/time (GNU time) is not installed"; exit 0; }

# peak_kb COUNT: send --batch of COUNT text lines from a pipe; prints its peak RSS in kB
# and its wall time. Fails unless every line was accepted.
peak_kb() {
    local n=$1 t0 t1
    start_mock mem
    t0=$(now_ns)
    awk -v n="$n" 'BEGIN { for (i = 1; i <= n; i++)
        printf "{\"room\":\"room-%d\",\"user\":\"user-%d\",\"type\":\"text\",\"text\":\"Hola, este es el mensaje número %d del lote de prueba\"}\n", i % 500, i % 500, i }' |
        /usr/bin/time -f '%M' -o "$B/time.out" "$JELOU" send --batch - --parallel "$PARALLEL" \
            --endpoint "$MOCK_URL" 2> "$B/send.err" |
        grep -c '"status":"accepted"' > "$B/acc" || true
    t1=$(now_ns)
    stop_mock "$MOCK_PID"
    [ "$(cat "$B/acc")" = "$n" ] || {
        head -3 "$B/send.err" >&2
        echo "bench: only $(cat "$B/acc") of $n accepted" >&2
        exit 2
    }
    echo "$(tail -n 1 "$B/time.out") $(calc "($t1 - $t0) / 1e9")"
}

read -r small_kb small_s < <(peak_kb "$SMALL")
echo "batch_memory: $SMALL lines: peak RSS $small_kb kB ($(fmt 1 "$small_s") s)"
read -r large_kb large_s < <(peak_kb "$LARGE")
echo "batch_memory: $LARGE lines: peak RSS $large_kb kB ($(fmt 1 "$large_s") s)"
ratio=$(calc "$large_kb / $small_kb")
verdict memory "$(ok_if "$ratio <= 1.5")" \
    "peak RSS of send --batch, $LARGE vs $SMALL lines: $(fmt 2 "$ratio")x ($large_kb vs $small_kb kB), target <= 1.5x"
exit 0
