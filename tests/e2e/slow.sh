# Never block the screen: with 50 sends in flight to a slow server, typing, switching rooms
# and quitting stay instant.
. "${top_srcdir}/tests/e2e/lib-e2e.sh"
set -e

start_mock slow --delay-ms 6000
console_start 24 80 --endpoint "$MOCK_URL" --listen 127.0.0.1:0
wait_screen "No conversation open"
type_text "/open room-2 user-2 Bruno"
keys Enter
type_text "/open room-1 user-1 Ana"
keys Enter
wait_screen "To Ana · user user-1"
for i in $(seq 1 50); do
    type_text "mensaje $i"
    keys Enter
done
wait_screen "outbox 50" 5
ok "50 sends queued and in flight"

# The server holds every answer for 6 s: all of this happens while they are in flight.
start=$(date +%s)
type_text "sigo escribiendo"
wait_screen "> sigo escribiendo" 3
keys C-n
wait_screen "To Bruno · user user-2" 3
keys C-p
wait_screen "> sigo escribiendo" 3
[ $(( $(date +%s) - start )) -lt 5 ] || fail "the screen was not responsive while sending"
screen | grep -q "outbox 50" || { screen >&2; fail "sends finished before the check: not a test"; }
ok "typing and switching rooms stay instant with 50 sends in flight"

# Quitting with sends in flight asks first.
keys C-c
wait_screen "50 still sending: Ctrl-C again quits, /resume sends them next time" 3
keys C-c
wait_for 10 grep -q '^exit=' "$T/console.err" || fail "the console did not quit"
assert_eq "exit" "exit=0" "$(cat "$T/console.err")"
ok "Ctrl-C with sends in flight asks once, then quits"

# The next start offers them; /resume sends them with their ids (here to a quick server).
stop_mock
start_mock quick
console_start 24 80 --endpoint "$MOCK_URL" --listen 127.0.0.1:0
wait_screen "50 unsent when the console stopped: /resume sends them, same ids"
type_text "/resume"
keys Enter
wait_screen "resending 50 messages with their ids"
wait_for 30 sh -c "[ \$(grep -c '\"verdict\":\"accepted\"' '$MOCK_LOG') -ge 50 ]" \
    || fail "the resumed messages did not all arrive"
assert_eq "50 distinct messages, each once" 50 \
    "$(jq -r .id < "$MOCK_LOG" | sort | uniq | wc -l | tr -d ' ')"
assert_eq "their texts" "$(seq 1 50 | sed 's/^/mensaje /' | sort)" \
    "$(jq -r '.body | fromjson | .value.content.body' < "$MOCK_LOG" | sort)"
ok "/resume sends what the stopped console left, once each"
