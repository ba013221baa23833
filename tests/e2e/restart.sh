# A restart keeps what the console acknowledged: rooms, names, the users' messages, the
# agent's replies and closed conversations come back from the journals; a redelivery of an
# event journaled before the restart shows once and is journaled once; older messages of
# a long conversation are read back when the agent scrolls past the top.
. "${top_srcdir}/tests/e2e/lib-e2e.sh"
set -e

start_mock jelou
start_console() {
    console_start 24 80 --endpoint "$MOCK_URL" --listen 127.0.0.1:0
    wait_screen "in 127.0.0.1:"
    inbound_url
}

conversation() { # EVENT ROOM USER TIMESTAMP [EXTRA]
    printf '{"event":"conversation.%s","timestamp":%s,"project_id":"proj-1","room_id":"%s","contact":{"id":"%s"},"conversation":{"id":"conv-%s"}%s}' \
        "$1" "$4" "$2" "$3" "$2" "${5:-}"
}

journal="$XDG_STATE_HOME/jelou-console/events.jsonl"
# journaled ID: how many journal lines hold the event with this value.id.
journaled() {
    jq -r '.body | fromjson | .value.id // empty' < "$journal" | grep -cx -- "$1" || true
}

now=$(( $(date +%s) * 1000 - 60000 ))
start_console
wait_screen "No conversation open"
assert_eq "start accepted" 200 "$(post_event "$(conversation start r-7 u-7 "$now")")"
assert_eq "Marta writes" 200 "$(post_event "$(message r-7 u-7 'Marta Ruiz' m-1 'Hola, ¿hay alguien?' $((now + 1000)))")"
wait_screen "Hola, ¿hay alguien?"
type_text "Sí, aquí estoy"
keys Enter
wait_screen "HH:MM You  accepted 200"
assert_eq "Pablo writes" 200 "$(post_event "$(message r-8 u-8 'Pablo' m-2 'Buenas tardes' $((now + 2000)))")"
assert_eq "close accepted" 200 "$(post_event "$(conversation close r-8 u-8 $((now + 3000)) ',"reason":"expired","message":"La conversación expiró"')")"
wait_screen "Pablo"
keys C-c
wait_for 10 grep -q '^exit=' "$T/console.err" || fail "the console did not quit on Ctrl-C"
assert_eq "first run exit and stderr" "exit=0" "$(cat "$T/console.err")"
ok "a first run: users wrote, the agent answered, Jelou closed one conversation"

# A long conversation that an earlier run journaled three days ago, never answered: more
# messages than stay in memory.
long_ago=$(( now - 3 * 86400000 ))
for i in $(seq -w 1 250); do
    body=$(message r-5 u-5 'Lucía' "long-$i" "mensaje $i" $((long_ago + 10#$i * 1000)))
    jq -cn --arg body "$body" --arg id "long-$i" \
        '{time: 0, event: "message", id: $id, room: "r-5", user: "u-5", body: $body}' >> "$journal"
done

start_console
wait_screen "Rooms (3)"
assert_rows 1 4 <<'SCREEN'
Rooms (3) · waiting │ Lucía · room r-5
▸1 Lucía          3d│ DD Mon Lucía
 2 Pablo       HH:MM│   mensaje 241
 3 Marta Ruiz  HH:MM│ DD Mon Lucía
SCREEN
keys M-2
wait_screen "Pablo · room r-8"
assert_rows 18 24 <<'SCREEN'
                    │ HH:MM Pablo
                    │   Buenas tardes
                    │ HH:MM ·
                    │   conversation closed (expired): La conversación expiró
 To Pablo · user u-8 · room r-8 · closed
>
 127.0.0.1 · outbox 0 · in 127.0.0.1:PORT                 F1 help · F2 history
SCREEN
keys M-3
wait_screen "Marta Ruiz · room r-7"
assert_rows 16 22 <<'SCREEN'
                    │ HH:MM ·
                    │   conversation started
                    │ HH:MM Marta Ruiz
                    │   Hola, ¿hay alguien?
                    │ HH:MM You  accepted 200 (earlier session)
                    │   Sí, aquí estoy
 To Marta Ruiz · user u-7 · room r-7
SCREEN
ok "after a restart: names, users' messages and replies in time order, the closed room"

# Jelou delivers Pablo's message again (it did not see the 200, say): known already.
assert_eq "redelivery answered" 200 "$(post_event "$(message r-8 u-8 'Pablo' m-2 'Buenas tardes' $((now + 2000)))")"
assert_eq "a new message accepted" 200 "$(post_event "$(message r-7 u-7 'Marta Ruiz' m-3 'Gracias' $((now + 30000)))")"
wait_screen "Gracias"
assert_rows 16 21 <<'SCREEN'
                    │ HH:MM Marta Ruiz
                    │   Hola, ¿hay alguien?
                    │ HH:MM You  accepted 200 (earlier session)
                    │   Sí, aquí estoy
                    │ HH:MM Marta Ruiz
                    │   Gracias
SCREEN
keys M-2
wait_screen "Pablo · room r-8"
assert_rows 16 21 <<'SCREEN'
                    │
                    │
                    │ HH:MM Pablo
                    │   Buenas tardes
                    │ HH:MM ·
                    │   conversation closed (expired): La conversación expiró
SCREEN
assert_eq "the redelivery is journaled once" 1 "$(journaled m-2)"
assert_eq "the new message is journaled" 1 "$(journaled m-3)"
ok "a redelivery after the restart shows once and is journaled once"

# Lucía's 250 messages: the newest are on screen; paging up past what memory holds reads
# the older ones back, down to the first.
keys M-1
wait_screen "Lucía · room r-5"
assert_rows 20 21 <<'SCREEN'
                    │ DD Mon Lucía
                    │   mensaje 250
SCREEN
for i in $(seq 1 45); do keys PPage; done
wait_screen "mensaje 001"
assert_rows 1 5 <<'SCREEN'
Rooms (3) · waiting │ Lucía · room r-5 · scrolled (PgDn)
▸1 Lucía          3d│ DD Mon Lucía
 2 Pablo       HH:MM│   mensaje 001
 3 Marta Ruiz  HH:MM│ DD Mon Lucía
                    │   mensaje 002
SCREEN
ok "scrolling past the top reads older messages back from the journal"
