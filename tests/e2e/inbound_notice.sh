# The listener's troubles on screen: a journal that fails and an event it cannot read show in
# the status line, and nothing is written over the screen (stderr stays empty).
. "${top_srcdir}/tests/e2e/lib-e2e.sh"
set -e

start_mock jelou
console_start 24 100 --endpoint "$MOCK_URL" --listen 127.0.0.1:0
wait_screen "No conversation open"
wait_screen "in 127.0.0.1:"
inbound_url

msg='{"field":"messages","object":"message_event","event_type":"message","timestamp":1776134278574,"project_id":"proj-1","room_id":"r-1","contact":{"id":"u-1","name":"Ana"},"bot":{"id":"bot-1"},"value":{"id":"m-1","type":"text","content":{"body":"Hola"}}}'

# The journal becomes unwritable while the console runs.
state="$XDG_STATE_HOME/jelou-console"
rm -f "$state/events.jsonl"
mkdir "$state/events.jsonl"
assert_eq "no 200 without the journal" 500 "$(post_event "$msg")"
wait_screen "cannot journal Jelou's events (answering 500 so that Jelou retries)"
assert_eq "nothing on stderr" "" "$(cat "$T/console.err")"
ok "a journal that fails is said in the status line, not on stderr"

assert_eq "an unreadable event is kept" 200 \
    "$(post_event '{"event":"message","timestamp":1.5,"room_id":"r-1"}')"
# The status line ends at the screen's edge, in the middle of the path.
why="timestamp must be a whole number of milliseconds"
wait_screen "an event could not be read ($why); its body is kept in"
assert_eq "kept" 1 "$(grep -c . "$state/unread-events.jsonl")"
assert_eq "still nothing on stderr" "" "$(cat "$T/console.err")"
ok "an event it cannot read is kept and said in the status line"
