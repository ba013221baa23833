# Team mode on screen: two agents (two consoles) share one Jelou integration through two
# team server instances on a private Redis: messages both see, the first reply claims the
# room, a colleague's send refused with the owner's name, /take, notes (never sent to
# Jelou), typing, mentions, and the kill -9 of the instance both consoles are on.
. "${top_srcdir}/tests/e2e/lib-e2e.sh"
. "${top_srcdir}/tests/integration/lib-serve.sh"
set -e

start_redis
start_mock jelou
start_serve a --endpoint "$MOCK_URL"
A=$SERVE_URL
A_PID=$SERVE_PID
start_serve b --endpoint "$MOCK_URL"
B=$SERVE_URL
B_PID=$SERVE_PID
add_agent laura
LAURA=$TOKEN
add_agent diego
DIEGO=$TOKEN
wait_for 10 status_is 200 "$A/v1/me" "$DIEGO" || fail "a new token is not taken by A"
wait_for 10 status_is 200 "$B/v1/me" "$LAURA" || fail "a new token is not taken by B"
REAL=$JELOU

# A console that holds a signing secret is refused: the team server alone signs.
# (Session names must not be prefixes of one another: tmux matches targets by prefix.)
CONSOLE=refused console_start 24 120 --server "$A" --token-file "$T/laura.token"
wait_for 10 grep -q '^exit=' "$T/refused.err" || fail "the console with a secret did not stop"
assert_eq "refused, naming the setting" "jelou-console: team mode holds no signing secret, \
but JELOU_SIGNING_SECRET names one: remove it (the team server signs every message)
exit=2" "$(cat "$T/refused.err")"
ok "team mode refuses to start with a signing secret, naming where it comes from"

# refused_with LINE ARGS...: the console (without the secret) stops at once with LINE, exit 2.
refused_with() {
    local want=$1
    shift
    rm -f "$T/refused.err"
    CONSOLE=refused JELOU="env -u JELOU_SIGNING_SECRET $REAL" console_start 24 120 "$@"
    wait_for 10 grep -q '^exit=' "$T/refused.err" || fail "the console did not stop: $*"
    assert_eq "refused: $*" "jelou-console: $want
exit=2" "$(cat "$T/refused.err")"
}
refused_with "--server: http:// endpoints are only allowed on loopback (127.0.0.1, ::1, \
localhost); use https://" --server "$A,http://team.example:8788" --token-file "$T/laura.token"
refused_with "team mode needs the agent's token: give --token-file, set JELOU_TOKEN_FILE or \
put token_file= in the config file" --server "$A"
refused_with "team mode runs no listener: the team server receives Jelou's events (drop \
--listen)" --server "$A" --token-file "$T/laura.token" --listen 127.0.0.1:0
chmod 644 "$T/laura.token"
refused_with "agent token file $T/laura.token is readable by group or others: run chmod 600 \
$T/laura.token" --server "$A" --token-file "$T/laura.token"
chmod 600 "$T/laura.token"
tm kill-session -t refused
run_jelou --demo --server "$A"
assert_eq "--demo with --server" "2 jelou-console: --demo runs its own sandbox: it takes no \
--server or --token-file" "$RC $ERR"
ok "bad team settings: one line each, exit 2, before anything starts"

# user ROOM ID TEXT: a user's message, as Jelou posts it, to instance URL ($2.. shifted).
user_says() { # URL ROOM ID TEXT
    message "$2" "u-$2" 'Ana Pérez' "$3" "$4" "$(( $(date +%s) * 1000 ))" > "$T/hook.json"
    assert_eq "webhook $3" 200 "$(post_hook "$1" "$T/hook.json")"
}
user_says "$A" R1 m-1 'Hola, necesito ayuda'

# team_console NAME AGENT: agent AGENT's console in tmux session NAME, its own state dir,
# without the test's signing secret (the team server has it).
team_console() {
    CONSOLE=$1 XDG_STATE_HOME="$T/state-$1" JELOU="env -u JELOU_SIGNING_SECRET $REAL" \
        console_start 24 120 --server "$A,$B" --token-file "$T/$2.token"
}
team_console a laura
team_console b diego
CONSOLE=a wait_screen 'Hola, necesito ayuda'
CONSOLE=b wait_screen 'Hola, necesito ayuda'
CONSOLE=a assert_rows 1 2 <<'SCREEN'
All 1 · waiting               │ Ana Pérez · room R1                                      │ User
▸1 Ana Pérez             · <1m│                                                          │
SCREEN
# (The port's digits move the hint on the right: the status line's left part only.)
CONSOLE=b wait_screen ' team · 127.0.0.1:PORT · outbox 0  '
ok "both agents see the user's message; nobody has the room yet"

# Laura replies first: the room becomes hers; Diego sees her reply with her name.
CONSOLE=a type_text 'Hola Ana, soy Laura'
CONSOLE=a keys Enter
CONSOLE=a wait_screen 'You  accepted 200'
CONSOLE=b wait_screen 'laura  accepted 200'
CONSOLE=b assert_rows 1 2 <<'SCREEN'
All 1 · waiting               │ Ana Pérez · room R1                                      │ User
▸1 Ana Pérez       laura HH:MM│                                                          │
SCREEN
CONSOLE=b assert_rows 18 22 <<'SCREEN'
                              │ HH:MM Ana Pérez                                          │
                              │   Hola, necesito ayuda                                   │
                              │ HH:MM laura  accepted 200                                │
                              │   Hola Ana, soy Laura                                    │
 To Ana Pérez · user u-R1 · room R1
SCREEN
CONSOLE=b wait_screen 'assigned to laura'
assert_eq "the reply reached Jelou once" 1 "$(grep -c 'Hola Ana, soy Laura' "$MOCK_LOG")"
ok "the first reply claims the room; the colleague sees it and who has the room"

# Diego's send to Laura's room is refused before anything is sent; /take takes it.
CONSOLE=b type_text 'Yo te ayudo'
CONSOLE=b keys Enter
CONSOLE=b assert_rows 23 24 <<'SCREEN'
> Yo te ayudo
 this room is laura's: /take to take it                                                            F1 help · F2 history
SCREEN
assert_eq "nothing of it reached Jelou" 0 "$(grep -c 'Yo te ayudo' "$MOCK_LOG" || true)"
CONSOLE=b keys C-u
CONSOLE=b type_text '/take'
CONSOLE=b keys Enter
CONSOLE=b wait_screen "this room is laura's: /take again to take it from laura"
CONSOLE=b type_text '/take'
CONSOLE=b keys Enter
CONSOLE=b wait_screen 'room R1 is yours'
CONSOLE=a wait_screen 'diego took this room'
CONSOLE=a assert_rows 2 2 <<'SCREEN'
▸1 Ana Pérez       diego HH:MM│                                                          │
SCREEN
ok "a send to a colleague's room is refused with their name; /take (confirmed) takes it"

# Laura's note reaches Diego (drawn as a note, listed under Mentions), never Jelou.
CONSOLE=a type_text '/note @diego es cliente VIP'
CONSOLE=a keys Enter
CONSOLE=b wait_screen '@diego es cliente VIP'
CONSOLE=b assert_rows 20 21 <<'SCREEN'
                              │ HH:MM note laura                                         │
                              │   @diego es cliente VIP                                  │
SCREEN
CONSOLE=b type_text '/view mentions'
CONSOLE=b keys Enter
CONSOLE=b assert_rows 1 2 <<'SCREEN'
Mentions 1 · waiting          │ Ana Pérez · room R1                                      │ User
▸1 Ana Pérez       diego HH:MM│                                                          │
SCREEN
assert_eq "the note never reached Jelou" 0 "$(grep -c 'VIP' "$MOCK_LOG" || true)"
ok "a note is on the colleague's screen, under Mentions, and not in Jelou's log"

# Diego types: Laura's room header says so; his reply shows with his name.
CONSOLE=b type_text 'Te ayudo yo'
CONSOLE=a wait_screen 'Ana Pérez · room R1 · diego is typing…'
CONSOLE=b keys Enter
CONSOLE=a wait_screen 'diego  accepted 200'
assert_eq "Diego's reply reached Jelou once" 1 "$(grep -c 'Te ayudo yo' "$MOCK_LOG")"
ok "a colleague's typing shows in the room header; his reply with his name"

# kill -9 of the instance both consoles are on: both move to B, nothing missed or doubled.
kill -9 "$A_PID"
for i in 1 2 3 4 5; do
    user_says "$B" R1 "k-$i" "mensaje $i"
done
for c in a b; do
    CONSOLE=$c wait_screen 'mensaje 5' 20
    got=$(CONSOLE=$c screen | grep -o 'mensaje [0-9]' | tr '\n' ' ')
    assert_eq "console $c: every message once, in order" "mensaje 1 mensaje 2 mensaje 3 \
mensaje 4 mensaje 5 " "$got"
    CONSOLE=$c keys C-l # a key clears the last status message, the link's state shows
    CONSOLE=$c wait_screen "team · 127.0.0.1:PORT"
    tm capture-pane -p -t "$c" | grep -qF "team · ${B#http://}" ||
        fail "console $c is not on instance B"
    journal="$T/state-$c/jelou-console/team-events.jsonl"
    assert_eq "console $c: no event kept twice" "" \
        "$(jq -r 'select(.id) | .id' "$journal" | sort | uniq -d)"
    assert_eq "console $c: every user message after the snapshot once" 5 \
        "$(jq -r 'select(.kind == "message") | .id' "$journal" | wc -l)"
done
ok "kill -9 of the team server: both consoles move to the other, no event missed or doubled"

# A restart shows what it showed (read back from its journal), once, and resumes after it.
CONSOLE=a keys C-c
wait_for 10 grep -q '^exit=0' "$T/a.err" || fail "console a did not quit"
user_says "$B" R1 k-6 'mensaje 6'
team_console a laura
CONSOLE=a wait_screen 'mensaje 6'
assert_eq "after a restart: every message once" "mensaje 1 mensaje 2 mensaje 3 mensaje 4 mensaje 5 \
mensaje 6 " "$(CONSOLE=a screen | grep -o 'mensaje [0-9]' | tr '\n' ' ')"
CONSOLE=a wait_screen 'You  accepted 200 (earlier session)'
ok "a restarted console shows its transcript once and gets what came meanwhile"

# With no server left, the status line says so and counts down to the next try.
kill -9 "$B_PID"
CONSOLE=a keys C-l
CONSOLE=a wait_screen 'team · server unreachable, retrying in '
ok "with every server gone, the status line says the server is unreachable and when it retries"
