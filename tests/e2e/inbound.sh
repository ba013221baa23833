# The inbound side on screen: users write in (signed like Jelou), a forged event never shows,
# /close goes to the REST API with the key, a closed room refuses sends, everything is journaled.
. "${top_srcdir}/tests/e2e/lib-e2e.sh"
set -e

printf 'k3y-for-tests\n' > "$T/key"
chmod 600 "$T/key"
start_mock jelou --api-key-file "$T/key"
port=$(sed 's/.*:\([0-9]*\)\/.*/\1/' <<< "$MOCK_URL")
console_start 24 80 --endpoint "$MOCK_URL" --listen 127.0.0.1:0 --api-key-file "$T/key" \
    --rest-base "http://127.0.0.1:$port/jelouapi/v1/external-support/{projectId}"
wait_screen "No conversation open"
wait_screen "in 127.0.0.1:"
inbound_url

now=$(( $(date +%s) * 1000 ))

assert_eq "first message accepted" 200 "$(post_event "$(message r-7 u-7 'Marta Ruiz' m-1 'Hola, ¿hay alguien?' "$now")")"
wait_screen "Hola, ¿hay alguien?"
assert_eq "forged event refused" 401 "$(post_event "$(message r-9 u-9 'Intruso' m-9 'forged' "$now")" wrong-secret)"
assert_eq "second user accepted" 200 "$(post_event "$(message r-8 u-8 'Pablo' m-2 'Buenas tardes' "$now")")"
assert_eq "duplicate accepted" 200 "$(post_event "$(message r-8 u-8 'Pablo' m-2 'Buenas tardes' "$now")")"
wait_screen "Pablo"
assert_rows 1 3 <<'SCREEN'
Rooms (2) · waiting │ Marta Ruiz · room r-7
▸1 Marta Ruiz    <1m│
 2 Pablo      +1 <1m│
SCREEN
assert_rows 20 24 <<'SCREEN'
                    │ HH:MM Marta Ruiz
                    │   Hola, ¿hay alguien?
 To Marta Ruiz · user u-7 · room r-7
>
 127.0.0.1 · outbox 0 · in 127.0.0.1:PORT                 F1 help · F2 history
SCREEN
screen | grep -q "Intruso\|forged" && fail "a forged event reached the screen"
journal="$XDG_STATE_HOME/jelou-console/events.jsonl"
assert_eq "journal has the two accepted events once each" "m-1 m-2" \
    "$(jq -r '.body | fromjson | .value.id' < "$journal" | tr '\n' ' ' | sed 's/ $//')"
ok "users write in; the forged one never shows; the duplicate shows once; all journaled"

# The agent answers, then closes the conversation through the REST API.
type_text "Sí, aquí estoy"
keys Enter
wait_screen "HH:MM You  accepted 200"
type_text "/close Gracias por escribirnos"
keys Enter
wait_screen "conversation with Marta Ruiz closed"
assert_rows 1 1 <<'SCREEN'
Rooms (2) · waiting │ Marta Ruiz · room r-7 · closed
SCREEN
wait_screen "you closed the conversation"
rest=$(grep '"verdict":"rest"' "$MOCK_LOG")
assert_eq "REST close with the key" "close ok 200 POST /jelouapi/v1/external-support/proj-1/conversations/close" \
    "$(jq -r '[.action, .api_key, .status, .method, .path] | join(" ")' <<< "$rest")"
assert_eq "REST close body" '{"botId":"bot-1","userId":"u-7","redirectPayload":{"type":"text","text":"Gracias por escribirnos"}}' \
    "$(jq -r .body <<< "$rest")"
grep -q "k3y-for-tests" "$MOCK_LOG" && fail "the API key was logged"
ok "/close calls the REST API with the key and marks the room closed"

before=$(grep -c '"verdict":"accepted"' "$MOCK_LOG")
type_text "¿Algo más?"
keys Enter
wait_screen "this conversation is closed; nothing was sent"
assert_eq "nothing sent to a closed room" "$before" "$(grep -c '"verdict":"accepted"' "$MOCK_LOG")"
keys C-u
ok "a closed room refuses sends with a clear message"

# Jelou closes the other conversation: the room says so.
close_event=$(printf '{"event":"conversation.close","timestamp":%s,"project_id":"proj-1","room_id":"r-8","contact":{"id":"u-8"},"conversation":{"id":"conv-r-8"},"reason":"expired","message":"La conversación expiró"}' "$now")
assert_eq "close event accepted" 200 "$(post_event "$close_event")"
keys M-1
wait_screen "conversation closed (expired): La conversación expiró"
assert_rows 1 1 <<'SCREEN'
Rooms (2) · waiting │ Pablo · room r-8 · closed
SCREEN
ok "conversation.close from Jelou closes the room with its reason"
