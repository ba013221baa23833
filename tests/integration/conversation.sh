# conversation start/get/close against the sandbox's REST API: exact bodies, answers, exits.
. "${top_srcdir}/tests/lib.sh"
set -e

KEY=test-api-key-7f3a09
printf '%s\n' "$KEY" > "$T/key"
chmod 600 "$T/key"

start_mock conv --api-key-file "$T/key"
PORT=$(printf '%s' "$MOCK_URL" | sed 's|^http://127.0.0.1:\([0-9]*\)/.*|\1|')
BASE="http://127.0.0.1:$PORT/jelouapi/v1/external-support/{projectId}"
conv() {
    run_jelou conversation "$@" --rest-base "$BASE"
}

# start: the exact request body, the key checked (never logged), the exact --json object
conv start --user u-1 --message Hola --api-key-file "$T/key" --json
assert_eq "start exit" 0 "$RC"
C=$(printf '%s' "$OUT" | jq -r .conversation)
printf '%s' "$C" | grep -Eq '^[0-9a-f]{24}$' || fail "conversation id '$C'"
assert_eq "start --json" "{\"action\":\"start\",\"ok\":true,\"http_status\":200,\
\"message\":\"Conversation started\",\"conversation\":\"$C\",\"room\":\"room-u-1\",\
\"state\":\"active\",\"ended_reason\":null,\"user\":\"u-1\",\"user_name\":null}" "$OUT"
assert_eq "start logged" "1" "$(log_lines)"
assert_eq "start verdict" "rest start ok 200 POST \
/jelouapi/v1/external-support/proj-1/conversations/start" \
    "$(logged 1 '[.verdict, .action, .api_key, .status, .method, .path] | join(" ")')"
assert_eq "start body" '{"botId":"bot-1","userId":"u-1","initialMessage":"Hola"}' \
    "$(logged 1 .body)"
ok "start sends the exact body with x-api-key and prints the answer"

# get, with the key from the environment this time
JELOU_API_KEY=$KEY conv get --id "$C" --json
assert_eq "get exit" 0 "$RC"
assert_eq "get --json" "{\"action\":\"get\",\"ok\":true,\"http_status\":200,\
\"message\":\"Conversation found\",\"conversation\":\"$C\",\"room\":\"room-u-1\",\
\"state\":\"active\",\"ended_reason\":null,\"user\":\"u-1\",\"user_name\":null}" "$OUT"
assert_eq "get path" "GET /jelouapi/v1/external-support/proj-1/conversations/$C ok" \
    "$(logged 2 '[.method, .path, .api_key] | join(" ")')"
assert_eq "get has no body" "" "$(logged 2 .body)"

# close with a text for the user, then get shows it closed
conv close --user u-1 --message 'Gracias por escribir' --api-key-file "$T/key"
assert_eq "close exit" 0 "$RC"
assert_eq "close output" "closed conversation for user u-1" "$OUT"
assert_eq "close body" \
    '{"botId":"bot-1","userId":"u-1","redirectPayload":{"type":"text",'\
'"text":"Gracias por escribir"}}' \
    "$(logged 3 .body)"
conv get --id "$C" --api-key-file "$T/key" --json
assert_eq "get after close" "{\"action\":\"get\",\"ok\":true,\"http_status\":200,\
\"message\":\"Conversation found\",\"conversation\":\"$C\",\"room\":\"room-u-1\",\
\"state\":\"closed\",\"ended_reason\":\"closed_by_operator\",\"user\":\"u-1\",\
\"user_name\":null}" "$OUT"
conv get --id "$C" --api-key-file "$T/key"
assert_eq "get human" "conversation: $C
room: room-u-1
state: closed
user: u-1
bot: bot-1" "$(printf '%s\n' "$OUT" | sed -n 1,5p)"
printf '%s\n' "$OUT" | grep -Eq '^started: [0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9:]{8}Z$' ||
    fail "no started time in: $OUT"
assert_eq "get human reason" "ended_reason: closed_by_operator" \
    "$(printf '%s\n' "$OUT" | tail -n 1)"
ok "close sends redirectPayload; get reflects start and close"

conv start --user u-2 --api-key-file "$T/key"
assert_eq "human start" "started conversation for user u-2: Conversation started" "$OUT"
assert_eq "start without a message" '{"botId":"bot-1","userId":"u-2"}' "$(logged 6 .body)"

# the older /platform/v1/ prefix is the same API
run_jelou conversation get --id "$C" --api-key-file "$T/key" \
    --rest-base "http://127.0.0.1:$PORT/platform/v1/external-support/proj-1/"
assert_eq "old prefix" "0 closed" "$RC $(printf '%s\n' "$OUT" | sed -n 's/^state: //p')"
ok "the older /platform/v1/ base works too"

# a wrong key: refused with the server's description; the key is checked, never logged
n=$(log_lines)
JELOU_API_KEY=wrong-key conv close --user u-2
assert_eq "wrong key exit" 1 "$RC"
assert_eq "wrong key error" \
    "jelou-console: conversation close: refused (HTTP 401): invalid api key" "$ERR"
assert_eq "wrong key logged" "rest 401 wrong invalid api key" \
    "$(logged $((n + 1)) '[.verdict, .status, .api_key, .reason] | join(" ")')"
JELOU_API_KEY=wrong-key conv start --user u-3 --json
assert_eq "wrong key --json" 1 "$RC"
assert_eq "wrong key object" '{"action":"start","ok":false,"http_status":401,'\
'"message":"invalid api key","conversation":null,"room":null,"state":null,'\
'"ended_reason":null,"user":"u-3","user_name":null}' "$OUT"
if grep -q -e "$KEY" -e wrong-key "$MOCK_LOG"; then fail "an API key is in the log"; fi
ok "a wrong key exits 1 with the server's description; keys never reach the log"

# nothing is sent without a key, a user, a readable key file or a URL-safe id
n=$(log_lines)
conv start --user u-1
assert_eq "no key exit" 2 "$RC"
assert_eq "no key error" "jelou-console: no API key: set JELOU_API_KEY, or api_key_file in \
the config, or --api-key-file" "$ERR"
conv start --api-key-file "$T/key"
assert_eq "no user exit" 2 "$RC"
assert_contains "no user error" "--user U is required" "$ERR"
cp "$T/key" "$T/open-key"
chmod 644 "$T/open-key"
conv close --user u-1 --api-key-file "$T/open-key"
assert_eq "open key file exit" 2 "$RC"
assert_eq "open key file error" "jelou-console: API key file $T/open-key is readable by \
group or others: run chmod 600 $T/open-key" "$ERR"
conv get --id 'a/../b' --api-key-file "$T/key"
assert_eq "bad id exit" 2 "$RC"
assert_contains "bad id error" "may hold only letters, digits and . _ ~ -" "$ERR"
conv get --api-key-file "$T/key"
assert_eq "get without --id" 2 "$RC"
run_jelou conversation start --user u-1 --api-key-file "$T/key" \
    --rest-base "http://example.com/x"
assert_eq "plain http off loopback" 2 "$RC"
assert_contains "plain http error" "--rest-base: http:// endpoints are only allowed" "$ERR"
run_jelou conversation start --user u-1 --api-key k
assert_eq "key on argv" 2 "$RC"
assert_eq "nothing sent" "$n" "$(log_lines)"
if printf '%s' "$ERR" | grep -q "$KEY"; then fail "the key shows in an error"; fi
ok "no key, no --user, an open key file, a bad id or an http base: exit 2, nothing sent"

# another project's path is not found
conv get --id "$C" --api-key-file "$T/key" --project other
assert_eq "other project" "1" "$RC"
assert_eq "other project error" \
    "jelou-console: conversation get: refused (HTTP 404): project other not found" "$ERR"

# network failure: nobody listens any more
stop_mock
conv get --id "$C" --api-key-file "$T/key" --attempts 1
assert_eq "network exit" 3 "$RC"
assert_contains "network error" "conversation get:" "$ERR"
ok "a refused project exits 1, no server exits 3"
