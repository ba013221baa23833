# The signing secret and the API key never leave their files: not on argv, not in any file
# the program writes, not in any output or error, whatever the command.
. "${top_srcdir}/tests/lib.sh"
set -e

SECRET=s3cr3t-7f0c4e1a9b2d
KEY=apik3y-51c0ffee
printf '%s\n' "$SECRET" > "$T/secret"
printf '%s\n' "$KEY" > "$T/key"
chmod 600 "$T/secret" "$T/key"
unset JELOU_SIGNING_SECRET
export JELOU_SIGNING_SECRET_FILE="$T/secret"

start_mock secrets --api-key-file "$T/key"
port=$(sed 's/.*:\([0-9]*\)\/.*/\1/' <<< "$MOCK_URL")
REST="http://127.0.0.1:$port/jelouapi/v1/external-support/{projectId}"
# The mock's command line carries paths, never the values.
tr '\0' ' ' < "/proc/$MOCK_PID/cmdline" | grep -qE "$SECRET|$KEY" && fail "a secret is on argv"

out="$T/outputs"
mkdir "$out"
"$JELOU" send --endpoint "$MOCK_URL" --room r --user u --text hola --json > "$out/1" 2>&1 || true
"$JELOU" send --endpoint "$MOCK_URL" --room r --user u --text hola --dry-run > "$out/2" 2>&1 || true
printf '{"room":"r","user":"u","text":"a"}\nnot json\n' |
    "$JELOU" send --endpoint "$MOCK_URL" --batch - > "$out/3" 2>&1 || true
JELOU_SIGNING_SECRET_FILE= JELOU_SIGNING_SECRET=wrong "$JELOU" send --endpoint "$MOCK_URL" \
    --room r --user u --text hola > "$out/4" 2>&1 || true
"$JELOU" conversation start --user u --rest-base "$REST" --api-key-file "$T/key" --json \
    > "$out/5" 2>&1 || true
"$JELOU" conversation start --user u --rest-base "$REST" --api-key-file "$T/secret" \
    > "$out/6" 2>&1 || true
chmod 644 "$T/key"
"$JELOU" conversation get --id abc --rest-base "$REST" --api-key-file "$T/key" \
    > "$out/7" 2>&1 || true
chmod 600 "$T/key"
"$JELOU" send --endpoint "http://127.0.0.1:1/x" --room r --user u --text hola --attempts 1 \
    > "$out/8" 2>&1 || true
"$JELOU" listen --listen 127.0.0.1:0 --journal "$T/events.jsonl" > "$out/9" 2>&1 &
lpid=$!
PIDS="$PIDS $lpid"
wait_for 10 grep -q 'listening on' "$out/9" || fail "listen did not start"
url=$(sed -n 's/^listen: listening on //p' "$out/9")
printf '%s' '{"event":"conversation.start","room_id":"r","timestamp":1}' > "$T/ev"
curl -s -H "X-Jelou-Signature: sha256=$(hmac "$T/ev" "$SECRET")" --data-binary @"$T/ev" \
    "$url" > "$out/10"
kill "$lpid"
wait "$lpid" 2> /dev/null || true
stop_mock

# The dry run shows the signature, which is fine, and must show the body it signs.
grep -q '^X-Jelou-Signature: sha256=[0-9a-f]\{64\}$' "$out/2" || fail "dry run lost its signature"
# Every file under the test's directory except the two secret files themselves.
leaks=$(grep -rlE "$SECRET|$KEY" "$T" | grep -vxF -e "$T/secret" -e "$T/key" || true)
assert_eq "files holding the secret or the key" "" "$leaks"
written=$(find "$XDG_STATE_HOME" "$T" -type f | wc -l | tr -d ' ')
[ "$written" -gt 10 ] || fail "the commands wrote too little to prove anything ($written files)"
ok "no secret or key in the $written files written (journals, history, logs, outputs, errors)"
