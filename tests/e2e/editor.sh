# Ctrl-X Ctrl-E runs $EDITOR as a child: while it has the terminal the console draws nothing
# and reads no keys, but still answers Jelou's events and finishes its sends; then the text
# lands in the compose box.
. "${top_srcdir}/tests/e2e/lib-e2e.sh"
set -e

# An "editor" that stays open until the test says so, then appends a line to the draft.
cat > "$T/editor.sh" <<EDITOR
#!/bin/sh
echo "EDITOR OPEN"
: > "$T/editor-open"
while [ ! -e "$T/go" ]; do sleep 0.05; done
printf '%s\ndesde el editor\n' "\$(cat "\$1")" > "\$1"
EDITOR
chmod +x "$T/editor.sh"

# Every answer of the sandbox takes seconds: the send is still out when the editor opens.
start_mock ed --delay-ms 4000
E2E_ENV="EDITOR=$T/editor.sh VISUAL="
console_start 24 80 --endpoint "$MOCK_URL" --listen 127.0.0.1:0
wait_screen "in 127.0.0.1:"
inbound_url

type_text "/open room-1 user-1 Ana"
keys Enter
wait_screen "opened room room-1"
type_text "primer mensaje"
keys Enter
wait_screen "primer mensaje"
type_text "borrador"
keys C-x C-e
wait_for 15 test -e "$T/editor-open" || fail "the editor did not start"
wait_screen "EDITOR OPEN"

# A user writes while the editor is open: answered at once, not after the editor.
now=$(( $(date +%s) * 1000 ))
printf '{"event_type":"message","timestamp":%s,"project_id":"proj-1","room_id":"room-2","contact":{"id":"user-2","name":"Pablo"},"conversation":{"id":"conv-2"},"bot":{"id":"bot-1"},"value":{"id":"m-1","type":"text","content":{"body":"¿Hola?"}}}' \
    "$now" > "$T/event"
code=$(curl -s -o /dev/null -w '%{http_code}' --max-time 10 -H 'Content-Type: application/json' \
    -H "X-Jelou-Signature: sha256=$(hmac "$T/event")" --data-binary @"$T/event" "$IN" || true)
assert_eq "an event posted while the editor is open" 200 "$code"
ok "the listener answers while the editor is open"

# The send that was out finishes, and is recorded, with the editor still open.
hist="$XDG_STATE_HOME/jelou-console/history.jsonl"
wait_for 20 grep -q '"status":"accepted"' "$hist" || fail "the send stalled while the editor was open"
[ -e "$T/go" ] && fail "the editor closed early"
ok "a send completes while the editor is open"

screen > "$T/screen"
grep -q "Rooms (" "$T/screen" && { cat "$T/screen" >&2; fail "the console drew over the editor"; }
grep -q "EDITOR OPEN" "$T/screen" || { cat "$T/screen" >&2; fail "the editor's screen is gone"; }
ok "nothing is drawn while the editor has the terminal"

: > "$T/go"
wait_screen "  desde el editor"
assert_rows 1 3 <<'SCREEN'
Rooms (2) · waiting │ Ana · room room-1
 1 Pablo      +1 <1m│
▸2 Ana         HH:MM│
SCREEN
assert_rows 21 24 <<'SCREEN'
 To Ana · user user-1 · room room-1
> borrador
  desde el editor
 127.0.0.1 · link ok · outbox 0 · in 127.0.0.1:PORT       F1 help · F2 history
SCREEN
ok "the edited text lands in the compose box; the event and the send are on screen"

# Keys are the console's again.
keys C-u BSpace C-u
assert_rows 22 23 <<'SCREEN'
 To Ana · user user-1 · room room-1
>
SCREEN
ok "the console reads the keys again"

# An editor that fails leaves the draft as it was and says why.
keys C-c
wait_for 10 grep -q '^exit=' "$T/console.err" || fail "the console did not quit"
assert_eq "first run: exit and stderr" "exit=0" "$(cat "$T/console.err")"
E2E_ENV="EDITOR=false VISUAL="
console_start 24 80 --endpoint "$MOCK_URL" --listen 127.0.0.1:0
wait_screen "F1 help"
type_text "/open room-1 user-1 Ana"
keys Enter
wait_screen "opened room room-1"
type_text "se queda"
keys C-x C-e
wait_screen "the editor (false) exited with status 1; the draft is unchanged"
assert_rows 23 23 <<'SCREEN'
> se queda
SCREEN
keys C-u C-c
wait_for 10 grep -q '^exit=' "$T/console.err" || fail "the console did not quit"
assert_eq "second run: exit and stderr" "exit=0" "$(cat "$T/console.err")"
ok "a failing editor leaves the draft unchanged and says so"
