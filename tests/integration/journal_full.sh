# A full disk under the outbox journal: a journal write that fails is said on stderr and
# changes the exit status, a message it could not record is not sent, and no resume sends
# an accepted message again. Needs root (a small tmpfs); skipped otherwise.
. "${top_srcdir}/tests/lib.sh"
. "${top_srcdir}/tests/lib-tmpfs.sh"
set -e

tmpfs_state 256k
JDIR="$XDG_STATE_HOME/jelou-console/outbox"
seq 1 40 | jq -c '{room: "r", user: "u", text: "mensaje \(.)", id: "k-\(.)"}' > "$T/batch.jsonl"

accepted_ids() {
    jq -r 'select(.verdict == "accepted") | .id' < "$MOCK_LOG" | sort
}

# mock_seen N: the mock has logged at least N requests.
mock_seen() {
    [ "$(grep -c . "$MOCK_LOG" 2> /dev/null || echo 0)" -ge "$1" ]
}

# fill_after NAME N SEND-OPTIONS...: the batch in the background (stdout and stderr in
# $T/NAME.out, .err; its pid in $pid), and the disk filled once the mock has seen N.
fill_after() {
    local name=$1 n=$2
    shift 2
    "$JELOU" send --endpoint "$MOCK_URL" --batch "$T/batch.jsonl" "$@" \
        > "$T/$name.out" 2> "$T/$name.err" &
    pid=$!
    PIDS="$PIDS $pid"
    wait_for 30 mock_seen "$n" || fail "the batch did not get going"
    fill_state 0
}

# once_each N: the mock accepted N distinct ids, none of them twice.
once_each() {
    assert_eq "no id accepted twice" "" "$(accepted_ids | uniq -d)"
    assert_eq "ids accepted" "$1" "$(accepted_ids | wc -l | tr -d ' ')"
}

# 1. Full from the start: no queued record can be written, so nothing is sent.
start_mock full
fill_state 0
run_jelou send --endpoint "$MOCK_URL" --batch "$T/batch.jsonl"
assert_eq "exit status, disk full" 1 "$RC"
assert_contains "stderr names the journal" "cannot write the outbox journal $JDIR/outbox-" "$ERR"
assert_contains "and why" "No space left on device" "$ERR"
assert_eq "said once, not 40 times" 1 "$(grep -c . <<< "$ERR")"
assert_eq "40 results, all failed after 0 attempts" "40 failed 0" \
    "$(jq -rs '"\(length) \(map(.status) | unique | join(",")) \(map(.attempts) | add)"' \
        <<< "$OUT")"
assert_eq "each one says it was not sent, and why" 40 \
    "$(jq -r .error <<< "$OUT" \
        | grep -c '^not sent: cannot write the outbox journal .*: No space left on device$')"
assert_eq "nothing on the wire" 0 "$(log_lines)"
free_state
run_jelou send --endpoint "$MOCK_URL" --resume
assert_eq "nothing for a resume to send" "0 send: nothing to resume" "$RC $ERR"
assert_eq "still nothing on the wire" 0 "$(log_lines)"
ok "full from the start: 40 not sent, said once on stderr, exit 1, nothing on the wire"
stop_mock

# 2. Nearly full, as in the report: the queued records fit, their final states do not.
start_mock nearly
fill_state 16
run_jelou send --endpoint "$MOCK_URL" --batch "$T/batch.jsonl"
assert_eq "exit status, disk nearly full" 1 "$RC"
assert_contains "stderr names the journal" "cannot write the outbox journal $JDIR/outbox-" "$ERR"
accepted=$(jq -r 'select(.status == "accepted") | .id' <<< "$OUT" | sort)
[ -n "$accepted" ] || fail "nothing was accepted: the disk was too full for this test"
assert_eq "what was reported accepted is what the mock accepted" "$accepted" "$(accepted_ids)"
free_state
run_jelou send --endpoint "$MOCK_URL" --resume
assert_eq "a resume sends nothing again" "0 send: nothing to resume" "$RC $ERR"
once_each "$(wc -l <<< "$accepted" | tr -d ' ')"
ok "nearly full: the failure is said, exit 1, and a resume resends none of the accepted"
stop_mock

# 3. The disk fills while the batch is sending.
start_mock midway --delay-ms 300
fill_after midway 8 --parallel 4
set +e
wait "$pid"
RC=$?
set -e
assert_eq "exit status, disk filled midway" 1 "$RC"
assert_contains "stderr names the journal" "cannot write the outbox journal $JDIR/outbox-" \
    "$(cat "$T/midway.err")"
assert_eq "all 40 accepted: their queued records were written before the disk filled" 40 \
    "$(jq -r 'select(.status == "accepted") | .id' < "$T/midway.out" | wc -l | tr -d ' ')"
free_state
run_jelou send --endpoint "$MOCK_URL" --resume
assert_eq "a resume sends nothing again" "0 send: nothing to resume" "$RC $ERR"
once_each 40
ok "filled midway: the failure is said, exit 1, and a resume resends none of the 40"
stop_mock

# 4. The same, killed with -9 after the disk filled: what the journal could not append is
# marked in place, so a resume still knows which ones got their 2xx.
start_mock killed --delay-ms 150
fill_after killed 5 --parallel 1
wait_for 30 mock_seen 15 || fail "the batch stalled"
kill -9 "$pid"
wait "$pid" 2> /dev/null || true
ls "$JDIR"/outbox-*.jsonl > /dev/null 2>&1 || fail "no journal was left by the killed batch"
# One at a time, in input order: each id printed accepted got its 2xx, and the batch knew.
jq -r 'select(.status == "accepted") | .id' < "$T/killed.out" | sort > "$T/known"
[ "$(wc -l < "$T/known")" -ge 10 ] || fail "too few results before the kill: not a test"
before=$(log_lines)

# A resume that itself finds the disk full sends nothing and keeps the journal.
run_jelou send --endpoint "$MOCK_URL" --resume
assert_eq "resume on a full disk: exit status" 2 "$RC"
assert_contains "it says why" "cannot write the outbox journal" "$ERR"
assert_eq "nothing on the wire" "$before" "$(log_lines)"
ls "$JDIR"/outbox-*.jsonl > /dev/null 2>&1 || fail "the resume on a full disk lost the journal"

free_state
run_jelou send --endpoint "$MOCK_URL" --resume
assert_eq "resume after space returned" 0 "$RC"
sed -n "$((before + 1)),\$p" "$MOCK_LOG" | jq -r .id | sort > "$T/after"
assert_eq "nothing the killed batch reported accepted was sent again" "" \
    "$(comm -12 "$T/known" "$T/after")"
assert_eq "every one of the 40 accepted" 40 "$(accepted_ids | uniq | wc -l | tr -d ' ')"
# At most the one in flight at the kill (its answer unread) went out twice.
twice=$(accepted_ids | uniq -d | wc -l | tr -d ' ')
[ "$twice" -le 1 ] || fail "$twice ids accepted twice: $(accepted_ids | uniq -d | tr '\n' ' ')"
ls "$JDIR"/outbox-*.jsonl > /dev/null 2>&1 && fail "journals left after everything was sent"
ok "killed after the disk filled: a resume (refused while full) resends none known accepted"
