# The team server's faults: the sender lease holder killed mid-batch, Redis killed during
# a webhook flood and restarted from its AOF, Redis paused (the spool takes over).
. "$(dirname "$0")/../lib.sh"
. "$(dirname "$0")/lib-serve.sh"
set -e

start_redis
start_mock jelou --delay-ms 20
start_serve a --endpoint "$MOCK_URL"; A=$SERVE_URL; A_PID=$SERVE_PID
start_serve b --endpoint "$MOCK_URL"; B=$SERVE_URL; B_PID=$SERVE_PID
add_agent ana; ANA=$TOKEN
wait_for 10 status_is 200 "$A/v1/rooms" "$ANA" ||
    fail "the agent's token is not taken"
event_body "$T/m0.json" R1 U1 in-0 Hola
assert_eq "webhook" 200 "$(post_hook "$A" "$T/m0.json")"

# --- kill -9 of the lease holder in the middle of 1,000 queued sends ---------------------
leased() { rcli GET jc:lease | grep -q .; }
wait_for 10 leased || fail "nobody took the lease"
holder=$(rcli GET jc:lease)
if grep -q "instance $holder" "$T/a.err"; then
    victim=$A_PID; other=$B; survivor=b
else
    victim=$B_PID; other=$A; survivor=a
fi
: > "$T/sends.cfg"
for i in $(seq 1 1000); do
    [ "$i" -gt 1 ] && echo next >> "$T/sends.cfg"
    printf 'url = "%s/v1/messages"\nheader = "Authorization: Bearer %s"\n' "$other" "$ANA" \
        >> "$T/sends.cfg"
    printf 'header = "Content-Type: application/json"\noutput = "/dev/null"\n' \
        >> "$T/sends.cfg"
    printf 'data = "{\\"id\\":\\"s-%d\\",\\"room\\":\\"R1\\",\\"text\\":\\"n %d\\"}"\n' \
        "$i" "$i" >> "$T/sends.cfg"
    printf 'write-out = "%%{http_code}\\n"\n' >> "$T/sends.cfg"
done
curl -s -K "$T/sends.cfg" > "$T/sends.codes" &
SENDER=$!
PIDS="$PIDS $SENDER"
wait_for 60 lines_at_least 100 "$MOCK_LOG" || fail "sending did not start"
kill -9 "$victim"
wait "$victim" 2>/dev/null || true
wait "$SENDER" || fail "queueing the sends failed"
assert_eq "every send queued" 1000 "$(grep -cx 202 "$T/sends.codes")"
all_sent() { [ "$(jq -r .id "$MOCK_LOG" | grep '^s-' | sort -u | wc -l)" -eq 1000 ]; }
wait_for 120 all_sent || {
    echo "sent: $(jq -r .id "$MOCK_LOG" | grep '^s-' | sort -u | wc -l)" >&2
    cat "$T/$survivor.err" >&2
    fail "not every message reached Jelou after the lease holder died"
}
grep -q 'took the sender lease' "$T/$survivor.err" || fail "the survivor never took the lease"
dups=$(jq -r .id "$MOCK_LOG" | grep '^s-' | sort | uniq -d)
ndups=$(printf '%s' "$dups" | grep -c . || true)
[ "$ndups" -le 80 ] || fail "$ndups messages went out twice: more than were in flight"
for id in $dups; do
    assert_eq "a repeat of $id carries the same bytes" 1 \
        "$(jq -r "select(.id==\"$id\") | .body" "$MOCK_LOG" | sort -u | wc -l)"
done
none_pending() { [ "$(rcli XPENDING jc:outbox senders | head -1)" -eq 0 ]; }
wait_for 30 none_pending || fail "sends are left pending"
ok "kill -9 of the lease holder: the other sent all 1,000 ($ndups in flight repeated, same bytes)"

# --- kill -9 of Redis during a webhook flood; restart from its AOF ----------------------
# Only the survivor is left; a flood of deliveries, Redis killed and restarted in the middle.
S=$other
flood() {
    local i code
    for i in $(seq 1 "$2"); do
        event_body "$T/f.json" R2 U2 "$1-$i" "flood $i"
        code=$(post_hook "$S" "$T/f.json")
        echo "$1-$i $code"
    done
}
flood k 150 > "$T/flood1" &
FLOOD=$!
PIDS="$PIDS $FLOOD"
wait_for 30 lines_at_least 40 "$T/flood1" || fail "the flood did not start"
kill -9 "$REDIS_PID"
wait "$REDIS_PID" 2>/dev/null || true
wait_for 30 lines_at_least 80 "$T/flood1" || fail "webhooks stopped while Redis was down"
redis_launch || fail "Redis did not restart"
wait "$FLOOD"
wait_for 30 status_is 200 "$S/v1/healthz" || fail "serve did not reconnect"
wait_for 30 spool_empty "$survivor" ||
    fail "the spool was not replayed"
rcli XRANGE jc:events - + | grep -o '"id":"k-[0-9]*"' | sort > "$T/k.stored"
grep ' 200$' "$T/flood1" | cut -d' ' -f1 | sed 's/.*/"id":"&"/' | sort > "$T/k.answered"
[ "$(wc -l < "$T/k.answered")" -eq 150 ] || fail "not every webhook was answered 200"
missing=$(comm -23 "$T/k.answered" "$T/k.stored")
[ -z "$missing" ] || fail "answered 200 but missing from the stream: $missing"
assert_eq "none doubled" "" "$(uniq -d "$T/k.stored")"
ok "kill -9 of Redis in a webhook flood: every webhook answered 200 is in the stream, once"

# --- Redis paused: healthz 503, webhooks spooled (200), replayed after ---------------------
kill -STOP "$REDIS_PID"
wait_for 6 status_is 503 "$S/v1/healthz" ||
    { kill -CONT "$REDIS_PID"; fail "healthz did not turn 503 while Redis was paused"; }
assert_eq "a send while Redis is paused" 503 \
    "$(api "$ANA" POST "$S/v1/messages" '{"id":"paused-1","room":"R1","text":"x"}')"
flood p 20 > "$T/flood2"
kill -CONT "$REDIS_PID"
[ "$(grep -c ' 200$' "$T/flood2")" -eq 20 ] || fail "webhooks were refused while Redis was paused"
wait_for 30 status_is 200 "$S/v1/healthz" || fail "healthz did not come back"
wait_for 30 spool_empty "$survivor" ||
    fail "the spool was not replayed"
rcli XRANGE jc:events - + | grep -o '"id":"p-[0-9]*"' | sort > "$T/p.stored"
assert_eq "all 20 replayed" 20 "$(sort -u "$T/p.stored" | wc -l)"
assert_eq "none doubled" "" "$(uniq -d "$T/p.stored")"
ok "Redis paused: healthz 503, webhooks answered 200 from the spool, replayed once"
