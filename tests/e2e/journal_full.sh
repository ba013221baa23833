# The console on a full disk: a journal write that fails shows in the status line, a reply
# it cannot journal stays in the compose box unsent, and the answer it could not append
# leaves nothing for a later /resume. Needs root (a small tmpfs); skipped otherwise.
. "${top_srcdir}/tests/e2e/lib-e2e.sh"
. "${top_srcdir}/tests/lib-tmpfs.sh"
set -e

tmpfs_state 1m
JDIR="$XDG_STATE_HOME/jelou-console/outbox"
start_mock slow --delay-ms 2000
# Wide enough for the whole message, path included.
console_start 24 200 --endpoint "$MOCK_URL" --listen 127.0.0.1:0
wait_screen "No conversation open"
type_text "/open room-1 user-1 Ana"
keys Enter
wait_screen "To Ana · user user-1"
type_text "uno"
keys Enter
wait_screen "You  accepted 200"

# tmpfs allocates whole pages: an append fails on a full disk only when it needs a new one.
# From the first message's records, the length of the second's text that leaves its
# queued and sending records ending just short of a page boundary, so its accepted
# record needs a new page (records are of fixed length but for the text).
read -r lq ls la <<< "$(LC_ALL=C awk '{ printf "%d ", length($0) }' "$JDIR"/outbox-*.jsonl)"
base=$(( (lq + 1) + (ls + 1) + (la + 1) ))
pad=$(( (4096 - 8 - (base + lq + 1 + ls + 1) % 4096 + 4096) % 4096 ))
text=$(printf 'x%.0s' $(seq 1 $(( 3 + pad ))))
type_text "$text"
keys Enter
wait_screen "outbox 1"
wait_for 10 sh -c "[ \$(grep -c . '$MOCK_LOG') -ge 2 ]" || fail "the reply did not reach the mock"
assert_eq "the journal ends 8 bytes short of a page" $(( 4096 - 8 )) \
    $(( $(stat -c %s "$JDIR"/outbox-*.jsonl) % 4096 ))

# The disk fills while the answer is on its way: its state cannot be appended.
fill_state 0
wait_screen "cannot write the outbox journal $JDIR/outbox-" 20
screen | grep -E "cannot write the outbox journal .*: No space left on device" > /dev/null \
    || { screen >&2; fail "the status line does not say why"; }
assert_eq "and the reply got its 2xx" accepted "$(logged 2 .verdict)"
ok "a journal write that fails shows in the status line"

# Nothing can be journaled now: the next reply is not sent and stays to be sent again.
type_text "otra"
keys Enter
wait_screen "not sent: cannot write the outbox journal"
assert_rows 23 23 <<'SCREEN'
> otra
SCREEN
assert_eq "nothing more on the wire" 2 "$(log_lines)"
ok "a reply the journal cannot take is not sent and stays in the compose box"

keys C-u
keys C-c
wait_for 10 grep -q '^exit=' "$T/console.err" || fail "the console did not quit"
assert_eq "nothing on stderr, exit 0" "exit=0" "$(cat "$T/console.err")"
assert_eq "no journal left for a resume to send the accepted one again" "" \
    "$(ls "$JDIR" 2> /dev/null)"
ok "quitting leaves no journal: a later /resume has nothing to send again"
