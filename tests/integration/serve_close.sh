# The team server's close: with the API key, Jelou closes the conversation first, and the
# room is closed for the team only once Jelou said so.
. "$(dirname "$0")/../lib.sh"
. "$(dirname "$0")/lib-serve.sh"
set -e

printf 'test-api-key-7f3a09\n' > "$T/key"
chmod 600 "$T/key"
start_redis
start_mock jelou --api-key-file "$T/key" --project proj-1
PORT=$(printf '%s' "$MOCK_URL" | sed 's|^http://127.0.0.1:\([0-9]*\)/.*|\1|')
BASE="http://127.0.0.1:$PORT/jelouapi/v1/external-support/{projectId}"
start_serve a --endpoint "$MOCK_URL" --api-key-file "$T/key" --rest-base "$BASE"
A=$SERVE_URL
printf 'not-the-key\n' > "$T/wrong"
chmod 600 "$T/wrong"
start_serve b --endpoint "$MOCK_URL" --api-key-file "$T/wrong" --rest-base "$BASE"
B=$SERVE_URL
add_agent ana; ANA=$TOKEN
wait_for 10 status_is 200 "$A/v1/rooms" "$ANA" || fail "the agent's token is not taken"
wait_for 10 status_is 200 "$B/v1/rooms" "$ANA" || fail "the agent's token is not taken"

run_jelou conversation start --user U1 --api-key-file "$T/key" --rest-base "$BASE"
assert_eq "conversation started in the sandbox" 0 "$RC"
event_body "$T/m1.json" R1 U1 in-1 Hola
event_body "$T/m2.json" R2 U2 in-2 Hola
assert_eq "webhook R1" 200 "$(post_hook "$A" "$T/m1.json")"
assert_eq "webhook R2" 200 "$(post_hook "$A" "$T/m2.json")"

# B has a wrong API key: Jelou refuses, the room stays open.
assert_eq "close refused by Jelou" 502 "$(api "$ANA" POST "$B/v1/rooms/R2/close" '{}')"
assert_contains "says Jelou refused" "Jelou did not close the conversation" "$(cat "$T/api.out")"
api "$ANA" GET "$A/v1/rooms" > /dev/null
assert_eq "R2 still open" open "$(jq -r '.rooms[] | select(.room=="R2") | .status' "$T/api.out")"

assert_eq "close" 200 "$(api "$ANA" POST "$A/v1/rooms/R1/close" '{}')"
assert_eq "Jelou got the close for the room's user and bot" '{"botId":"bot-1","userId":"U1"}' \
    "$(jq -r 'select(.path | endswith("/conversations/close")) | select(.status == 200) | .body' \
        "$MOCK_LOG")"
api "$ANA" GET "$A/v1/rooms" > /dev/null
assert_eq "R1 closed" closed "$(jq -r '.rooms[] | select(.room=="R1") | .status' "$T/api.out")"
assert_contains "audit: ana closed R1" "agent ana action close room R1" \
    "$(rcli XRANGE jc:audit - + | tr '\n' ' ')"
! grep -q test-api-key-7f3a09 "$T/a.err" "$T/a.out" "$T/b.err" "$T/api.out" || fail "the API key leaked"
ok "close asks Jelou first (502, still open, when Jelou refuses), then closes the room"
