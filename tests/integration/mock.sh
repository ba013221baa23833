# The sandbox endpoint itself, poked with curl: it judges requests like Jelou would.
. "${top_srcdir}/tests/lib.sh"
set -e

start_mock mock
case "$MOCK_URL" in
http://127.0.0.1:[0-9]*/v1/external-support/webhook) ;;
*) fail "mock printed a strange URL: $MOCK_URL" ;;
esac
port=$(sed 's/.*:\([0-9]*\)\/.*/\1/' <<< "$MOCK_URL")
[ "$port" -gt 0 ] || fail "port 0 was not replaced by a real port"
ok "port 0 picks a free port and prints it"

# post BODY_FILE [SIGNATURE]: prints "STATUS BODY" (safe to run several at once).
post() {
    local sig=${2-"sha256=$(hmac "$1")"} resp="$T/resp.$BASHPID"
    curl -s -o "$resp" -w '%{http_code}' -H 'Content-Type: application/json' \
        ${sig:+-H "X-Jelou-Signature: $sig"} --data-binary @"$1" "$MOCK_URL"
    printf ' %s' "$(cat "$resp")"
}

good='{"field":"messages","object":"message_event","event_type":"incoming_message","project_id":"p","room_id":"r","bot_id":"b","user_id":"u","value":{"id":"m1","type":"text","content":{"body":"hola"}}}'
printf '%s' "$good" > "$T/good"
assert_eq "good request" '200 {"message":["received"],"status":1}' "$(post "$T/good")"
assert_eq "log of good request" "1 POST /v1/external-support/webhook 200 accepted m1 text" \
    "$(logged 1 '"\(.seq) \(.method) \(.path) \(.status) \(.verdict) \(.id) \(.type)"')"
assert_eq "logged body is the raw body" "$good" "$(logged 1 .body)"
ok "a signed, well-formed event is accepted and logged"

assert_eq "bad signature" '401 {"error":"bad signature"}' "$(post "$T/good" "sha256=$(printf '0%.0s' $(seq 64))")"
assert_eq "missing signature" '401 {"error":"bad signature"}' "$(post "$T/good" "")"
assert_eq "log of bad signature" "401 bad_signature" "$(logged 2 '"\(.status) \(.verdict)"')"
assert_eq "log of missing signature" "null" "$(logged 3 .signature)"
ok "bad or missing signature is 401"

printf '%s' "${good/\"text\"/\"sticker\"}" > "$T/bad"
resp=$(post "$T/bad")
assert_eq "bad body status" "422" "${resp%% *}"
assert_eq "bad body reason is JSON" "true" "$(jq 'has("error")' <<< "${resp#* }")"
assert_eq "log of bad body" "422 bad_body" "$(logged 4 '"\(.status) \(.verdict)"')"
ok "a schema error is 422 with a JSON reason"

code=$(curl -s -o /dev/null -w '%{http_code}' "${MOCK_URL%/webhook}/other" --data-binary @"$T/good")
assert_eq "unknown path" 404 "$code"
code=$(curl -s -o /dev/null -w '%{http_code}' "$MOCK_URL")
assert_eq "GET on the webhook" 405 "$code"
head -c 2097152 /dev/zero | tr '\0' 'a' > "$T/big"
code=$(curl -s -o /dev/null -w '%{http_code}' -H "X-Jelou-Signature: sha256=00" --data-binary @"$T/big" "$MOCK_URL")
assert_eq "2 MiB body" 413 "$code"
ok "404, 405 and 413"

grep -q "$JELOU_SIGNING_SECRET" "$MOCK_LOG" && fail "the mock logged the secret"
stop_mock
assert_contains "mock says how many requests on exit" "mock: stopped after" "$(cat "$T/mock.err")"
ok "the secret never reaches the log; clean stop"

# --delay-ms delays answers without blocking others: two delayed requests at once both
# finish well before the two delays one after the other (5 s) would allow.
start_mock slow --delay-ms 2500
start=$(date +%s%N)
post "$T/good" > "$T/a" & a=$!
post "$T/good" > "$T/b" & b=$!
wait $a $b
elapsed=$(( ($(date +%s%N) - start) / 1000000 ))
assert_eq "delayed answer a" '200 {"message":["received"],"status":1}' "$(cat "$T/a")"
assert_eq "delayed answer b" '200 {"message":["received"],"status":1}' "$(cat "$T/b")"
[ "$elapsed" -ge 2500 ] || fail "answers came before the delay: ${elapsed} ms"
[ "$elapsed" -lt 5000 ] || fail "two delayed answers were served one after the other: ${elapsed} ms"
ok "delayed answers do not block each other"
