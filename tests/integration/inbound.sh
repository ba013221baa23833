# jelou-console listen: Jelou's signed events in, one JSON line out, the raw body journaled.
. "${top_srcdir}/tests/lib.sh"
. "${top_srcdir}/tests/integration/lib-listen.sh"
set -e

J="$T/j.jsonl"
start_listen main --journal "$J"
case "$URL" in
http://127.0.0.1:[0-9]*/jelou/webhook) ;;
*) fail "listen printed a strange URL: $URL" ;;
esac
port=$(sed 's/.*:\([0-9]*\)\/.*/\1/' <<< "$URL")
[ "$port" -gt 0 ] || fail "port 0 was not replaced by a real port"
ok "port 0 picks a free port; the URL is the first line"

msg='{"field":"messages","object":"message_event","event_type":"message","timestamp":1776134278574,"project_id":"P","room_id":"R","contact":{"id":"U","name":"Ana"},"conversation":{"id":"C"},"bot":{"id":"B","name":"Support bot"},"value":{"id":"M1","type":"text","content":{"body":"Hola \u00f1 \"x\""}}}'
printf '%s' "$msg" > "$T/msg"
assert_eq "signed message" '200 {"ok":true}' "$(post "$T/msg")"
assert_eq "event line" \
    '{"event":"message","kind":"message","id":"M1","room":"R","user":"U","name":"Ana","type":"text","text":"Hola ñ \"x\"","url":null,"duplicate":false}' \
    "$(events main)"
assert_eq "one journal line" 1 "$(wc -l < "$J" | tr -d ' ')"
assert_eq "journaled raw body" "$msg" "$(jq -r .body "$J")"
assert_eq "journal fields" "message M1 R U" "$(jq -r '"\(.event) \(.id) \(.room) \(.user)"' "$J")"
[ "$(jq -r '.time | type' "$J")" = number ] || fail "journal time is not a number"
ok "a signed message is answered 200, printed, and journaled with its exact bytes"

cp "$J" "$T/j.before"
assert_eq "bad signature" '401 {"error":"bad signature"}' \
    "$(post "$T/msg" "sha256=$(printf '0%.0s' $(seq 64))")"
assert_eq "missing signature" '401 {"error":"bad signature"}' "$(post "$T/msg" "")"
# A signature of other bytes: the body as sent is what counts, not its meaning.
printf '%s ' "$msg" > "$T/msg-space"
assert_eq "signature of other bytes" '401 {"error":"bad signature"}' \
    "$(post "$T/msg" "sha256=$(hmac "$T/msg-space")")"
assert_eq "signature with another secret" '401 {"error":"bad signature"}' \
    "$(post "$T/msg" "sha256=$(hmac "$T/msg" other-secret)")"
assert_eq "nothing printed after 401s" 1 "$(events main | wc -l | tr -d ' ')"
cmp -s "$J" "$T/j.before" || fail "the journal changed after a 401"
ok "bad, missing or foreign signatures are 401 and leave no trace"

# A signed body that is not an event is kept aside, not in the event journal (see
# listen_hostile.sh for what is kept and said).
printf '%s' '{"hello":"world"}' > "$T/notevent"
assert_eq "signed non-event" \
    '200 {"ok":true,"unreadable":"not an event: event and event_type are missing"}' \
    "$(post "$T/notevent")"
printf '%s' '[1,2,3]' > "$T/array"
assert_eq "signed array" '200 {"ok":true,"unreadable":"body is not a JSON object"}' \
    "$(post "$T/array")"
head -c 2097152 /dev/zero | tr '\0' 'a' > "$T/big"
assert_eq "2 MiB body" '413 {"error":"body too large"}' "$(post "$T/big")"
code=$(curl -s -o /dev/null -w '%{http_code}' "$URL")
assert_eq "GET" 405 "$code"
allow=$(curl -s -o /dev/null -D - "$URL" | tr -d '\r' | sed -n 's/^Allow: //p')
assert_eq "Allow header" POST "$allow"
code=$(curl -s -o /dev/null -w '%{http_code}' --data-binary @"$T/msg" \
    -H "X-Jelou-Signature: sha256=$(hmac "$T/msg")" "${URL%/webhook}/other")
assert_eq "other path" 404 "$code"
assert_eq "nothing printed after refusals" 1 "$(events main | wc -l | tr -d ' ')"
cmp -s "$J" "$T/j.before" || fail "the journal changed after a refusal"
ok "a signed non-event is kept aside; 413, 405 with Allow, 404"


assert_eq "same message again" '200 {"ok":true}' "$(post "$T/msg")"
assert_eq "second line is a duplicate" true "$(events main | sed -n 2p | jq .duplicate)"
assert_eq "same id" M1 "$(events main | sed -n 2p | jq -r .id)"
assert_eq "journal still has one line" 1 "$(wc -l < "$J" | tr -d ' ')"
ok "a redelivered message is answered 200, flagged duplicate, not journaled twice"

img='{"field":"messages","object":"message_event","event_type":"message","timestamp":1776134278999,"project_id":"P","room_id":"R","contact":{"id":"U"},"bot":{"id":"B"},"value":{"id":"M2","type":"image","content":{"url":"http://cdn.example/a.jpg","mime_type":"image/jpeg","caption":"mira"}}}'
printf '%s' "$img" > "$T/img"
assert_eq "image" '200 {"ok":true}' "$(post "$T/img")"
assert_eq "image line" \
    '{"event":"message","kind":"message","id":"M2","room":"R","user":"U","name":null,"type":"image","text":"mira","url":"http://cdn.example/a.jpg","duplicate":false}' \
    "$(events main | sed -n 3p)"
ok "an image (plain http URL) is printed with its caption and URL"

start='{"event":"conversation.start","timestamp":1776134000000,"project_id":"P","room_id":"R","contact":{"id":"U","name":"Ana"},"conversation":{"id":"C"}}'
close='{"event":"conversation.close","timestamp":1776134999000,"project_id":"P","room_id":"R","contact":{"id":"U"},"conversation":{"id":"C"},"reason":"closed_by_operator","message":"Gracias"}'
printf '%s' "$start" > "$T/start"
printf '%s' "$close" > "$T/close"
assert_eq "conversation.start" '200 {"ok":true}' "$(post "$T/start")"
assert_eq "conversation.close" '200 {"ok":true}' "$(post "$T/close")"
assert_eq "start line" \
    '{"event":"conversation.start","kind":"conversation.start","id":"C","room":"R","user":"U","name":"Ana","type":null,"text":null,"url":null,"duplicate":false}' \
    "$(events main | sed -n 4p)"
assert_eq "close line" \
    '{"event":"conversation.close","kind":"conversation.close","id":"C","room":"R","user":"U","name":null,"type":null,"text":"Gracias","url":null,"duplicate":false}' \
    "$(events main | sed -n 5p)"
assert_eq "close again" '200 {"ok":true}' "$(post "$T/close")"
assert_eq "close again is a duplicate" true "$(events main | sed -n 6p | jq .duplicate)"
ok "conversation.start and conversation.close, with redelivery spotted"

unknown='{"event":"conversation.transfer","timestamp":1,"project_id":"P","room_id":"R"}'
printf '%s' "$unknown" > "$T/unknown"
assert_eq "unknown event" '200 {"ok":true}' "$(post "$T/unknown")"
assert_eq "unknown kind" "conversation.transfer unknown R" \
    "$(events main | sed -n 7p | jq -r '"\(.event) \(.kind) \(.room)"')"
assert_eq "journal lines" 5 "$(wc -l < "$J" | tr -d ' ')"
assert_eq "journal bodies in order" "$(printf '%s\n' "$msg" "$img" "$start" "$close" "$unknown")" \
    "$(jq -r '.body' "$J")"
assert_eq "journal events" \
    "message message conversation.start conversation.close conversation.transfer" \
    "$(jq -r .event "$J" | tr '\n' ' ' | sed 's/ $//')"
ok "an unknown event is answered 200, journaled, printed with kind unknown"
# A kind of message the console does not know (WhatsApp stickers, locations) is kept and
# shown for what it is: refusing it would make Jelou retry or drop the user's words.
printf '%s' "${msg/\"text\",\"content\"/\"sticker\",\"content\"}" > "$T/sticker"
printf '%s' "$(sed 's/"id":"[^"]*","type":"sticker"/"id":"stk-1","type":"sticker"/' "$T/sticker")" > "$T/sticker"
before=$(grep -c . "$T/main.out")
assert_eq "signed unknown message type is kept, not refused" '200 {"ok":true}' \
    "$(post "$T/sticker")"
wait_for 10 sh -c "[ \$(grep -c . '$T/main.out') -gt $before ]" || fail "the sticker was not printed"
assert_eq "the sticker's line" "message stk-1 sticker" \
    "$(events main | tail -1 | jq -r '[.kind, .id, .type] | join(" ")')"
ok "an unknown message type is accepted and printed with its type"

if grep -q "$JELOU_SIGNING_SECRET" "$J" "$T/main.out" "$T/main.err"; then
    fail "the secret leaked"
fi
stop_listen
# 413s are answered by the HTTP layer before the listener sees them, so they are not counted.
assert_eq "stop line" "listen: stopped after 8 events (7 rejected, 2 kept unread)" \
    "$(grep stopped "$T/main.err")"
ok "the secret never shows; the stop line counts events and refusals"

# A journal that cannot be written: 500 and nothing printed, so Jelou delivers it again;
# once the journal works, the retry goes through as new, not as a duplicate.
start_listen broken --journal "$T/jdir"
mkdir "$T/jdir"
assert_eq "journal failure" '500 {"error":"cannot journal the event"}' "$(post "$T/msg")"
assert_eq "nothing printed without a journal line" 0 "$(events broken | wc -l | tr -d ' ')"
assert_contains "the cause is said on stderr" "$T/jdir" "$(cat "$T/broken.err")"
rmdir "$T/jdir"
assert_eq "retry after the journal works" '200 {"ok":true}' "$(post "$T/msg")"
assert_eq "the retry is not a duplicate" false "$(events broken | jq .duplicate)"
assert_eq "the retry is journaled" "$msg" "$(jq -r .body "$T/jdir")"
stop_listen
ok "a journal write failure is a 500 and loses nothing"

# --token-file: the signature and the token.
printf '%s\n' 'tok-3f9a' > "$T/token"
chmod 600 "$T/token"
start_listen tok --token-file "$T/token"
assert_eq "no token" '401 {"error":"bad token"}' "$(post "$T/msg")"
assert_eq "wrong token" '401 {"error":"bad token"}' \
    "$(post "$T/msg" "sha256=$(hmac "$T/msg")" -H 'Authorization: Bearer tok-3f9b')"
assert_eq "token prefix" '401 {"error":"bad token"}' \
    "$(post "$T/msg" "sha256=$(hmac "$T/msg")" -H 'X-API-Key: tok-3f9')"
assert_eq "token without a signature" '401 {"error":"bad signature"}' \
    "$(post "$T/msg" "" -H 'Authorization: Bearer tok-3f9a')"
assert_eq "Bearer token" '200 {"ok":true}' \
    "$(post "$T/msg" "sha256=$(hmac "$T/msg")" -H 'Authorization: Bearer tok-3f9a')"
assert_eq "X-API-Key token" '200 {"ok":true}' \
    "$(post "$T/img" "sha256=$(hmac "$T/img")" -H 'X-API-Key: tok-3f9a')"
assert_eq "two events printed" "M1 M2" "$(events tok | jq -r .id | tr '\n' ' ' | sed 's/ $//')"
if grep -q 'tok-3f9a' "$T/tok.out" "$T/tok.err"; then
    fail "the token leaked"
fi
stop_listen
ok "--token-file: 401 without the token, 200 with Bearer or X-API-Key"

# A token of the form user:password also stands for Basic credentials.
printf '%s\n' 'agente:pa55-w0rd' > "$T/basic"
chmod 600 "$T/basic"
start_listen basic --token-file "$T/basic"
good=$(printf '%s' 'agente:pa55-w0rd' | base64)
bad=$(printf '%s' 'agente:pa55-w0rX' | base64)
assert_eq "Basic with the right credentials" '200 {"ok":true}' \
    "$(post "$T/msg" "sha256=$(hmac "$T/msg")" -H "Authorization: Basic $good")"
assert_eq "Basic with a wrong password" '401 {"error":"bad token"}' \
    "$(post "$T/img" "sha256=$(hmac "$T/img")" -H "Authorization: Basic $bad")"
assert_eq "Basic that is not base64" '401 {"error":"bad token"}' \
    "$(post "$T/img" "sha256=$(hmac "$T/img")" -H "Authorization: Basic %%%=")"
assert_eq "Basic with stray padding" '401 {"error":"bad token"}' \
    "$(post "$T/img" "sha256=$(hmac "$T/img")" -H "Authorization: Basic ${good}=x")"
stop_listen
ok "Basic credentials are checked against a user:password token"

chmod 644 "$T/token"
run_jelou listen --listen 127.0.0.1:0 --token-file "$T/token"
assert_eq "readable token file" 2 "$RC"
assert_contains "says chmod 600" "chmod 600" "$ERR"
ok "a token file others can read is refused"

run_jelou listen --listen 0.0.0.0:0
assert_eq "non-loopback exit" 2 "$RC"
assert_eq "non-loopback message" "jelou-console: listen: 0.0.0.0 is not a loopback address; \
Jelou must reach the listener over HTTPS through a reverse proxy or tunnel, so listen on \
127.0.0.1 behind one (or add --public if the proxy is on another host)" "$ERR"
assert_eq "nothing on stdout" "" "$OUT"
run_jelou listen --listen '[::]:0'
assert_eq "non-loopback v6 exit" 2 "$RC"
run_jelou listen --listen 127.0.0.1:99999
assert_eq "bad port" 2 "$RC"
ok "a non-loopback address needs --public; a bad --listen is exit 2"

# --path, and the secret from a file.
printf '%s\n' "$JELOU_SIGNING_SECRET" > "$T/secret"
chmod 600 "$T/secret"
# env, not a subshell: LPID must be the listener itself, so that stopping it stops it.
env -u JELOU_SIGNING_SECRET "$JELOU" listen --listen 127.0.0.1:0 --path /hook \
    --secret-file "$T/secret" > "$T/path.out" 2> "$T/path.err" &
LPID=$!
PIDS="$PIDS $LPID"
wait_for 10 grep -q '^listen: listening on ' "$T/path.out" || fail "listen --path did not start"
URL=$(sed -n '1s/^listen: listening on //p' "$T/path.out")
case "$URL" in */hook) ;; *) fail "--path not in the URL: $URL" ;; esac
assert_eq "custom path" '200 {"ok":true}' "$(post "$T/start")"
stop_listen
assert_eq "stopped" "listen: stopped after 1 event (0 rejected)" "$(cat "$T/path.err")"
ok "--path and --secret-file"
