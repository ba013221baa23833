# Group commit: events that reach the listener in one loop turn share one journal write and
# one fsync, and none is answered 200 before the journal holds it.
. "${top_srcdir}/tests/lib.sh"
. "${top_srcdir}/tests/integration/lib-listen.sh"
set -e
PEERS=${PEERS:-$(pwd)/tests/slowpeers}

if ! command -v strace > /dev/null; then
    echo "SKIP: strace is not installed (it counts the listener's fsync calls)"
    exit 77
fi
if ! strace -f -qq -e trace=none true 2> /dev/null; then
    echo "SKIP: strace cannot trace here (ptrace is not allowed)"
    exit 77
fi

# Fewer than the listener takes from one address at once (32): the rest would be refused.
N=30
J="$T/events.jsonl"
strace -f -qq -e trace=fsync,fdatasync -o "$T/trace" \
    "$JELOU" listen --listen 127.0.0.1:0 --journal "$J" > "$T/burst.out" 2> "$T/burst.err" &
SPID=$!
PIDS="$PIDS $SPID"
wait_for 20 grep -q '^listen: listening on ' "$T/burst.out" || {
    cat "$T/burst.err" >&2
    fail "listen did not start"
}
URL=$(sed -n '1s/^listen: listening on //p' "$T/burst.out")
PORT=$(printf '%s\n' "$URL" | sed 's|^http://127.0.0.1:\([0-9]*\)/.*|\1|')
LPID=$(pgrep -P "$SPID" -x jelou-console || pgrep -P "$SPID")
[ -n "$LPID" ] || fail "cannot find the listener under strace"
# strace ignores SIGTERM while its command runs: the listener is stopped by its own pid.
PIDS="$LPID $PIDS"

# Every event its own id and signature, as a whole raw request.
files=()
for ((i = 1; i <= N; i++)); do
    printf '{"field":"messages","object":"message_event","event_type":"message","timestamp":1776134278574,"project_id":"p","room_id":"r-%d","contact":{"id":"u-%d"},"bot":{"id":"b"},"value":{"id":"burst-%d","type":"text","content":{"body":"hola %d"}}}' \
        "$i" "$i" "$i" "$i" > "$T/body-$i"
    {
        printf 'POST /jelou/webhook HTTP/1.1\r\nHost: 127.0.0.1\r\n'
        printf 'Content-Type: application/json\r\nX-Jelou-Signature: sha256=%s\r\n' \
            "$(hmac "$T/body-$i")"
        printf 'Content-Length: %d\r\nConnection: close\r\n\r\n' "$(wc -c < "$T/body-$i")"
        cat "$T/body-$i"
    } > "$T/req-$i"
    files+=("$T/req-$i")
done

"$PEERS" burst "$PORT" "$T/ready" "$T/go" "${files[@]}" > "$T/answers" 2> "$T/peers.err" &
BPID=$!
PIDS="$PIDS $BPID"
wait_for 20 test -f "$T/ready" || fail "the burst did not connect"
# Stopped, the listener cannot read any request before all of them have arrived: when it
# goes on they are all there to be read in one turn.
kill -STOP "$LPID"
touch "$T/go"
wait_for 20 grep -q 'sent' "$T/peers.err" || { kill -CONT "$LPID"; fail "the burst was not sent"; }
kill -CONT "$LPID"
wait "$BPID" || { cat "$T/answers" "$T/peers.err" >&2; fail "not every request was answered"; }

assert_eq "every event answered 200" "$N" "$(grep -c ' 200$' "$T/answers")"
assert_eq "every event answered 200 is in the journal" "$N" \
    "$(jq -r .id "$J" | grep -c '^burst-')"
ok "a burst of $N concurrent events: all answered 200, all in the journal"

fsyncs=$(grep -Ec 'fsync|fdatasync' "$T/trace" || true)
[ "$fsyncs" -ge 1 ] || fail "the journal was never synced"
[ "$fsyncs" -lt "$N" ] || fail "$fsyncs fsync calls for $N events: no group commit"
ok "the $N events shared $fsyncs fsync call(s)"
