# The team server's keep-alive: an idle event stream gets a comment line (": ping") every
# 15 s, so that proxies do not close it, and it stays open and live afterwards.
. "$(dirname "$0")/../lib.sh"
. "$(dirname "$0")/lib-serve.sh"
set -e

# comments_at_least N FILE: FILE holds N comment lines (": ...") or more.
comments_at_least() {
    [ "$(grep -c '^:' "$2")" -ge "$1" ]
}

start_redis
start_serve a; A=$SERVE_URL
add_agent ana; ANA=$TOKEN
wait_for 10 status_is 200 "$A/v1/rooms" "$ANA" || fail "the agent's token is not taken"

sse s "$ANA" "$A"
assert_eq "only the head so far" 1 "$(grep -c '^:' "$T/s.sse")"
# The ping is due 15 s after the last write, checked every second: 25 s leaves room for a
# loaded machine.
wait_for 25 comments_at_least 2 "$T/s.sse" ||
    fail "no comment line on an idle stream within 25 s"
assert_eq "the second comment is a ping" ': ping' "$(grep '^:' "$T/s.sse" | sed -n 2p)"
assert_eq "a comment is followed by a blank line" "" "$(sed -n 4p "$T/s.sse")"
exited "$SSE_PID" && fail "the stream closed"
ok "an idle stream gets a ': ping' comment line and stays open"

event_body "$T/m1.json" R1 U1 in-ping-1 Hola
assert_eq "webhook" 200 "$(post_hook "$A" "$T/m1.json")"
wait_for 10 grep -q '"in-ping-1"' "$T/s.sse" || fail "the stream is no longer live"
exited "$SSE_PID" && fail "the stream closed"
ok "after the ping the stream still carries events"
