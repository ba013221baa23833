# integration get/create/update/delete against the sandbox: bodies, answers, the secret file.
. "${top_srcdir}/tests/lib.sh"
set -e

KEY=test-api-key-7f3a09
printf '%s\n' "$KEY" > "$T/key"
chmod 600 "$T/key"
start_mock integ --api-key-file "$T/key" --project proj-1
PORT=$(printf '%s' "$MOCK_URL" | sed 's|^http://127.0.0.1:\([0-9]*\)/.*|\1|')
BASE="http://127.0.0.1:$PORT/jelouapi/v1/external-support/{projectId}"
SANDBOX_SECRET=$JELOU_SIGNING_SECRET
# What the console knows of the secret must come from the file create writes.
unset JELOU_SIGNING_SECRET
integ() {
    run_jelou integration "$@" --rest-base "$BASE" --api-key-file "$T/key"
}
no_secret_shown() {
    case "$OUT$ERR" in *"$SANDBOX_SECRET"*) fail "the signing secret was printed" ;; esac
}

integ get
assert_eq "get before create" "1 jelou-console: integration get: refused (HTTP 404): \
the project has no integration" "$RC $ERR"

# create: the exact body, the secret only in the file (0600), never on stdout
integ create --webhook-url https://hooks.example.com/jelou
assert_eq "create exit" 0 "$RC"
no_secret_shown
assert_eq "create request" "POST /jelouapi/v1/external-support/proj-1 201" \
    "$(logged 2 '[.method, .path, .status] | join(" ")')"
assert_eq "create body" '{"webhookUrl":"https://hooks.example.com/jelou","authType":"no_auth"}' \
    "$(logged 2 .body)"
SF="$XDG_CONFIG_HOME/jelou-console/signing-secret"
assert_eq "create output" "id: integration-1
webhook_url: https://hooks.example.com/jelou
auth_type: no_auth
signing secret written to $SF (mode 0600; Jelou shows it only once)" \
    "$(printf '%s\n' "$OUT" | grep -v '^created_at: ')"
assert_eq "secret file" "$SANDBOX_SECRET" "$(cat "$SF")"
assert_eq "secret mode" "600" "$(stat -c %a "$SF")"
ok "create writes the secret into a 0600 file under the config dir and never prints it"

# the secret works: a message signed with it is accepted by the sandbox
run_jelou send --room r-1 --user u-1 --text hola --endpoint "$MOCK_URL" --secret-file "$SF"
assert_eq "send with the created secret" 0 "$RC"
ok "the written secret signs what the sandbox verifies"

# an existing secret file is refused before Jelou is called; --force replaces it
n=$(log_lines)
integ create --webhook-url https://hooks.example.com/jelou
assert_eq "refused over an existing secret" "2 jelou-console: integration create: $SF already \
exists (it may hold the secret of the integration in use: delete it or give --force)" "$RC $ERR"
assert_eq "nothing sent" "$n" "$(log_lines)"
ok "create refuses an existing secret file before calling Jelou"

# a second integration: Jelou-shaped 409, the secret file given stays absent
integ create --webhook-url https://hooks.example.com/jelou --secret-file "$T/second" --json
assert_eq "second create" "1 {\"action\":\"create\",\"ok\":false,\"http_status\":409,\
\"message\":\"the project already has an integration (integration-1): update or delete it\",\
\"id\":null,\"webhook_url\":null,\"auth_type\":null,\"created_at\":null,\"updated_at\":null,\
\"secret_file\":null}" "$RC $OUT"
[ ! -e "$T/second" ] || fail "a refused create left $T/second"
ls "$T" | grep -q '^second' && fail "a refused create left a temp file"
ok "creating twice is refused with 409 and leaves no file"

# get shows no secret; update sends only what changes
integ get --json
assert_eq "get" "0 true integration-1 https://hooks.example.com/jelou no_auth" \
    "$RC $(printf '%s' "$OUT" | jq -r '[.ok, .id, .webhook_url, .auth_type] | join(" ")')"
no_secret_shown
printf 'inbound-token-42\n' > "$T/token"
chmod 600 "$T/token"
integ update --webhook-url https://hooks.example.com/v2 --auth-type bearer \
    --auth-token-file "$T/token"
assert_eq "update exit" 0 "$RC"
assert_eq "update body" '{"webhookUrl":"https://hooks.example.com/v2","authType":"bearer",'\
'"authorization":"inbound-token-42"}' "$(logged "$(log_lines)" .body)"
assert_eq "update output" "https://hooks.example.com/v2 bearer" \
    "$(printf '%s\n' "$OUT" | sed -n 's/^webhook_url: //p;s/^auth_type: //p' | paste -sd' ')"
printf '%s\n' "$OUT" | grep -q '^updated_at: 20' || fail "no updated_at in: $OUT"
integ update --auth-type bearer
assert_eq "bearer without a token" "2 jelou-console: --auth-type bearer needs \
--auth-token-file F: the token Jelou sends" "$RC $ERR"
integ update --webhook-url http://hooks.example.com/plain
assert_eq "plain http refused" 2 "$RC"
ok "get never shows the secret; update sends the fields given"

# a wrong key: Jelou's message on stderr, exit 1
JELOU_API_KEY=wrong-key run_jelou integration get --rest-base "$BASE"
assert_eq "wrong key" "1 jelou-console: integration get: refused (HTTP 401): invalid api key" \
    "$RC $ERR"
ok "a wrong API key shows Jelou's 401 message"

# delete, then get is 404 again; create --force replaces the old secret file
integ delete
assert_eq "delete" "0 deleted integration integration-1" "$RC $OUT"
assert_eq "delete request" "DELETE" "$(logged "$(log_lines)" .method)"
integ get
assert_eq "get after delete" 1 "$RC"
printf 'old-secret\n' > "$SF"
integ create --webhook-url https://hooks.example.com/jelou --force --json
assert_eq "create --force" "0 integration-2 $SF" \
    "$RC $(printf '%s' "$OUT" | jq -r '[.id, .secret_file] | join(" ")')"
assert_eq "secret replaced" "$SANDBOX_SECRET" "$(cat "$SF")"
ok "delete removes it; create --force replaces the old secret file"

# a create that fails leaves the secret file absent and says why
rm -f "$SF"
JELOU_API_KEY=wrong-key run_jelou integration create --rest-base "$BASE" \
    --webhook-url https://hooks.example.com/jelou
assert_eq "create refused" 1 "$RC"
[ ! -e "$SF" ] || fail "a refused create wrote $SF"
ls "$XDG_CONFIG_HOME/jelou-console" | grep -q tmp && fail "a temp file was left behind"
ok "a refused create leaves no secret file"
