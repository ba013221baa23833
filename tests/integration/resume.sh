# Nothing lost, nothing sent twice: kill -9 a batch in flight, then send --resume.
. "${top_srcdir}/tests/lib.sh"
set -e

start_mock slow --delay-ms 200
JDIR="$XDG_STATE_HOME/jelou-console/outbox"
seq 1 200 | awk '{ printf "{\"room\":\"r\",\"user\":\"u\",\"text\":\"mensaje %d\",\"id\":\"k-%d\"}\n", $1, $1 }' \
    > "$T/batch.jsonl"
"$JELOU" send --endpoint "$MOCK_URL" --batch "$T/batch.jsonl" --parallel 8 > "$T/first.out" 2>&1 &
pid=$!
PIDS="$PIDS $pid"
wait_for 20 sh -c "[ \$(grep -c . '$MOCK_LOG' 2>/dev/null || echo 0) -ge 40 ]" \
    || fail "the batch did not get going"
kill -9 "$pid"
wait "$pid" 2> /dev/null || true
ls "$JDIR"/outbox-*.jsonl > /dev/null 2>&1 || fail "no journal was left by the killed batch"
# The journal holds all 200, queued before any was sent.
assert_eq "queued in the journal" 200 "$(cat "$JDIR"/outbox-*.jsonl | grep -c '"op":"queued"')"
# What the killed process knew was accepted must never go out again.
cat "$JDIR"/outbox-*.jsonl | jq -r 'select(.op == "state" and .state == "accepted") | .id' \
    | sort > "$T/known_accepted"
before=$(log_lines)
ok "kill -9 in the middle of a batch leaves a journal of all 200 ($before requests seen)"

"$JELOU" send --endpoint "$MOCK_URL" --resume > "$T/resume.out" 2> "$T/resume.err" \
    || fail "send --resume exited $?: $(cat "$T/resume.err")"
resent=$(wc -l < "$T/resume.out" | tr -d ' ')
assert_eq "every resent message accepted" "$resent" \
    "$(jq -r 'select(.status == "accepted") | .id' < "$T/resume.out" | wc -l | tr -d ' ')"
sed -n "$((before + 1)),\$p" "$MOCK_LOG" | jq -r 'select(.verdict == "accepted") | .id' \
    | sort > "$T/after"
assert_eq "after the restart, no id accepted twice" "" "$(uniq -d "$T/after")"
assert_eq "nothing the killed process saw accepted was sent again" "" \
    "$(comm -12 "$T/known_accepted" "$T/after")"
jq -r 'select(.verdict == "accepted") | .id' < "$MOCK_LOG" | sort -u > "$T/all"
assert_eq "every one of the 200 accepted" 200 "$(wc -l < "$T/all" | tr -d ' ')"
assert_eq "same bytes on the resend" \
    "$(grep -m1 '"id":"k-200"' "$MOCK_LOG" | jq -r .body)" \
    "$(printf '{"field":"messages","object":"message_event","event_type":"incoming_message","project_id":"proj-1","room_id":"r","bot_id":"bot-1","user_id":"u","value":{"id":"k-200","type":"text","content":{"body":"mensaje 200"}}}')"
ls "$JDIR"/outbox-*.jsonl > /dev/null 2>&1 && fail "journals left after everything was sent"
ok "send --resume sends the $resent unfinished ones once, same ids and bytes; none missing"

run_jelou send --endpoint "$MOCK_URL" --resume
assert_eq "nothing left to resume" "0 send: nothing to resume" "$RC $ERR"

# A damaged journal (a torn last line, garbage) is reported and skipped, never fatal.
body='{"field":"messages","object":"message_event","event_type":"incoming_message","project_id":"proj-1","room_id":"r","bot_id":"bot-1","user_id":"u","value":{"id":"d-1","type":"text","content":{"body":"sobreviví"}}}'
jq -cn --arg b "$body" '{op:"queued",time:1,id:"d-1",room:"r",user:"u",type:"text",body:$b}' \
    > "$JDIR/outbox-1-1.jsonl"
printf 'garbage that is not json\n{"op":"state","id":"d-1","sta' >> "$JDIR/outbox-1-1.jsonl"
before=$(log_lines)
run_jelou send --endpoint "$MOCK_URL" --resume --json
assert_eq "resume of a damaged journal" 0 "$RC"
assert_eq "damage reported" "send: outbox journal: 2 damaged lines skipped" "$ERR"
assert_eq "the good message resent" "d-1 accepted" "$(jq -r '"\(.id) \(.status)"' <<< "$OUT")"
assert_eq "its bytes" "$body" "$(sed -n "$((before + 1))p" "$MOCK_LOG" | jq -r .body)"
ok "a torn or garbage journal line is reported and skipped"

# A journal whose process still runs is left alone.
"$JELOU" send --endpoint "$MOCK_URL" --batch "$T/batch.jsonl" > /dev/null 2>&1 &
live=$!
PIDS="$PIDS $live"
wait_for 10 sh -c "ls '$JDIR'/outbox-*.jsonl > /dev/null 2>&1" || fail "no live journal"
run_jelou send --endpoint "$MOCK_URL" --resume
assert_eq "a live journal is not taken over" "0 send: nothing to resume" "$RC $ERR"
kill "$live" 2> /dev/null || true
ok "a running process's journal is not resent by another"
