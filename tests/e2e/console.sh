# A shift in the console against the sandbox: open a room, fail and retry, send text and an
# image, review the history, resize with a draft. Screens asserted line by line.
. "${top_srcdir}/tests/e2e/lib-e2e.sh"
set -e

start_mock e2e --fail-first 3 --media-dir "$top_srcdir/assets/demo/media" --media-cert "$T/ca.pem"
MEDIA=$(sed -n 's/^mock: media on //p' "$T/e2e.out")
MEDIA=${MEDIA%/}
console_start 24 80 --endpoint "$MOCK_URL" --cacert "$T/ca.pem" --attempts 3 --listen 127.0.0.1:0

wait_screen "No conversation open"
assert_rows 1 3 <<'SCREEN'
Rooms (0) · waiting │ No conversation open
                    │
                    │ /open ROOM USER opens one; users who write appear here.
SCREEN
ok "starts with no rooms and says how to open one"

type_text "/open room-1 user-1 Ana Pérez"
keys Enter
wait_screen "opened room room-1 for user user-1"
assert_rows 22 24 <<'SCREEN'
 To Ana Pérez · user user-1 · room room-1
>
 opened room room-1 for user user-1                        F1 help · F2 history
SCREEN
ok "/open opens a room by hand"

# The mock fails the first three requests: the first message fails after three attempts.
type_text "Hola Ana, ¿en qué te ayudo?"
keys Enter
wait_screen "failed 500"
id1=$(logged 1 .id)
assert_eq "three attempts, one id" "$id1 $id1 $id1" "$(logged 1 .id) $(logged 2 .id) $(logged 3 .id)"
screen | grep -F "HH:MM You  failed 500: {\"error\":\"injected failure\"}" > /dev/null \
    || { screen >&2; fail "the failure is not shown inline"; }
ok "a failing send shows failed 500 with the server's reason"

type_text "/retry"
keys Enter
wait_screen "accepted 200"
assert_eq "the retry reuses the id" "$id1" "$(logged 4 .id)"
assert_eq "the retry is accepted" "200 accepted" "$(logged 4 '"\(.status) \(.verdict)"')"
assert_eq "same bytes on the retry" "$(logged 1 .body)" "$(logged 4 .body)"
printf '%s' "$(logged 4 .body)" > "$T/body4"
assert_eq "signature of the retry" "sha256=$(hmac "$T/body4")" "$(logged 4 .signature)"
assert_eq "body of the retry" "Hola Ana, ¿en qué te ayudo?" "$(logged 4 '.body | fromjson | .value.content.body')"
ok "/retry resends with the same id and bytes, and it is accepted"

type_text "Reinicia el router, por favor"
keys Enter
wait_screen "Reinicia el router, por favor"
wait_for 10 grep -q '"seq":5' "$MOCK_LOG" || fail "the second message never reached the mock"
assert_eq "second message" "accepted Reinicia el router, por favor" \
    "$(logged 5 '"\(.verdict) \(.body | fromjson | .value.content.body)"')"
ok "a text message is signed and accepted"

# An image from the sandbox's HTTPS media server: detected, confirmed, sent.
type_text "/image $MEDIA/photo.jpg Así se ve"
keys Enter
wait_screen "Attach image image/jpeg"
keys Enter
wait_screen "[image] image/jpeg"
wait_for 10 grep -q '"type":"image"' "$MOCK_LOG" || fail "the image never reached the mock"
assert_eq "image on the wire" "image/jpeg Así se ve" \
    "$(grep '"type":"image"' "$MOCK_LOG" | jq -r '.body | fromjson | "\(.value.content.mime_type) \(.value.content.caption)"')"
assert_rows 14 24 <<'SCREEN'
                    │ HH:MM You  accepted 200
                    │   Hola Ana, ¿en qué te ayudo?
                    │ HH:MM You  accepted 200
                    │   Reinicia el router, por favor
                    │ HH:MM You  accepted 200
                    │   [image] image/jpeg
                    │   https://127.0.0.1:PORT/media/photo.jpg
                    │   Así se ve
 To Ana Pérez · user user-1 · room room-1
>
 127.0.0.1 · link ok · outbox 0 · in 127.0.0.1:PORT       F1 help · F2 history
SCREEN
ok "an attached image is probed, confirmed and sent"

# The history lists every send, newest first, the retried one with all four attempts.
keys F2
wait_screen "Send history"
assert_rows 1 6 <<'SCREEN'
 Send history · 3 messages · / filters (words, status:failed, room:ID, type:imag
 time  room         user         type     status            tries  message
 HH:MM room-1       user-1       image    accepted 200      1      [image] Así s
 HH:MM room-1       user-1       text     accepted 200      1      Reinicia el r
 HH:MM room-1       user-1       text     accepted 200      4      Hola Ana, ¿en

SCREEN
keys /
type_text "type:image"
keys Enter
wait_screen "filter: type:image"
assert_rows 1 4 <<'SCREEN'
 Send history · 1 message · filter: type:image
 time  room         user         type     status            tries  message
 HH:MM room-1       user-1       image    accepted 200      1      [image] Así s

SCREEN
keys Escape
wait_screen "F1 help"
ok "the history shows every send and filters"

# The history is durable: one line per finished send, retried one last.
hist="$XDG_STATE_HOME/jelou-console/history.jsonl"
assert_eq "history file lines" "failed accepted accepted accepted" "$(jq -r .status < "$hist" | tr '\n' ' ' | sed 's/ $//')"
assert_eq "history keeps the id across the retry" "$id1 $id1" "$(sed -n '1p;2p' "$hist" | jq -r .id | tr '\n' ' ' | sed 's/ $//')"
ok "the history file has every finished send"

# A draft survives a resize, and the user pane comes and goes with the width.
type_text "borrador sin enviar"
wait_screen "> borrador sin enviar"
tm resize-window -t console -x 100 -y 30
wait_screen "│ User"
tm resize-window -t console -x 80 -y 24
wait_screen " 127.0.0.1 · link ok · outbox 0 · in 127.0.0.1:PORT       F1 help · F2 history"
assert_rows 22 24 <<'SCREEN'
 To Ana Pérez · user user-1 · room room-1
> borrador sin enviar
 127.0.0.1 · link ok · outbox 0 · in 127.0.0.1:PORT       F1 help · F2 history
SCREEN
ok "resizing keeps the draft"

# Quitting is clean and says nothing.
keys C-c
wait_for 10 grep -q '^exit=' "$T/console.err" || fail "the console did not quit on Ctrl-C"
assert_eq "console exit and stderr" "exit=0" "$(cat "$T/console.err")"
ok "Ctrl-C quits with exit 0"

# The next session shows this one's sends in their rooms, marked as earlier.
console_start 24 80 --endpoint "$MOCK_URL" --cacert "$T/ca.pem" --listen 127.0.0.1:0
wait_screen "(earlier session)"
assert_rows 1 2 <<'SCREEN'
Rooms (1) · waiting │ user-1 · room room-1
▸1 user-1      HH:MM│
SCREEN
assert_rows 16 21 <<'SCREEN'
                    │ HH:MM You  accepted 200 (earlier session)
                    │   Hola Ana, ¿en qué te ayudo?
                    │ HH:MM You  accepted 200 (earlier session)
                    │   Reinicia el router, por favor
                    │ HH:MM You  accepted 200 (earlier session)
                    │   [image] https://127.0.0.1:PORT/media/photo.jpg
SCREEN
ok "the next session shows the earlier sends, marked"
