# jelou-console listen under hostile peers, odd framing, a vanishing reader and odd journals.
. "${top_srcdir}/tests/lib.sh"
. "${top_srcdir}/tests/integration/lib-listen.sh"
set -e

PEERS=${PEERS:-$(pwd)/tests/slowpeers}
msg='{"field":"messages","object":"message_event","event_type":"message","timestamp":1776134278574,"project_id":"P","room_id":"R","contact":{"id":"U","name":"Ana"},"conversation":{"id":"C"},"bot":{"id":"B"},"value":{"id":"M1","type":"text","content":{"body":"Hola"}}}'
printf '%s' "$msg" > "$T/msg"

# msg_file ID: a signed-able message with value.id ID, in $T/ID.
msg_file() {
    printf '%s' "${msg/\"id\":\"M1\"/\"id\":\"$1\"}" > "$T/$1"
}

# hold_peers FROM COUNT NAME: COUNT idle and half-sent connections from FROM, held until
# the test stops them (their pid is in HOLD_PID).
hold_peers() {
    "$PEERS" hold "$1" "$port" "$2" "$T/$3.ready" 2> "$T/$3.err" &
    HOLD_PID=$!
    PIDS="$PIDS $HOLD_PID"
    wait_for 30 test -s "$T/$3.ready" || fail "the peers from $1 did not connect"
}

stop_peers() {
    kill "$1" 2>/dev/null || true
    wait "$1" 2>/dev/null || true
}

start_listen main
port=$(sed 's/.*:\([0-9]*\)\/.*/\1/' <<< "$URL")

# Hundreds of idle and half-sent connections from another address do not lock Jelou out.
hold_peers 127.0.0.2 300 flood
msg_file M-during
assert_eq "a signed event while 300 peers hold connections" '200 {"ok":true}' \
    "$(post "$T/M-during" "sha256=$(hmac "$T/M-during")" --max-time 8)"
stop_peers "$HOLD_PID"
msg_file M-after
assert_eq "a signed event after they left" '200 {"ok":true}' \
    "$(post "$T/M-after" "sha256=$(hmac "$T/M-after")" --max-time 8)"
ok "300 idle or half-sent peers from 127.0.0.2 leave room for 127.0.0.1"

# A head that trickles in never ends the idle timeout: it still has a deadline.
set +e
took=$("$PEERS" dribble "$port")
rc=$?
set -e
assert_eq "the dribbling head was cut off" 0 "$rc"
msg_file M-dribble
assert_eq "a signed event after the dribbler" '200 {"ok":true}' \
    "$(post "$T/M-dribble" "sha256=$(hmac "$T/M-dribble")" --max-time 8)"
stop_listen
ok "a request head sent a byte at a time is cut off (after ${took}s)"

# Few file descriptors: the slots are few, every one of them gets taken, and when the peers
# leave the listener accepts again at once (it used to stop accepting for good).
(ulimit -n 96 && exec "$JELOU" listen --listen 127.0.0.1:0) > "$T/low.out" 2> "$T/low.err" &
LPID=$!
PIDS="$PIDS $LPID"
wait_for 10 grep -q '^listen: listening on ' "$T/low.out" || fail "listen did not start"
URL=$(sed -n '1s/^listen: listening on //p' "$T/low.out")
port=$(sed 's/.*:\([0-9]*\)\/.*/\1/' <<< "$URL")
# The peers all leave while the listener is stopped, so that it finds every slot freed in
# one turn: the case that used to leave it deaf.
hold_peers 127.0.0.2,127.0.0.3,127.0.0.4 120 low
kill -STOP "$LPID"
stop_peers "$HOLD_PID"
kill -CONT "$LPID"
msg_file M-low
assert_eq "a signed event once every slot was freed" '200 {"ok":true}' \
    "$(post "$T/M-low" "sha256=$(hmac "$T/M-low")" --max-time 8)"
stop_listen
ok "with every slot taken and then freed, the listener accepts again at once"
