# The team server over HTTPS (--tls-cert/--tls-key): healthz and an event stream with a
# throwaway self-signed certificate for 127.0.0.1; plain HTTP to the TLS port gets nothing.
. "$(dirname "$0")/../lib.sh"
. "$(dirname "$0")/lib-serve.sh"
set -e

command -v openssl > /dev/null || { echo "SKIP: no openssl"; exit 77; }
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -days 1 \
    -subj /CN=127.0.0.1 -addext subjectAltName=IP:127.0.0.1 \
    -keyout "$T/key.pem" -out "$T/cert.pem" > /dev/null 2>&1 || fail "openssl req"
chmod 600 "$T/key.pem"
start_redis
add_agent ana; ANA=$TOKEN

# Bad input: one clear line, exit 2, nothing started.
run_jelou serve --listen 127.0.0.1:0 --redis "$REDIS_URL" --tls-cert "$T/cert.pem"
assert_eq "a certificate without its key" 2 "$RC"
assert_contains "says why" "--tls-cert and --tls-key go together" "$ERR"
assert_eq "one line" 1 "$(printf '%s\n' "$ERR" | wc -l)"
ok "--tls-cert without --tls-key is refused with one line and exit 2"

"$JELOU" serve --listen 127.0.0.1:0 --redis "$REDIS_URL" --spool "$T/tls.spool" \
    --tls-cert "$T/cert.pem" --tls-key "$T/key.pem" > "$T/tls.out" 2> "$T/tls.err" &
S_PID=$!
PIDS="$PIDS $S_PID"
wait_for 10 grep -q '^serve: listening on ' "$T/tls.out" || {
    cat "$T/tls.err" >&2
    fail "serve over TLS did not start"
}
URL=$(sed -n '1s/^serve: listening on //p' "$T/tls.out")
assert_contains "it says https" "https://127.0.0.1:" "$URL"
tls() { curl -s --cacert "$T/cert.pem" "$@"; }
wait_for 10 tls -f -o /dev/null "$URL/v1/healthz" || fail "healthz over https"
assert_eq "healthz over https" '{"ok":true,"redis":"up"}' "$(tls "$URL/v1/healthz")"
set +e
curl -s -o /dev/null "$URL/v1/healthz"
untrusted=$?
set -e
[ "$untrusted" -ne 0 ] || fail "curl trusted the server without --cacert: not our certificate"
ok "healthz answers over https with the given certificate"

# Plain HTTP to the TLS port: no HTTP answer at all, and the server goes on.
PLAIN=${URL/https:/http:}
set +e
code=$(curl -s -m 10 -o /dev/null -w '%{http_code}' "$PLAIN/v1/healthz")
rc=$?
set -e
[ "$rc" -ne 0 ] || fail "a plain-http request to the TLS port succeeded"
assert_eq "no HTTP status over plain http" 000 "$code"
assert_eq "healthz over https afterwards" 200 \
    "$(tls -o /dev/null -w '%{http_code}' "$URL/v1/healthz")"
ok "a plain-http request to the TLS port fails; https still answers"

# An event stream over https: the head at once, then a webhook's event.
rooms_ok() { [ "$(tls -o /dev/null -w '%{http_code}' -H "Authorization: Bearer $ANA" \
    "$URL/v1/rooms")" = 200 ]; }
wait_for 10 rooms_ok || fail "the agent's token is not taken"
tls -N -H "Authorization: Bearer $ANA" "$URL/v1/events" > "$T/s.sse" &
SSE_PID=$!
PIDS="$PIDS $SSE_PID"
wait_for 10 grep -q '^: connected' "$T/s.sse" || fail "the https stream did not open"
event_body "$T/m1.json" R1 U1 in-tls-1 Hola
code=$(tls -o /dev/null -w '%{http_code}' -H "X-Jelou-Signature: sha256=$(hmac "$T/m1.json")" \
    -H 'Content-Type: application/json' --data-binary @"$T/m1.json" "$URL/jelou/webhook")
assert_eq "webhook over https" 200 "$code"
wait_for 10 grep -q '"in-tls-1"' "$T/s.sse" || fail "the event did not reach the https stream"
assert_eq "one message event" 1 "$(grep -c '^event: message$' "$T/s.sse")"
ok "an SSE stream over https gets the webhook's event"

kill "$S_PID"
wait "$S_PID" || fail "serve over TLS did not stop cleanly on SIGTERM"
ok "serve over TLS stops cleanly"
