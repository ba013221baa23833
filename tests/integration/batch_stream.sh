# send --batch streams: results of lines already read come out while the input is still
# open; a slow early line holds later results back (input order) but not their sends; the
# journal holds only what is in flight, and a long batch leaves the journal file small.
. "${top_srcdir}/tests/lib.sh"
set -e

line() {
    printf '{"room":"r","user":"u","text":"mensaje %d","id":"s-%d"}\n' "$1" "$1"
}

# A pipe whose writer waits: the first three results must come before the rest is written.
start_mock stream
mkfifo "$T/in"
"$JELOU" send --endpoint "$MOCK_URL" --batch "$T/in" --parallel 4 > "$T/out" 2> "$T/err" &
pid=$!
PIDS="$PIDS $pid"
exec 3> "$T/in"
for i in 1 2 3; do line "$i" >&3; done
wait_for 20 sh -c "[ \$(grep -c accepted '$T/out' 2>/dev/null || echo 0) -ge 3 ]" \
    || fail "no results while the input was still open: $(cat "$T/out" "$T/err")"
assert_eq "the mock saw only the lines written so far" 3 "$(log_lines)"
for i in 4 5 6; do line "$i" >&3; done
exec 3>&-
wait "$pid" || fail "send exited $?: $(cat "$T/err")"
assert_eq "results in input order" "$(seq 1 6 | sed 's/^/s-/')" "$(jq -r .id < "$T/out")"
assert_eq "all accepted" 6 "$(grep -c '"status":"accepted"' "$T/out")"
ok "results of a pipe's first lines are written before its input ends"
stop_mock

# The first line is answered 3 s late: the 39 after it are sent meanwhile (the mock logs a
# request when it arrives), and their results still come after its own.
start_mock slow --delay-id s-1=3000
seq 1 40 | while read -r i; do line "$i"; done > "$T/slow.jsonl"
run_jelou send --endpoint "$MOCK_URL" --batch "$T/slow.jsonl" --parallel 4
assert_eq "exit status" 0 "$RC"
assert_eq "results in input order" "$(seq 1 40 | sed 's/^/s-/')" "$(jq -r .id < "$T/out")"
first=$(jq -r 'select(.id == "s-1") | .time' < "$MOCK_LOG")
last=$(jq -r 'select(.id == "s-40") | .time' < "$MOCK_LOG")
[ $((last - first)) -lt 3000 ] || fail "line 40 was sent only after line 1 was answered"
ok "a slow first line: the others are sent meanwhile, results stay in input order"
stop_mock

# 8,000 lines of 1 kB with the journal watched as it grows: it is compacted (a file near
# 4 MiB at most, not the 13 MB of every record), and nothing is sent twice.
N=8000
start_mock long
pad=$(printf '%01000d' 0)
awk -v n="$N" -v pad="$pad" 'BEGIN { for (i = 1; i <= n; i++)
    printf "{\"room\":\"r\",\"user\":\"u\",\"text\":\"mensaje %d %s\",\"id\":\"l-%d\"}\n", i, pad, i }' \
    > "$T/long.jsonl"
JDIR="$XDG_STATE_HOME/jelou-console/outbox"
"$JELOU" send --endpoint "$MOCK_URL" --batch "$T/long.jsonl" --parallel 8 > "$T/long.out" \
    2> "$T/long.err" &
pid=$!
PIDS="$PIDS $pid"
max=0
while kill -0 "$pid" 2> /dev/null; do
    s=$(cat "$JDIR"/outbox-*.jsonl 2> /dev/null | wc -c | tr -d ' ')
    [ "$s" -gt "$max" ] && max=$s
    sleep 0.1
done
wait "$pid" || fail "send exited $?: $(head -3 "$T/long.err")"
assert_eq "result lines" "$N" "$(grep -c '"status":"accepted"' "$T/long.out")"
assert_eq "distinct ids accepted by the mock" "$N" \
    "$(jq -r 'select(.verdict == "accepted") | .id' < "$MOCK_LOG" | sort -u | wc -l | tr -d ' ')"
assert_eq "requests seen by the mock" "$N" "$(log_lines)"
[ "$max" -lt $((6 * 1024 * 1024)) ] || fail "the journal grew to $max bytes"
ls "$JDIR"/outbox-*.jsonl > /dev/null 2>&1 && fail "journal left after the batch"
ok "a $N-line batch: the journal stayed under 6 MiB (largest seen: $max bytes)"
