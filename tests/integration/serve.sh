# The team server: two instances on one private Redis share webhooks, streams and sends;
# tokens, conflicts, bad input, the audit stream, and the secret kept to the server.
. "$(dirname "$0")/../lib.sh"
. "$(dirname "$0")/lib-serve.sh"
set -e

start_redis
start_mock jelou

# Bad input: one clear line, exit 2, nothing started.
run_jelou serve --listen 127.0.0.1:0
assert_eq "serve without Redis" 2 "$RC"
assert_contains "says what is missing" "no Redis" "$ERR"
run_jelou serve --listen 127.0.0.1:0 --redis http://127.0.0.1:1
assert_eq "a bad Redis URL" 2 "$RC"
assert_contains "says why" "bad Redis URL" "$ERR"
assert_eq "one line" 1 "$(printf '%s\n' "$ERR" | wc -l)"
run_jelou serve --listen 0.0.0.0:0 --redis "$REDIS_URL"
assert_eq "a public address without --public" 2 "$RC"
run_jelou agent add 'no spaces' --redis "$REDIS_URL"
assert_eq "a bad agent name" 2 "$RC"
run_jelou agent revoke nobody --redis "$REDIS_URL"
assert_eq "revoking an unknown agent" 2 "$RC"
assert_contains "says so" "no agent named 'nobody'" "$ERR"
assert_eq "no agent was stored" 0 "$(rcli HLEN jc:agents)"
ok "serve and agent refuse bad input with one line and exit 2"

# The [serve] section of the config file names Redis for both commands.
printf '[serve]\nredis = %s\n' "$REDIS_URL" > "$T/serve.conf"
run_jelou agent list --config "$T/serve.conf"
assert_eq "agent list from the config's [serve] redis" 0 "$RC"
printf '[serve]\nredis = %s\nlisten = 127.0.0.1:0\n' "$REDIS_URL" > "$T/serve.conf"
"$JELOU" serve --config "$T/serve.conf" --spool "$T/c.spool" > "$T/c.out" 2> "$T/c.err" &
C_PID=$!
PIDS="$PIDS $C_PID"
wait_for 10 grep -q '^serve: listening on ' "$T/c.out" || fail "serve from the config did not start"
wait_for 10 status_is 200 "$(sed -n '1s/^serve: listening on //p' "$T/c.out")/v1/healthz" ||
    fail "serve from the config did not reach Redis"
kill "$C_PID"
wait "$C_PID" || fail "serve did not stop cleanly on SIGTERM"
ok "the config's [serve] section gives Redis and the address"

start_serve a --endpoint "$MOCK_URL"; A=$SERVE_URL
start_serve b --endpoint "$MOCK_URL"; B=$SERVE_URL
add_agent ana; ANA=$TOKEN
add_agent bob; BOB=$TOKEN
wait_for 10 status_is 200 "$B/v1/rooms" "$BOB" ||
    fail "a new agent's token is not taken within 10 s"

# A webhook posted to A reaches the streams of A and B; the same delivery to B is taken once.
sse sa "$ANA" "$A"
SA_PID=$SSE_PID
sse sb "$BOB" "$B"
event_body "$T/m1.json" R1 U1 in-1 Hola
assert_eq "webhook to A" 200 "$(post_hook "$A" "$T/m1.json")"
assert_eq "the same delivery to B" 200 "$(post_hook "$B" "$T/m1.json")"
assert_contains "B says it is a repeat" '"duplicate":true' "$(cat "$T/m1.json.answer")"
wait_for 10 grep -q '"in-1"' "$T/sa.sse" || fail "A's client did not get the event"
wait_for 10 grep -q '"in-1"' "$T/sb.sse" || fail "B's client did not get the event"
event_body "$T/m2.json" R1 U1 in-2 second
post_hook "$A" "$T/m2.json" > /dev/null
wait_for 10 grep -q '"in-2"' "$T/sb.sse" || fail "B's client did not get the second event"
wait_for 10 grep -q '"in-2"' "$T/sa.sse" || fail "A's client did not get the second event"
assert_eq "one message event per delivery on A" 2 "$(sse_count sa message)"
assert_eq "one message event per delivery on B" 2 "$(sse_count sb message)"
ok "a webhook to either instance streams to the clients of both, once"

# Bad signature: 401, nothing stored.
event_body "$T/bad.json" R1 U1 in-bad nope
code=$(curl -s -o /dev/null -w '%{http_code}' -H 'X-Jelou-Signature: sha256=00' \
    --data-binary @"$T/bad.json" "$A/jelou/webhook")
assert_eq "unsigned webhook" 401 "$code"
assert_eq "nothing stored for it" 0 "$(rcli XRANGE jc:events - + | grep -c in-bad || true)"
ok "an unsigned webhook is refused with 401"

# A send through B reaches the mock once; the same id again gives its state, not a resend.
assert_eq "send" 202 "$(api "$ANA" POST "$B/v1/messages" '{"id":"out-1","room":"R1","text":"hi"}')"
assert_eq "queued answer" '{"id":"out-1","state":"queued"}' "$(cat "$T/api.out")"
wait_for 15 grep -q '^event: agent.message.accepted' "$T/sa.sse" || fail "no accepted event"
again='{"id":"out-1","room":"R1","text":"hi"}'
assert_eq "same id again" 200 "$(api "$ANA" POST "$A/v1/messages" "$again")"
assert_eq "its current state" '{"id":"out-1","state":"accepted"}' "$(cat "$T/api.out")"
wait_for 10 grep -q '^event: agent.message.accepted' "$T/sb.sse" || fail "B's stream: no accepted"
assert_eq "the mock got out-1 once" 1 "$(mock_count out-1)"
assert_eq "signed body as Jelou expects" "hi" \
    "$(jq -r 'select(.id=="out-1") | .body | fromjson | .value.content.body' "$MOCK_LOG")"
assert_eq "user and bot from the room" "U1 bot-1" \
    "$(jq -r 'select(.id=="out-1") | .body | fromjson | "\(.user_id) \(.bot_id)"' "$MOCK_LOG")"
ok "a send through B reaches Jelou once; its id again answers its state"

# The first reply assigned R1 to ana: bob gets 409; bad input 422 with the field; no token 401.
assert_eq "other agent's room" 409 \
    "$(api "$BOB" POST "$A/v1/messages" '{"room":"R1","text":"x"}')"
assert_contains "409 names the assignee" '"assignee":"ana"' "$(cat "$T/api.out")"
assert_eq "no text" 422 "$(api "$ANA" POST "$A/v1/messages" '{"room":"R1"}')"
assert_contains "422 names the field" '"field":"text"' "$(cat "$T/api.out")"
assert_eq "not JSON" 422 "$(api "$ANA" POST "$A/v1/messages" 'nope')"
assert_eq "unknown room" 422 "$(api "$ANA" POST "$A/v1/messages" '{"room":"R9","text":"x"}')"
assert_contains "unknown room field" '"field":"room"' "$(cat "$T/api.out")"
assert_eq "bad token" 401 "$(api "not-a-token" GET "$A/v1/rooms")"
assert_eq "no token" 401 "$(curl -s -o /dev/null -w '%{http_code}' "$A/v1/rooms")"
assert_eq "nothing else sent" 1 "$(jq -s length "$MOCK_LOG")"
assert_eq "who am I" 200 "$(api "$BOB" GET "$A/v1/me")"
assert_eq "the token's agent" '{"agent":"bob"}' "$(cat "$T/api.out")"
assert_eq "who am I with a bad token" 401 "$(api "not-a-token" GET "$B/v1/me")"
ok "409 for another agent's room, 422 with the field, 401 without a valid token; /v1/me"

# Room operations: assign is compare-and-set; notes never reach Jelou.
assert_eq "assign with a stale expect" 409 \
    "$(api "$BOB" POST "$A/v1/rooms/R1/assign" '{"to":"bob","expect":"carl"}')"
assert_eq "assign to nobody we know" 422 \
    "$(api "$ANA" POST "$A/v1/rooms/R1/assign" '{"to":"nadie","expect":"ana"}')"
assert_eq "says so, naming the field" '{"error":"no agent named '"'nadie'"'","field":"to"}' \
    "$(cat "$T/api.out")"
assert_eq "assign" 200 "$(api "$ANA" POST "$A/v1/rooms/R1/assign" '{"to":"bob","expect":"ana"}')"
assert_eq "note" 200 "$(api "$BOB" POST "$B/v1/rooms/R1/note" '{"text":"call back at 5"}')"
assert_eq "note without text" 422 "$(api "$BOB" POST "$B/v1/rooms/R1/note" '{}')"
assert_eq "unknown operation" 404 "$(api "$BOB" POST "$B/v1/rooms/R1/explode" '{}')"
wait_for 10 grep -q 'call back at 5' "$T/sa.sse" || fail "the note was not streamed"
assert_eq "the note did not reach Jelou" 1 "$(jq -s length "$MOCK_LOG")"
assert_eq "rooms" 200 "$(api "$BOB" GET "$B/v1/rooms")"
assert_eq "snapshot: R1 is bob's" "bob open U1" \
    "$(jq -r '.rooms[] | select(.room=="R1") | "\(.assignee) \(.status) \(.user)"' "$T/api.out")"
assert_eq "snapshot: out-1's end is in R1's log, after its queued" "queued accepted" \
    "$(jq -r '.rooms[] | select(.room=="R1") | .last[]
              | select(.kind | startswith("agent.message.")) | select(.data.id=="out-1")
              | .kind | sub("agent.message."; "")' "$T/api.out" | tr '\n' ' ' | sed 's/ $//')"
as_of=$(jq -r .as_of "$T/api.out")
assert_eq "snapshot's stream id is the last event's" "$as_of" \
    "$(rcli XREVRANGE jc:events + - COUNT 1 | head -1)"
ok "assign is compare-and-set, notes stay in the team, /v1/rooms is a snapshot"

# Status: only the five the consoles know; snoozed keeps its end; the user writing reopens.
room_status() {
    api "$BOB" GET "$A/v1/rooms" > /dev/null
    jq -r '.rooms[] | select(.room=="R1") | "\(.status) \(.snooze_until)"' "$T/api.out"
}
assert_eq "an unknown status" 422 "$(api "$BOB" POST "$A/v1/rooms/R1/status" '{"status":"asleep"}')"
assert_contains "422 names the status" '"field":"status"' "$(cat "$T/api.out")"
assert_eq "snoozed without until" 422 \
    "$(api "$BOB" POST "$A/v1/rooms/R1/status" '{"status":"snoozed"}')"
assert_contains "422 names until" '"field":"until"' "$(cat "$T/api.out")"
assert_eq "still open" "open null" "$(room_status)"
assert_eq "snoozed" 200 \
    "$(api "$BOB" POST "$A/v1/rooms/R1/status" '{"status":"snoozed","until":1795694400000}')"
assert_eq "snoozed until, in /v1/rooms" "snoozed 1795694400000" "$(room_status)"
wait_for 10 grep -q '"until":1795694400000' "$T/sa.sse" || fail "room.status lacks until"
event_body "$T/m3.json" R1 U1 in-3 "¿hola?"
assert_eq "the user writes" 200 "$(post_hook "$A" "$T/m3.json")"
assert_eq "reopened, the snooze gone" "open null" "$(room_status)"
assert_eq "resolved" 200 "$(api "$BOB" POST "$A/v1/rooms/R1/status" '{"status":"resolved"}')"
assert_eq "resolved, in /v1/rooms" "resolved null" "$(room_status)"
event_body "$T/m4.json" R1 U1 in-4 "otra cosa"
post_hook "$A" "$T/m4.json" > /dev/null
assert_eq "a resolved room reopens too" "open null" "$(room_status)"
ok "status takes the five known ones, snoozed keeps until, the user writing reopens"

# Resuming with Last-Event-ID: nothing missed, nothing repeated.
first_id=$(sed -n 's/^id: //p' "$T/sa.sse" | head -1)
sse resume "$ANA" "$B" "$first_id"
want=$(sed -n 's/^id: //p' "$T/sa.sse" | tail -n +2)
resumed() { [ "$(sed -n 's/^id: //p' "$T/resume.sse")" = "$want" ]; }
wait_for 10 resumed || {
    printf 'want:\n%s\ngot:\n%s\n' "$want" "$(sed -n 's/^id: //p' "$T/resume.sse")" >&2
    fail "resume did not give exactly the events after $first_id"
}
sse gone "$ANA" "$B" "1-0"
wait_for 10 grep -q '^event: reset' "$T/gone.sse" || fail "no reset for a trimmed id"
ok "Last-Event-ID resumes with nothing missed or repeated; a trimmed id gets reset"

# The audit stream names the agents; revoking closes the stream and gives 401.
audit=$(rcli XRANGE jc:audit - + | tr '\n' ' ')
assert_contains "audit: ana's send" "agent ana action send room R1 id out-1" "$audit"
assert_contains "audit: ana assigned R1 to bob" "agent ana action assign room R1" "$audit"
assert_contains "audit: bob's note" "agent bob action note room R1" "$audit"
"$JELOU" agent revoke ana --redis "$REDIS_URL" > /dev/null
start=$(date +%s)
wait_for 10 exited "$SA_PID" || fail "ana's stream was not closed"
[ $(( $(date +%s) - start )) -le 6 ] || fail "ana's stream was closed after more than 5 s"
assert_eq "revoked token" 401 "$(api "$ANA" GET "$A/v1/rooms")"
assert_eq "bob still works" 200 "$(api "$BOB" GET "$A/v1/rooms")"
ok "the audit stream names the agent; a revoked token's stream closes and gets 401"

# The signing secret is nowhere but the server's own settings.
rcli BGREWRITEAOF > /dev/null
rewritten() { rcli INFO persistence | grep -q 'aof_rewrite_in_progress:0'; }
wait_for 10 rewritten ||
    fail "the AOF rewrite did not finish"
for f in "$T"/a.out "$T"/a.err "$T"/b.out "$T"/b.err "$T"/*.sse "$T"/*.answer "$T/api.out"; do
    ! grep -q "$JELOU_SIGNING_SECRET" "$f" || fail "the secret is in $f"
done
! grep -rqa "$JELOU_SIGNING_SECRET" "$REDIS_DIR" || fail "the secret is in Redis's files"
for k in $(rcli --scan); do
    ! rcli DUMP "$k" | grep -qa "$JELOU_SIGNING_SECRET" || fail "the secret is in key $k"
done
! grep -q "$ANA" "$T/a.err" "$T/b.err" || fail "a token is in a log"
ok "the secret is in no response, log or Redis key; tokens are in no log"
