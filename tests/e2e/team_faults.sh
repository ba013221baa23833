# Team mode when things fail: Jelou refusing every send (the failure shown inline, from the
# server's event), and a console killed with kill -9 while its send was on its way to a
# paused team server: /resume sends it again with the same id and Jelou gets it once.
. "${top_srcdir}/tests/e2e/lib-e2e.sh"
. "${top_srcdir}/tests/integration/lib-serve.sh"
set -e

start_redis
start_mock jelou --fail-status 500 --fail-first 3
start_serve a --endpoint "$MOCK_URL" --attempts 3
A=$SERVE_URL
A_PID=$SERVE_PID
add_agent laura
LAURA=$TOKEN
wait_for 10 status_is 200 "$A/v1/me" "$LAURA" || fail "a new token is not taken"
REAL=$JELOU

message R1 u-R1 'Ana Pérez' m-1 'Hola' "$(( $(date +%s) * 1000 ))" > "$T/hook.json"
assert_eq "webhook" 200 "$(post_hook "$A" "$T/hook.json")"
start_console() {
    CONSOLE=a XDG_STATE_HOME="$T/state" JELOU="env -u JELOU_SIGNING_SECRET $REAL" \
        console_start 24 100 --server "$A" --token-file "$T/laura.token" --timeout 60
}
start_console
CONSOLE=a wait_screen 'Hola'

# Jelou answers 500 to all three of the server's attempts: the failure is on screen, with
# Jelou's status, once the server says so; /retry has the server send it again, same id.
CONSOLE=a type_text 'primero'
CONSOLE=a keys Enter
CONSOLE=a wait_screen 'You  failed 500' 30
CONSOLE=a assert_rows 20 21 <<'SCREEN'
                         │ HH:MM You  failed 500: {"error":"injected failu│
                         │   primero                                      │
SCREEN
assert_eq "the server tried three times" 3 "$(grep -c '"primero' "$MOCK_LOG")"
CONSOLE=a type_text '/retry'
CONSOLE=a keys Enter
CONSOLE=a wait_screen 'You  accepted 200' 30
assert_eq "one more attempt, accepted" 4 "$(grep -c '"primero' "$MOCK_LOG")"
assert_eq "every attempt with the same id" 1 \
    "$(grep '"primero' "$MOCK_LOG" | jq -r .id | sort -u | wc -l)"
ok "a send Jelou refused shows failed 500 from the server; /retry sends it again, same id"

# The server is paused while a send is on its way; the console is killed; the server goes
# on. The restarted console offers the send again (same id) and Jelou gets it once.
kill -STOP "$A_PID"
CONSOLE=a type_text 'segundo'
CONSOLE=a keys Enter
CONSOLE=a wait_screen 'sending (attempt 1/'
pid=$(pgrep -f "^[^ ]*jelou-console --server .*$T/laura.token") || fail "no console process"
id=$(jq -r 'select(.op == "queued") | .id' "$T/state/jelou-console/outbox/team/"*.jsonl | tail -n 1)
[ -n "$id" ] || fail "the send is not in the team outbox journal"
kill -9 "$pid"
wait_for 10 grep -q '^exit=' "$T/a.err" || fail "the console did not die"
kill -CONT "$A_PID"
start_console
CONSOLE=a wait_screen '1 unsent when the console stopped: /resume sends it, same id'
CONSOLE=a type_text '/resume'
CONSOLE=a keys Enter
CONSOLE=a wait_screen 'accepted 200' 30
wait_for 15 grep -q "\"$id\"" "$MOCK_LOG" || fail "the message never reached Jelou"
assert_eq "Jelou got message $id once" 1 "$(jq -r .id "$MOCK_LOG" | grep -cx "$id")"
ok "kill -9 of the console mid-send, then /resume: the same id, and Jelou got it once"
