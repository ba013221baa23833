# The sandbox emits signed events to a listener: a scripted user, then REST start and close.
. "${top_srcdir}/tests/lib.sh"
set -e

printf '%s\n' test-api-key-e1 > "$T/key"
chmod 600 "$T/key"

# start_listener PORT: `jelou-console listen` there; sets LISTEN_URL, LISTEN_PID.
start_listener() {
    : > "$T/listen.out"
    "$JELOU" listen --listen "127.0.0.1:$1" > "$T/listen.out" 2> "$T/listen.err" &
    LISTEN_PID=$!
    PIDS="$PIDS $LISTEN_PID"
    wait_for 10 grep -q 'listening on' "$T/listen.out" || {
        cat "$T/listen.err" >&2
        fail "listener did not start"
    }
    LISTEN_URL=$(sed -n 's/^listen: listening on //p' "$T/listen.out")
}

printed_at_least() {
    [ "$(grep -c '^{' "$T/listen.out")" -ge "$1" ]
}

emits_logged_at_least() {
    [ "$(jq -s '[.[] | select(.verdict == "emit")] | length' "$MOCK_LOG")" -ge "$1" ]
}

# events N: waits until the listener printed N event lines, then prints them.
events() {
    wait_for 20 printed_at_least "$1" ||
        fail "the listener printed $(grep -c '^{' "$T/listen.out") events, not $1"
    grep '^{' "$T/listen.out"
}

cat > "$T/script.jsonl" <<'JSON'
{"after_ms":0,"event":"message","id":"m-1","room":"r-ana","user":"u-ana","name":"Ana Pérez","type":"text","text":"¿Siguen ahí?"}

{"after_ms":50,"event":"message","id":"m-2","room":"r-ana","user":"u-ana","type":"image","url":"https://cdn.example/p.jpg","mime":"image/jpeg","caption":"Así"}
{"after_ms":50,"event":"conversation.close","room":"r-ana","user":"u-ana","message":"Adiós"}
JSON

# The listener's port is known before it listens, so that the first events find nobody
# there and have to be retried.
start_listener 0
PORT=${LISTEN_URL#http://127.0.0.1:}
PORT=${PORT%%/*}
kill "$LISTEN_PID"
wait "$LISTEN_PID" 2>/dev/null || true
start_mock emit --api-key-file "$T/key" --emit-to "$LISTEN_URL" --script "$T/script.jsonl"
sleep 0.4
start_listener "$PORT"

assert_eq "scripted events, in order" \
'{"event":"message","kind":"message","id":"m-1","room":"r-ana","user":"u-ana","name":"Ana Pérez","type":"text","text":"¿Siguen ahí?","url":null,"duplicate":false}
{"event":"message","kind":"message","id":"m-2","room":"r-ana","user":"u-ana","name":"Ana Pérez","type":"image","text":"Así","url":"https://cdn.example/p.jpg","duplicate":false}' \
    "$(events 3 | sed -n 1,2p)"
assert_eq "scripted close" \
    'conversation.close r-ana u-ana Ana Pérez Adiós' \
    "$(events 3 | sed -n 3p | jq -r '[.event, .room, .user, .name, .text] | join(" ")')"
ok "a scripted user's events arrive in order, accepted by the listener"

# The mock's log: each emitted body signed like Jelou (openssl recomputes it); the first
# needed more than one attempt because the listener was not up yet.
wait_for 10 emits_logged_at_least 3 ||
    fail "emissions not logged"
jq -c 'select(.verdict == "emit")' "$MOCK_LOG" > "$T/emits"
assert_eq "emit statuses" "200 200 200" "$(jq -r .status "$T/emits" | tr '\n' ' ' | sed 's/ $//')"
first_attempts=$(sed -n 1p "$T/emits" | jq -r .attempts)
[ "$first_attempts" -ge 2 ] || fail "the first event went out in $first_attempts attempt(s)"
i=0
while IFS= read -r line; do
    i=$((i + 1))
    printf '%s' "$line" | jq -j .body > "$T/body.$i"
    assert_eq "signature $i" "sha256=$(hmac "$T/body.$i")" \
        "$(printf '%s' "$line" | jq -r .signature)"
done < "$T/emits"
assert_eq "message event shape" 'message messages message_event proj-1 r-ana u-ana' \
    "$(jq -r '[.event_type, .field, .object, .project_id, .room_id, .contact.id] | join(" ")' \
    "$T/body.1")"
ok "events are signed over their exact bytes and retried until the listener is up"

# REST start and close make Jelou's conversation events
BASE="${MOCK_URL%/v1/external-support/webhook}/jelouapi/v1/external-support/{projectId}"
run_jelou conversation start --user u-kai --message Hola --api-key-file "$T/key" \
    --rest-base "$BASE" --json
assert_eq "start exit" 0 "$RC"
C=$(printf '%s' "$OUT" | jq -r .conversation)
assert_eq "start event" "conversation.start $C room-u-kai u-kai" \
    "$(events 4 | sed -n 4p | jq -r '[.event, .id, .room, .user] | join(" ")')"
run_jelou conversation close --user u-kai --message 'Hasta pronto' --api-key-file "$T/key" \
    --rest-base "$BASE"
assert_eq "close exit" 0 "$RC"
assert_eq "close event" "conversation.close $C room-u-kai u-kai Hasta pronto" \
    "$(events 5 | sed -n 5p | jq -r '[.event, .id, .room, .user, .text] | join(" ")')"
wait_for 10 emits_logged_at_least 5 || fail "the close event was not logged"
jq -c 'select(.verdict == "emit")' "$MOCK_LOG" | tail -n 1 | jq -j .body > "$T/close.json"
assert_eq "close event body" "conversation.close proj-1 bot-1 closed_by_operator Hasta pronto" \
    "$(jq -r '[.event, .project_id, .bot.id, .reason, .message] | join(" ")' "$T/close.json")"
ok "REST start and close emit conversation.start and conversation.close"

# A script with a mistake stops the start, naming the line
printf '%s\n' '{"event":"message","room":"r","user":"u","type":"image"}' > "$T/bad.jsonl"
run_jelou mock --listen 127.0.0.1:0 --emit-to "$LISTEN_URL" --script "$T/bad.jsonl"
assert_eq "bad script exit" 2 "$RC"
assert_eq "bad script error" \
    "jelou-console: mock: script $T/bad.jsonl:1: an image message needs \"url\"" "$ERR"
run_jelou mock --listen 127.0.0.1:0 --script "$T/script.jsonl"
assert_eq "script without --emit-to" 2 "$RC"
ok "a bad script or one with nowhere to go is refused at start"
