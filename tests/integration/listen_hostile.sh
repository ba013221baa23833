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

# raw_status HEAD_LINES...: sends a signed POST of $T/msg with exactly these header lines
# (and Connection: close) over a raw socket; prints the answer's status code.
raw_status() {
    local line
    exec 3<> "/dev/tcp/127.0.0.1/$port"
    {
        printf 'POST /jelou/webhook HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n'
        printf 'X-Jelou-Signature: sha256=%s\r\n' "$(hmac "$T/msg")"
        printf '%s\r\n' "$@"
        printf '\r\n'
        cat "$T/msg"
    } >&3
    IFS= read -r -t 30 line <&3 || line=
    exec 3<&-
    line=${line#HTTP/1.1 }
    printf '%s' "${line%% *}"
}
len=$(wc -c < "$T/msg" | tr -d ' ')
printed=$(events main | wc -l | tr -d ' ')
assert_eq "one Content-Length" 200 "$(raw_status "Content-Length: $len")"
assert_eq "two equal Content-Length headers" 400 \
    "$(raw_status "Content-Length: $len" "Content-Length: $len")"
assert_eq "two different Content-Length headers" 400 \
    "$(raw_status "Content-Length: $len" "Content-Length: 2")"
assert_eq "Content-Length and chunked" 400 \
    "$(raw_status "Content-Length: $len" "Transfer-Encoding: chunked")"
assert_eq "only the plain one printed" $((printed + 1)) "$(events main | wc -l | tr -d ' ')"
ok "a body framed two ways (Content-Length twice, or with chunked) is refused with 400"

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

# Signed bodies of a shape the console cannot read are kept (synced) before the answer, said
# on stderr, and answered 200: a 4xx would make Jelou drop the user's words.
Q="$T/unread.jsonl"
start_listen unread --journal "$T/events.jsonl" --quarantine "$Q"
deep=$(printf '{"x":%.0s' $(seq 1500))1$(printf '}%.0s' $(seq 1500))
printf '%s' "${msg/\"timestamp\":1776134278574/\"timestamp\":1.5}" > "$T/u1"
printf '%s' "${msg/\"timestamp\":1776134278574/\"timestamp\":1e400}" > "$T/u2"
printf '%s' "${msg/\"bot\":/\"extra\":$deep,\"bot\":}" > "$T/u3"
badkey=$'k\xff\xfe'
printf '%s' "${msg/\"bot\":/\"$badkey\":1,\"bot\":}" > "$T/u4"
n=0
for f in u1 u2 u3 u4; do
    got=$(post "$T/$f")
    n=$((n + 1))
    case "$got" in
    '200 {"ok":true,"unreadable":'*) ;;
    *) fail "$f: expected 200 with the reason it could not be read, got: $got" ;;
    esac
    assert_eq "$f kept before the answer" "$n" "$(grep -c . "$Q")"
done
i=0
for f in u1 u2 u3 u4; do
    i=$((i + 1))
    line=$(sed -n "${i}p" "$Q")
    if [ "$(jq -r 'has("body_base64")' <<< "$line")" = true ]; then
        jq -r .body_base64 <<< "$line" | base64 -d > "$T/kept"
    else
        jq -j .body <<< "$line" > "$T/kept"
    fi
    cmp -s "$T/$f" "$T/kept" || fail "$f was not kept byte for byte"
done
assert_eq "not in the event journal, not printed" "0 0" \
    "$([ -f "$T/events.jsonl" ] && grep -c . "$T/events.jsonl" || echo 0) $(events unread | wc -l | tr -d ' ')"
assert_eq "the agent is told, once per event" 4 \
    "$(grep -c "^listen: an event could not be read (.*); its body is kept in $Q\$" "$T/unread.err")"
assert_eq "only the body that is not UTF-8 needs base64" "false false false true" \
    "$(jq -r 'has("body_base64")' "$Q" | tr '\n' ' ' | sed 's/ $//')"
stop_listen
ok "signed bodies it cannot read are kept, announced and answered 200"

# A journal that is not a regular file is refused at once (a FIFO used to hang in open).
mkfifo "$T/fifo"
set +e
timeout 20 "$JELOU" listen --listen 127.0.0.1:0 --journal "$T/fifo" > "$T/out" 2> "$T/err"
RC=$?
set -e
assert_eq "FIFO journal exit" 2 "$RC"
assert_eq "FIFO journal message" \
    "jelou-console: listen: the journal $T/fifo is not a regular file" "$(cat "$T/err")"
run_jelou listen --listen 127.0.0.1:0 --quarantine /dev/null
assert_eq "device quarantine exit" 2 "$RC"
assert_eq "device quarantine message" \
    "jelou-console: listen: the quarantine file /dev/null is not a regular file" "$ERR"
ok "a FIFO or device as journal or quarantine file is refused with exit 2"

# The reader goes away: `listen | head -1` used to die of SIGPIPE after the first event.
J="$T/pipe.jsonl"
mkfifo "$T/pipe"
"$JELOU" listen --listen 127.0.0.1:0 --journal "$J" > "$T/pipe" 2> "$T/pipe.err" &
LPID=$!
PIDS="$PIDS $LPID"
head -1 < "$T/pipe" > "$T/pipe.out"
URL=$(sed -n '1s/^listen: listening on //p' "$T/pipe.out")
[ -n "$URL" ] || fail "listen did not start"
for id in P1 P2 P3; do
    msg_file "$id"
    assert_eq "$id after the reader left" '200 {"ok":true}' \
        "$(post "$T/$id" "sha256=$(hmac "$T/$id")" --max-time 8)"
done
kill -0 "$LPID" 2>/dev/null || fail "listen died when its reader went away"
assert_eq "every event journaled" "P1 P2 P3" "$(jq -r .id "$J" | tr '\n' ' ' | sed 's/ $//')"
assert_eq "said once on stderr" \
    "listen: output stopped (the reader went away); events are still answered and journaled in $J" \
    "$(grep 'output stopped' "$T/pipe.err")"
stop_listen
ok "listen | head -1: the listener says once that output stopped and keeps answering"

# A reader that stops reading: the pipe fills up, the listener keeps answering.
exec 4<> "$T/pipe"     # holds the pipe open without ever reading it
"$JELOU" listen --listen 127.0.0.1:0 --journal "$T/stall.jsonl" > "$T/pipe" \
    2> "$T/stall.err" &
LPID=$!
PIDS="$PIDS $LPID"
IFS= read -r -t 20 first <&4 || fail "listen did not start"
URL=${first#listen: listening on }
big=$(head -c 60000 /dev/zero | tr '\0' 'a')
for i in $(seq 1 30); do
    printf '%s' "${msg/\"body\":\"Hola\"/\"body\":\"$big\"}" > "$T/big"
    sed -i "s/\"id\":\"M1\"/\"id\":\"S$i\"/" "$T/big"
    got=$(post "$T/big" "sha256=$(hmac "$T/big")" --max-time 8)
    assert_eq "event $i while nobody reads" '200 {"ok":true}' "$got"
done
assert_eq "all 30 journaled" 30 "$(grep -c . "$T/stall.jsonl")"
stop_listen
exec 4<&-
ok "a reader that stops reading does not stall the listener"
