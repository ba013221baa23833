# The console's link to the team server (tests/teamtail on src/teamlink.c): every event once
# and in order, through a kill -9 of the server it is on; the journal replayed after a
# restart; the states for a server down, a bad token and a stream gone silent.
. "$(dirname "$0")/../lib.sh"
. "$(dirname "$0")/lib-serve.sh"
set -e

TAIL="$(dirname "$JELOU")/tests/teamtail"
FAULTD="$(dirname "$JELOU")/tests/faultd"
[ -x "$TAIL" ] || fail "teamtail is not built at $TAIL"
[ -x "$FAULTD" ] || fail "faultd is not built at $FAULTD"

# start_tail NAME TEAMTAIL-OPTIONS...: output in $T/NAME.tail; sets TAIL_PID.
start_tail() {
    local name=$1
    shift
    "$TAIL" "$@" > "$T/$name.tail" 2> "$T/$name.terr" &
    TAIL_PID=$!
    PIDS="$PIDS $TAIL_PID"
}

# stream_ids: every id in jc:events, oldest first.
stream_ids() {
    rcli XRANGE jc:events - + | grep -E '^[0-9]+-[0-9]+$' || true
}

# live_ids NAME / replay_ids NAME: the ids teamtail NAME printed, in its order.
live_ids() {
    sed -n 's/^event \([^ ]*\) [^ ]* [^ ]*$/\1/p' "$T/$1.tail"
}
replay_ids() {
    sed -n 's/^event \([^ ]*\) [^ ]* [^ ]* replay$/\1/p' "$T/$1.tail"
}

# wait_exit PID: waits (20 s at most) for a teamtail that exits on its own; its status.
wait_exit() {
    wait_for 20 exited "$1" || { kill "$1"; return 1; }
    wait "$1"
}

# has_live NAME N: teamtail NAME printed N live events or more.
has_live() {
    [ "$(live_ids "$1" | wc -l)" -ge "$2" ]
}

# hooks URL FIRST LAST: webhook deliveries in-FIRST..in-LAST to URL, rooms R1..R3; all 200.
hooks() {
    local i code
    for i in $(seq "$2" "$3"); do
        event_body "$T/h.json" "R$(( i % 3 + 1 ))" "U$(( i % 3 + 1 ))" "in-$i" "hola $i"
        code=$(post_hook "$1" "$T/h.json")
        [ "$code" = 200 ] || fail "webhook in-$i answered $code"
    done
}

start_redis
start_serve a; A=$SERVE_URL; A_PID=$SERVE_PID
start_serve b; B=$SERVE_URL; B_PID=$SERVE_PID
add_agent ana
wait_for 10 status_is 200 "$A/v1/me" "$TOKEN" || fail "A does not take the new token"
wait_for 10 status_is 200 "$B/v1/me" "$TOKEN" || fail "B does not take the new token"

# Before the link starts: one room, which the snapshot must show.
hooks "$A" 0 0
before=$(stream_ids | wc -l)
FAST=(--backoff-ms 200 --backoff-max-ms 1000 --idle-ms 5000)
start_tail t1 --server "$A,$B" --token-file "$T/ana.token" --journal "$T/t1.journal" "${FAST[@]}"
T1=$TAIL_PID
wait_for 10 grep -q '^state 1 ' "$T/t1.tail" || { cat "$T/t1.tail" >&2; fail "no state 1"; }
assert_eq "the snapshot first" "rooms 1" "$(grep '^rooms ' "$T/t1.tail")"
hooks "$A" 1 10
hooks "$B" 11 20
want=$(stream_ids | tail -n +"$(( before + 1 ))")
n=$(printf '%s\n' "$want" | wc -l)
wait_for 20 has_live t1 "$n" || { cat "$T/t1.tail" >&2; fail "not every event arrived"; }
assert_eq "every event once, in stream order" "$want" "$(live_ids t1)"
assert_eq "each with its room" "$n" "$(grep -c '^event [0-9-]* message R[123]$' "$T/t1.tail")"
! exited "$T1" || fail "the stream ended"
ok "each of $n events reaches the link once, in order, while its stream stays open"

# kill -9 of the server the link is on, while 200 events go to the other.
on=$(sed -n 's/^state 1 //p' "$T/t1.tail" | tail -1)
if [ "http://$on" = "$A" ]; then DEAD=$A; kill -9 "$A_PID"; LIVE=$B
else DEAD=$B; kill -9 "$B_PID"; LIVE=$A; fi
hooks "$LIVE" 21 220
want=$(stream_ids | tail -n +"$(( before + 1 ))")
n=$(printf '%s\n' "$want" | wc -l)
wait_for 30 has_live t1 "$n" || { tail -5 "$T/t1.tail" >&2; fail "events lost after kill -9"; }
assert_eq "every event exactly once through the kill" "$want" "$(live_ids t1)"
assert_contains "said it lost the server" "state 0 server unreachable, retrying in" \
    "$(cat "$T/t1.tail")"
assert_eq "and moved to the other" "http://$(sed -n 's/^state 1 //p' "$T/t1.tail" | tail -1)" \
    "$LIVE"
kill "$T1"
wait_exit "$T1" || fail "teamtail did not stop cleanly"
assert_contains "GET /v1/me named the agent" "me ana" "$(cat "$T/t1.tail")"
ok "kill -9 of its server: the link moves on and gets all $n events exactly once"

# A restart with the same journal (its last line torn by a crash mid-write): the old events
# come back as replays, then only new ones live.
jq -c . "$T/t1.journal" > /dev/null || fail "the journal is not JSON lines"
printf '{"id":"99999999' >> "$T/t1.journal"
old=$(live_ids t1)
start_tail t2 --server "$DEAD,$LIVE" --token-file "$T/ana.token" --journal "$T/t1.journal" \
    --count 1 "${FAST[@]}"
T2=$TAIL_PID
wait_for 10 grep -q '^state 1 ' "$T/t2.tail" ||
    { cat "$T/t2.tail" "$T/t2.terr" >&2; fail "the restarted link did not connect"; }
hooks "$LIVE" 221 221
wait_exit "$T2" || fail "teamtail --count 1 did not exit 0"
assert_eq "the journal replayed, in order" "$old" "$(replay_ids t2)"
assert_eq "then the first new event, live" "$(stream_ids | sed -n "$(( before + n + 1 ))p")" \
    "$(live_ids t2)"
# The snapshot t1 fetched is read back first, from the journal; none is fetched again.
assert_eq "the snapshot read back, not fetched" "rooms 1" "$(grep '^rooms ' "$T/t2.tail" || true)"
assert_eq "read back before anything else" "rooms 1" "$(sed -n 1p "$T/t2.tail")"
jq -c . "$T/t1.journal" > /dev/null || fail "the torn line was not cut off"
ok "a restart replays the journal (torn tail cut), then resumes with no duplicate"

# A journal past --journal-max is not read back: emptied, and the rooms fetched again.
big=$(wc -c < "$T/t1.journal")
cp "$T/t1.journal" "$T/t7.journal"
start_tail t7 --server "$LIVE" --token-file "$T/ana.token" --journal "$T/t7.journal" \
    --count 1 --journal-max $(( big - 1 )) "${FAST[@]}"
T7=$TAIL_PID
wait_for 10 grep -q '^rooms ' "$T/t7.tail" || { cat "$T/t7.tail" >&2; fail "no fresh snapshot"; }
hooks "$LIVE" 900 900
wait_exit "$T7" || fail "teamtail --count 1 did not exit 0"
assert_eq "nothing read back from the big journal" "" "$(replay_ids t7)"
assert_eq "the new event, live" "$(stream_ids | tail -n 1)" "$(live_ids t7)"
[ "$(wc -c < "$T/t7.journal")" -lt "$big" ] || fail "the big journal was not emptied"
assert_eq "it starts again with the name and the snapshot" "me rooms" \
    "$(jq -r 'if .me then "me" else .kind end' "$T/t7.journal" | head -n 2 | tr '\n' ' ' |
       sed 's/ $//')"
ok "a journal past its limit is emptied at start and the rooms fetched again"

# A journal whose last id the server no longer keeps: reset, a fresh snapshot, then live
# events from it. A call tried on the dead server first moves on to the live one.
printf '{"id":"1-0","kind":"message","room":"R0","data":"{}"}\n' > "$T/t6.journal"
start_tail t6 --server "$DEAD,$LIVE" --token-file "$T/ana.token" --journal "$T/t6.journal" \
    --count 1 --call /v1/me "${FAST[@]}"
T6=$TAIL_PID
wait_for 15 grep -q '^rooms ' "$T/t6.tail" || { cat "$T/t6.tail" >&2; fail "no reset snapshot"; }
hooks "$LIVE" 222 222
wait_exit "$T6" || fail "teamtail --count 1 did not exit 0"
assert_eq "the old id replayed first" "event 1-0 message R0 replay" "$(head -1 "$T/t6.tail")"
assert_eq "the snapshot after the reset" "rooms 3" "$(grep '^rooms ' "$T/t6.tail")"
assert_eq "then the new event only" "$(stream_ids | tail -1)" "$(live_ids t6)"
assert_eq "the call reached the live server" 'call 200 {"agent":"ana"}' \
    "$(grep '^call ' "$T/t6.tail")"
ok "a trimmed id resets to a snapshot; a call moves past a dead server"

# A server down from the start; a token the server refuses.
start_tail t3 --server "$DEAD" --token-file "$T/ana.token" "${FAST[@]}"
T3=$TAIL_PID
wait_for 10 grep -Eq '^state 0 server unreachable, retrying in [0-9]+s$' "$T/t3.tail" ||
    { cat "$T/t3.tail" >&2; fail "no unreachable state"; }
kill "$T3"
wait "$T3" || true
printf 'not-a-token\n' > "$T/bad.token"
# (The longest wait stays long: a refused token is asked again on the short back-off
# first, since a new agent's token takes the server up to a second to accept.)
start_tail t4 --server "$LIVE" --token-file "$T/bad.token" --backoff-ms 200 \
    --backoff-max-ms 60000
T4=$TAIL_PID
wait_for 10 grep -q '^state 0 the server refused the token (401)$' "$T/t4.tail" ||
    { cat "$T/t4.tail" >&2; fail "no refused state"; }
wait_for 10 lines_at_least 3 "$T/t4.tail" ||
    { cat "$T/t4.tail" >&2; fail "a refused token was not asked again within seconds"; }
kill "$T4"
wait "$T4" || true
ok "a server down says so with its wait; a refused token says 401 and is asked again soon"

# A stream that answers 200 and then stays silent is given up after --idle-ms.
"$FAULTD" --mode sse-idle --port-file "$T/fd.port" --log "$T/fd.log" 2> "$T/fd.err" &
FD_PID=$!
PIDS="$PIDS $FD_PID"
wait_for 10 test -s "$T/fd.port" || fail "faultd did not start"
head -1 "$T/t1.journal" > "$T/t5.journal"
start_tail t5 --server "http://127.0.0.1:$(cat "$T/fd.port")" --token-file "$T/ana.token" \
    --journal "$T/t5.journal" --idle-ms 1000 --backoff-ms 100 --backoff-max-ms 200
T5=$TAIL_PID
requests() { [ "$(grep -c '"request"' "$T/fd.log" 2> /dev/null || echo 0)" -ge "$1" ]; }
wait_for 10 requests 1 || fail "the silent server got no request"
start=$(date +%s%N)
wait_for 10 requests 2 || { cat "$T/t5.tail" >&2; fail "no reconnect after the silence"; }
ms=$(( ($(date +%s%N) - start) / 1000000 ))
[ "$ms" -ge 500 ] || fail "reconnected after $ms ms, before the silence limit"
assert_contains "said why" "state 0 server unreachable, retrying in" "$(cat "$T/t5.tail")"
kill "$T5"
wait "$T5" || true
ok "a silent stream is dropped after --idle-ms and reconnected (after $ms ms)"
