#!/usr/bin/env bash
# Benchmark: `send --batch` of 20,000 text messages to the mock on loopback, against wrk
# POSTing the same kind of signed body (target >= 0.6 of its requests/s, issue 11), CPU per
# message (target <= 20 us) and against a shell loop of openssl + curl per message (target
# >= 50x). Ratios come from this run alone.
set -euo pipefail
. "${top_srcdir:-$(cd "$(dirname "$0")/.." && pwd)}/bench/lib.sh"

N=${BENCH_BATCH_N:-20000}          # messages per batch run
CURL_N=${BENCH_CURL_N:-200}        # messages for the openssl + curl loop
LOG_N=${BENCH_LOG_N:-2000}         # messages for the run against a logging mock
REPS=${BENCH_REPS:-3}              # runs of each; the median counts
PARALLEL=8                         # send's default --parallel; wrk gets as many connections

echo "batch: $(bench_machine); load $(cut -d' ' -f1-3 /proc/loadavg)"
echo "batch: $N messages per run, $REPS runs each (median), $PARALLEL in flight"

# Text messages the way a script would write them: many rooms, ids left to the console.
awk -v n="$N" 'BEGIN { for (i = 1; i <= n; i++)
    printf "{\"room\":\"room-%d\",\"user\":\"user-%d\",\"type\":\"text\",\"text\":\"Hola, este es el mensaje número %d del lote de prueba\"}\n", i % 500, i % 500, i }' \
    > "$B/batch.jsonl"

# CPU time (user + system) of a process so far, in seconds, from /proc.
cpu_s() {
    awk -v hz="$(getconf CLK_TCK)" '{ print ($14 + $15) / hz }' "/proc/$1/stat"
}

# send --batch FILE COUNT [mock options...] against a fresh mock. Prints "wall_s send_cpu_s
# mock_cpu_s"; fails unless every line was accepted.
run_send() {
    local file=$1 count=$2 t0 t1 acc m0 m1
    shift 2
    start_mock send "$@"
    m0=$(cpu_s "$MOCK_PID")
    t0=$(now_ns)
    { TIMEFORMAT='%U %S'; time "$JELOU" send --batch "$file" --parallel "$PARALLEL"         --endpoint "$MOCK_URL" > "$B/send.out" 2> "$B/send.err"; } 2> "$B/send.time" || {
        cat "$B/send.err" >&2
        echo "bench: send --batch failed" >&2
        exit 2
    }
    t1=$(now_ns)
    m1=$(cpu_s "$MOCK_PID")
    stop_mock "$MOCK_PID"
    acc=$(grep -c '"status":"accepted"' "$B/send.out" || true)
    [ "$acc" = "$count" ] || { echo "bench: only $acc of $count accepted" >&2; exit 2; }
    echo "$(calc "($t1 - $t0) / 1e9") $(awk '{ print $1 + $2 }' "$B/send.time") $(calc "$m1 - $m0")"
}

# The exact bytes send would put on the wire for one message of the batch, and its header.
"$JELOU" send --room room-1 --user user-1 \
    --text 'Hola, este es el mensaje número 1 del lote de prueba' --dry-run \
    --endpoint http://127.0.0.1:9/v1/external-support/webhook > "$B/dry.txt"
SIG=$(sed -n 's/^X-Jelou-Signature: //p' "$B/dry.txt")
BODY=$(tail -n 1 "$B/dry.txt")
# wrk cannot stop after N requests (its main thread sleeps for the whole -d), so it runs for
# WRK_SECONDS, a few times as long as the batch takes, and its rate is what counts.
WRK_SECONDS=${BENCH_WRK_SECONDS:-2}
cat > "$B/post.lua" <<EOF
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
wrk.headers["X-Jelou-Signature"] = "$SIG"
wrk.body = [==[$BODY]==]
EOF

# wrk with one thread (send is one thread too) and 8 connections: prints requests/s.
run_wrk() {
    local m0 m1
    start_mock wrk
    m0=$(cpu_s "$MOCK_PID")
    wrk -t1 -c"$PARALLEL" -d"${WRK_SECONDS}s" -s "$B/post.lua" "$MOCK_URL" > "$B/wrk.out" 2>&1 ||
        { cat "$B/wrk.out" >&2; echo "bench: wrk failed" >&2; exit 2; }
    m1=$(cpu_s "$MOCK_PID")
    stop_mock "$MOCK_PID"
    if grep -q 'Non-2xx' "$B/wrk.out"; then
        cat "$B/wrk.out" >&2
        echo "bench: the mock refused wrk's requests" >&2
        exit 2
    fi
    grep -q "requests in" "$B/wrk.out" || { cat "$B/wrk.out" >&2; exit 2; }
    # requests/s, requests, mock CPU seconds
    echo "$(sed -n 's/^Requests\/sec:[[:space:]]*//p' "$B/wrk.out")" \
        "$(sed -n 's/^[[:space:]]*\([0-9]*\) requests in.*/\1/p' "$B/wrk.out")" "$(calc "$m1 - $m0")"
}

# What a script without the console would do: sign with openssl, post with curl, per
# message. Prints seconds for CURL_N messages.
run_curl() {
    local t0 t1 i code bad=0
    start_mock curl
    t0=$(now_ns)
    for ((i = 1; i <= CURL_N; i++)); do
        printf '{"field":"messages","object":"message_event","event_type":"incoming_message","project_id":"%s","room_id":"room-%d","bot_id":"%s","user_id":"user-%d","value":{"id":"curl-%d-%d","type":"text","content":{"body":"Hola, este es el mensaje número %d del lote de prueba"}}}' \
            "$JELOU_PROJECT_ID" $((i % 500)) "$JELOU_BOT_ID" $((i % 500)) $$ "$i" "$i" > "$B/body.json"
        sig=$(openssl dgst -sha256 -hmac "$JELOU_SIGNING_SECRET" < "$B/body.json" | sed 's/^.*= //')
        code=$(curl -s -o /dev/null -w '%{http_code}' -H 'Content-Type: application/json' \
            -H "X-Jelou-Signature: sha256=$sig" --data-binary @"$B/body.json" "$MOCK_URL")
        [ "$code" = 200 ] || bad=$((bad + 1))
    done
    t1=$(now_ns)
    stop_mock "$MOCK_PID"
    [ "$bad" = 0 ] || { echo "bench: $bad curl posts were refused" >&2; exit 2; }
    calc "($t1 - $t0) / 1e9"
}

have_wrk=1
need_pkg wrk wrk || have_wrk=0

# The mock's --log writes and fsyncs a line per request before it answers: measured once, on
# fewer messages, to show what logging costs rather than to race it.
head -n "$LOG_N" "$B/batch.jsonl" > "$B/batch-log.jsonl"

send_s=() send_cpu=() send_mock_cpu=() wrk_rps=() wrk_n=() wrk_mock_cpu=() curl_s=()
for ((r = 1; r <= REPS; r++)); do
    read -r w c m <<< "$(run_send "$B/batch.jsonl" "$N")"
    send_s+=("$w") send_cpu+=("$c") send_mock_cpu+=("$m")
    if [ "$have_wrk" = 1 ]; then
        read -r rps n m <<< "$(run_wrk)"
        wrk_rps+=("$rps") wrk_n+=("$n") wrk_mock_cpu+=("$m")
    fi
    curl_s+=("$(run_curl)")
    echo "batch: run $r (load $(cut -d' ' -f1-3 /proc/loadavg)): send ${send_s[-1]} s," \
        "wrk ${wrk_rps[-1]:-n/a} req/s, openssl+curl ${curl_s[-1]} s for $CURL_N"
done
read -r log_w _ _ <<< "$(run_send "$B/batch-log.jsonl" "$LOG_N" --log "$B/requests.jsonl")"

send_rate=$(calc "$N / $(median "${send_s[@]}")")
log_rate=$(calc "$LOG_N / $log_w")
curl_rate=$(calc "$CURL_N / $(median "${curl_s[@]}")")
us_send=$(calc "$(median "${send_cpu[@]}") / $N * 1e6")
us_mock=$(calc "$(median "${send_mock_cpu[@]}") / $N * 1e6")
echo "batch: send --batch             $(fmt 0 "$send_rate") messages/s;" \
    "CPU per message: send $(fmt 1 "$us_send") us, mock $(fmt 1 "$us_mock") us"
echo "batch: send --batch, mock --log $(fmt 0 "$log_rate") messages/s ($LOG_N messages, one run;" \
    "the mock fsyncs each log line)"
echo "batch: openssl + curl loop      $(fmt 1 "$curl_rate") messages/s (extrapolated from $CURL_N)"
if [ "$have_wrk" = 1 ]; then
    wrk_rate=$(median "${wrk_rps[@]}")
    us_wrk_mock=$(calc "$(median "${wrk_mock_cpu[@]}") / $(median "${wrk_n[@]}") * 1e6")
    echo "batch: wrk -t1 -c$PARALLEL -d${WRK_SECONDS}s       $(fmt 0 "$wrk_rate") requests/s" \
        "($(median "${wrk_n[@]}") requests); mock CPU per request $(fmt 1 "$us_wrk_mock") us"
    ratio_wrk=$(calc "$send_rate / $wrk_rate")
    verdict batch "$(ok_if "$ratio_wrk >= 0.6")" \
        "send --batch / wrk = $(fmt 2 "$ratio_wrk") ($(fmt 0 "$send_rate") vs $(fmt 0 "$wrk_rate") req/s), target >= 0.60"
else
    verdict batch SKIP "send --batch / wrk: wrk is not installed"
fi
verdict batch "$(ok_if "$us_send <= 20")" \
    "CPU per message of send --batch: $(fmt 1 "$us_send") us, target <= 20 us"
ratio_curl=$(calc "$send_rate / $curl_rate")
verdict batch "$(ok_if "$ratio_curl >= 50")" \
    "send --batch / (openssl+curl) = $(fmt 1 "$ratio_curl")x ($(fmt 0 "$send_rate") vs $(fmt 1 "$curl_rate") msg/s), target >= 50x"
exit 0
