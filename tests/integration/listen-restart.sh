# jelou-console listen --journal across a restart: an event journaled by an earlier run is a
# duplicate when Jelou delivers it again (printed as such, journaled once); a journal that is
# not a regular file is refused at start.
. "${top_srcdir}/tests/lib.sh"
set -e

post() { # BODY_FILE: prints the HTTP status
    curl -s -o /dev/null -w '%{http_code}' -H 'Content-Type: application/json' \
        -H "X-Jelou-Signature: sha256=$(hmac "$1")" --data-binary @"$1" "$URL"
}

printf '%s' '{"event_type":"message","timestamp":1776134278574,"project_id":"P","room_id":"R","contact":{"id":"U","name":"Ana"},"value":{"id":"M1","type":"text","content":{"body":"Hola"}}}' > "$T/m1"
printf '%s' '{"event_type":"message","timestamp":1776134279574,"project_id":"P","room_id":"R","contact":{"id":"U","name":"Ana"},"value":{"id":"M2","type":"text","content":{"body":"¿Hola?"}}}' > "$T/m2"
J="$T/j.jsonl"

start_listen listen --journal "$J"
assert_eq "first delivery" 200 "$(post "$T/m1")"
stop_listen
printf 'torn line from a crash' >> "$J"
printf '\n' >> "$J"

start_listen listen --journal "$J"
assert_eq "redelivery after the restart" 200 "$(post "$T/m1")"
assert_eq "a new event" 200 "$(post "$T/m2")"
wait_for 10 test "$(tail -n +2 "$T/listen.out" | wc -l)" -ge 2 || fail "events not printed"
assert_eq "printed: the repeat as a duplicate, the new one not" "M1 true M2 false" \
    "$(tail -n +2 "$T/listen.out" | jq -r '"\(.id) \(.duplicate)"' | tr '\n' ' ' | sed 's/ $//')"
assert_eq "journal: each event once" "M1 M2" \
    "$(jq -Rr 'fromjson? | .id' < "$J" | tr '\n' ' ' | sed 's/ $//')"
stop_listen
ok "an event journaled before a restart is a duplicate after it, journaled once"

# A journal that is not a regular file (a directory here) is refused before listening: it
# could neither be read back nor appended to.
mkdir "$T/jdir"
rc=0
"$JELOU" listen --listen 127.0.0.1:0 --journal "$T/jdir" > "$T/dir.out" 2> "$T/dir.err" || rc=$?
assert_eq "exit code" 2 "$rc"
assert_eq "one line naming the journal" \
    "jelou-console: listen: the journal $T/jdir is not a regular file" "$(cat "$T/dir.err")"
assert_eq "nothing printed on stdout" "" "$(cat "$T/dir.out")"
ok "a journal that is not a regular file is refused with one line"
