# Each single-send form against the sandbox: exact bytes on the wire and their signature.
. "${top_srcdir}/tests/lib.sh"
set -e

start_mock send

head='{"field":"messages","object":"message_event","event_type":"incoming_message",'
head="$head"'"project_id":"proj-1","room_id":"room-1","bot_id":"bot-1","user_id":"user-1",'

# check_sent N EXPECTED_BODY: the Nth request carried exactly these bytes, signed right.
check_sent() {
    printf '%s' "$(logged "$1" .body)" > "$T/body"
    assert_eq "body of request $1" "$2" "$(cat "$T/body")"
    assert_eq "signature of request $1" "sha256=$(hmac "$T/body")" "$(logged "$1" .signature)"
    assert_eq "verdict of request $1" "accepted" "$(logged "$1" .verdict)"
    assert_eq "status of request $1" "200" "$(logged "$1" .status)"
}

run_jelou send --endpoint "$MOCK_URL" --room room-1 --user user-1 --text 'Hola, ¿cómo estás? "ok" \ 🙂' --id msg-1
assert_eq "exit code of a text send" 0 "$RC"
assert_eq "human result line" "accepted 200: text message msg-1 to room room-1, user user-1 (1 attempt)" "$OUT"
check_sent 1 "$head"'"value":{"id":"msg-1","type":"text","content":{"body":"Hola, ¿cómo estás? \"ok\" \\ 🙂"}}}'
ok "text message: exact bytes and signature"

run_jelou send --endpoint "$MOCK_URL" --room room-1 --user user-1 --attach https://cdn.example.com/a.jpg \
    --type image --mime image/jpeg --caption 'Mira esto' --id msg-2 --json
assert_eq "exit code of an image send" 0 "$RC"
assert_eq "json result" '{"id":"msg-2","room":"room-1","user":"user-1","type":"image","status":"accepted","http_status":200,"attempts":1,"error":null}' "$OUT"
check_sent 2 "$head"'"value":{"id":"msg-2","type":"image","content":{"url":"https://cdn.example.com/a.jpg","mime_type":"image/jpeg","caption":"Mira esto"}}}'
ok "image with caption"

run_jelou send --endpoint "$MOCK_URL" --room room-1 --user user-1 --attach https://cdn.example.com/v.mp4 \
    --type video --mime video/mp4 --id msg-3
assert_eq "exit code of a video send" 0 "$RC"
check_sent 3 "$head"'"value":{"id":"msg-3","type":"video","content":{"url":"https://cdn.example.com/v.mp4","mime_type":"video/mp4"}}}'
ok "video without caption"

run_jelou send --endpoint "$MOCK_URL" --room room-1 --user user-1 --attach https://cdn.example.com/n.mp3 \
    --type audio --mime audio/mpeg --id msg-4
assert_eq "exit code of an audio send" 0 "$RC"
check_sent 4 "$head"'"value":{"id":"msg-4","type":"audio","content":{"url":"https://cdn.example.com/n.mp3","mime_type":"audio/mpeg"}}}'
ok "audio"

run_jelou send --endpoint "$MOCK_URL" --room room-1 --user user-1 --attach https://cdn.example.com/f.pdf \
    --type document --mime application/pdf --filename 'Factura 12.pdf' --id msg-5
assert_eq "exit code of a document send" 0 "$RC"
check_sent 5 "$head"'"value":{"id":"msg-5","type":"document","content":{"url":"https://cdn.example.com/f.pdf","mime_type":"application/pdf","filename":"Factura 12.pdf"}}}'
ok "document with filename"

# A document may carry an image MIME only when the agent says so with --mime.
run_jelou send --endpoint "$MOCK_URL" --room room-1 --user user-1 --attach https://cdn.example.com/scan.png \
    --type document --mime image/png --id msg-6
assert_eq "exit code of a forced document send" 0 "$RC"
check_sent 6 "$head"'"value":{"id":"msg-6","type":"document","content":{"url":"https://cdn.example.com/scan.png","mime_type":"image/png"}}}'
ok "document forced to an image MIME with --mime"

# Without --id a fresh UUIDv4 is used, and two sends never share one.
run_jelou send --endpoint "$MOCK_URL" --room room-1 --user user-1 --text uno --json
id1=$(printf '%s' "$OUT" | jq -r .id)
run_jelou send --endpoint "$MOCK_URL" --room room-1 --user user-1 --text dos --json
id2=$(printf '%s' "$OUT" | jq -r .id)
printf '%s\n' "$id1" | grep -Eq '^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$' \
    || fail "generated id is not a UUIDv4: $id1"
[ "$id1" != "$id2" ] || fail "two sends got the same id $id1"
assert_eq "generated id on the wire" "$id1" "$(logged 7 .id)"
ok "generated ids are UUIDv4 and unique"

# --dry-run prints the exact request and sends nothing.
before=$(log_lines)
run_jelou send --endpoint "$MOCK_URL" --room room-1 --user user-1 --text 'Hola' --id msg-dry --dry-run
assert_eq "exit code of a dry run" 0 "$RC"
body="$head"'"value":{"id":"msg-dry","type":"text","content":{"body":"Hola"}}}'
printf '%s' "$body" > "$T/dry"
assert_eq "dry-run output" "POST $MOCK_URL
Content-Type: application/json
X-Jelou-Signature: sha256=$(hmac "$T/dry")

$body" "$OUT"
assert_eq "nothing sent by a dry run" "$before" "$(log_lines)"
case "$OUT$ERR" in *"$JELOU_SIGNING_SECRET"*) fail "dry run printed the secret" ;; esac
ok "dry run prints the exact body and signature, sends nothing"

# Settings from a config file and a 0600 secret file work the same way.
printf 'endpoint = %s\nproject = proj-1\nbot = bot-1\nsecret_file = %s\n' "$MOCK_URL" "$T/secret" \
    > "$T/config.ini"
printf '%s\n' "$JELOU_SIGNING_SECRET" > "$T/secret"
chmod 600 "$T/secret"
(
    unset JELOU_SIGNING_SECRET JELOU_PROJECT_ID JELOU_BOT_ID
    "$JELOU" send --config "$T/config.ini" --room room-1 --user user-1 --text cfg --id msg-cfg
) > "$T/out" 2> "$T/err" || fail "send with a config file: $(cat "$T/err")"
check_sent "$(log_lines)" "$head"'"value":{"id":"msg-cfg","type":"text","content":{"body":"cfg"}}}'
ok "config file and secret file"
