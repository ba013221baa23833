# setup --non-interactive and doctor against the sandbox: files written, lines kept, checks.
. "${top_srcdir}/tests/lib.sh"
set -e

KEY=test-api-key-7f3a09
printf '%s\n' "$KEY" > "$T/mockkey"
chmod 600 "$T/mockkey"
mkdir -p "$T/media" && printf 'x' > "$T/media/a.txt"
start_mock setup --api-key-file "$T/mockkey" --project proj-1 --media-dir "$T/media" \
    --media-cert "$T/cert.pem"
PORT=$(printf '%s' "$MOCK_URL" | sed 's|^http://127.0.0.1:\([0-9]*\)/.*|\1|')
MEDIA=$(sed -n 's/^mock: media on //p' "$T/setup.out")
BASE="http://127.0.0.1:$PORT/jelouapi/v1/external-support/{projectId}"
SANDBOX_SECRET=$JELOU_SIGNING_SECRET
unset JELOU_SIGNING_SECRET JELOU_PROJECT_ID JELOU_BOT_ID
export LANG=C.UTF-8 LC_ALL=C.UTF-8 TERM=xterm-256color
D="$XDG_CONFIG_HOME/jelou-console"
CFG="$D/config"
# The endpoint is the sandbox's HTTPS media server: doctor's TLS check stays on loopback.
setup() {
    JELOU_API_KEY=${SETUP_KEY:-$KEY} run_jelou setup --non-interactive --project proj-1 \
        --rest-base "$BASE" --endpoint "$MEDIA" --cacert "$T/cert.pem" "$@"
}

setup --bot bot-1
assert_eq "needs a URL" "2 jelou-console: setup --non-interactive: no webhook URL: give \
--webhook-url URL" "$RC $ERR"
[ ! -e "$CFG" ] || fail "a refused setup wrote the config"

SETUP_KEY=wrong-key setup --bot bot-1 --webhook-url https://hooks.example.com/jelou
assert_eq "wrong key" "1 jelou-console: setup: reading the integration: refused (HTTP 401): \
invalid api key" "$RC $ERR"
[ ! -e "$D" ] || fail "a refused setup wrote $(ls "$D")"
mkdir -p "$D"
ok "a wrong API key stops setup with Jelou's message, nothing written"

# A config the user began: its comment and listen line stay. Nothing listens on port 1.
printf '# my machine\nlisten = 127.0.0.1:1\n' > "$CFG"
setup --bot bot-1 --webhook-url https://hooks.example.com/jelou
assert_eq "setup exit" 0 "$RC"
LISTEN_URL="http://127.0.0.1:1/jelou/webhook"
assert_eq "setup output" "created integration integration-1 sending events to \
https://hooks.example.com/jelou; signing secret written to $D/signing-secret
API key written to $D/api-key (mode 0600)
config $CFG updated (7 settings)

Checking with doctor:
✓ config $CFG parses
✓ project proj-1, bot bot-1
✓ signing secret present, private and plausible
✓ API key present, private and plausible
✓ webhook endpoint $MEDIA resolves and answers over verified TLS
✓ REST API answers with the key; integration integration-1 sends events to \
https://hooks.example.com/jelou
✗ nothing answers on $LISTEN_URL (ERROR): start 'jelou-console listen' \
or the console (or the jelou-console-listen systemd unit)
✓ locale is UTF-8
✓ terminal xterm-256color fits

Next: fix the lines marked ✗ above, then run jelou-console doctor." \
    "$(printf '%s\n' "$OUT" | sed 's/^\(✗ nothing answers on [^ ]*\) ([^)]*)/\1 (ERROR)/')"
assert_eq "config" "# my machine
listen = 127.0.0.1:1
project = proj-1
bot = bot-1
api_key_file = $D/api-key
secret_file = $D/signing-secret
rest_base = $BASE
endpoint = $MEDIA
cacert = $T/cert.pem" "$(cat "$CFG")"
assert_eq "key file" "$KEY 600" "$(cat "$D/api-key") $(stat -c %a "$D/api-key")"
assert_eq "secret file" "$SANDBOX_SECRET 600" \
    "$(cat "$D/signing-secret") $(stat -c %a "$D/signing-secret")"
assert_eq "create body" '{"webhookUrl":"https://hooks.example.com/jelou","authType":"no_auth"}' \
    "$(jq -r 'select(.method == "POST") | .body' "$MOCK_LOG")"
case "$OUT$ERR" in *"$SANDBOX_SECRET"*|*"$KEY"*) fail "a secret was printed" ;; esac
ok "setup creates the integration, writes key, secret and config, and runs doctor"

# doctor passes once a listener answers where the config says
"$JELOU" listen --listen 127.0.0.1:0 --config "$CFG" > "$T/listen.out" 2> "$T/listen.err" &
PIDS="$PIDS $!"
wait_for 10 grep -q 'listening on' "$T/listen.out" || fail "listen: $(cat "$T/listen.err")"
LPORT=$(sed -n 's|.*127\.0\.0\.1:\([0-9]*\).*|\1|p' "$T/listen.out" | head -n 1)
sed -i "s/^listen = .*/listen = 127.0.0.1:$LPORT/" "$CFG"
run_jelou doctor
assert_eq "doctor exit" "0" "$RC"
assert_eq "doctor listener" "✓ listener answers on http://127.0.0.1:$LPORT/jelou/webhook" \
    "$(printf '%s\n' "$OUT" | grep listener)"
run_jelou doctor --json
assert_eq "doctor --json" "0 config,ids,secret,api_key,endpoint,rest,listener,locale,terminal \
true null" "$RC $(printf '%s' "$OUT" |
    jq -r '[(map(.check) | join(",")), (all(.ok) | tostring), (map(.fix) | unique | .[0] |
    tostring)] | join(" ")')"
ok "doctor passes every check, in text and in JSON"

# run again with the same values: nothing changes, only a read goes to Jelou
cp "$CFG" "$T/config.before"
n=$(log_lines)
setup --bot bot-1 --webhook-url https://hooks.example.com/jelou
assert_eq "second run" "0 integration integration-1 already sends events to \
https://hooks.example.com/jelou
config $CFG unchanged" "$RC $(printf '%s\n' "$OUT" | sed -n 1,2p)"
assert_eq "only a GET" "GET" "$(sed -n "$((n + 1)),\$p" "$MOCK_LOG" | jq -r .method |
    grep -v '^GET$' | sort -u | paste -sd, | sed 's/^$/GET/')"
cmp -s "$CFG" "$T/config.before" || fail "the config changed"
ok "a second run with the same values changes nothing"

# a new bot and URL: one line changes, comments and other lines stay; the URL is PATCHed
setup --bot bot-2 --webhook-url https://hooks.example.com/v2
assert_eq "update exit" 0 "$RC"
assert_eq "update output" "integration integration-1 now sends events to \
https://hooks.example.com/v2
config $CFG updated (1 setting)" "$(printf '%s\n' "$OUT" | sed -n 1,2p)"
assert_eq "config diff" "4c4
< bot = bot-1
---
> bot = bot-2" "$(diff "$T/config.before" "$CFG" || true)"
assert_eq "patch body" '{"webhookUrl":"https://hooks.example.com/v2"}' \
    "$(jq -r 'select(.method == "PATCH") | .body' "$MOCK_LOG")"
ok "setup updates only what differs and keeps the config's comments"

# a lost secret file: doctor says so, with the fix
rm "$D/signing-secret"
run_jelou doctor
assert_eq "doctor lost secret" "1 ✗ cannot open secret file $D/signing-secret: No such file or \
directory: Jelou shows the secret only once: run 'jelou-console integration delete', then \
'jelou-console setup' for a new integration and secret" "$RC $(printf '%s\n' "$OUT" |
    grep secret)"
ok "doctor reports a lost secret file and how to recover"

# a wrong key in the key file: doctor shows Jelou's 401
printf 'wrong-key-123\n' > "$D/api-key"
run_jelou doctor --json
assert_eq "doctor wrong key" "1 false REST API refused the key (HTTP 401): invalid api key" \
    "$RC $(printf '%s' "$OUT" | jq -r '.[] | select(.check == "rest") | "\(.ok) \(.detail)"')"
ok "doctor shows a refused API key with Jelou's message"

# without the CA the endpoint's certificate does not verify
sed -i '/^cacert/d' "$CFG"
run_jelou doctor --json
assert_eq "no CA" "false" \
    "$(printf '%s' "$OUT" | jq -r '.[] | select(.check == "endpoint") | .ok')"
printf '%s' "$OUT" | jq -r '.[] | select(.check == "endpoint") | .detail' |
    grep -qi 'certificate' || fail "endpoint detail: $OUT"
ok "doctor's TLS check fails on a certificate it cannot verify"
