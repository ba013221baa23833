# Fault matrix for send: a server that hangs, cuts its answer, floods, or shows a bad
# certificate; a name that does not resolve. Each ends in an honest status, one clear line,
# the attempts the server really saw, and the same id on every attempt.
# (500 then 200, 500 forever, 401/422 and connection refused are in retry.sh.)
. "${top_srcdir}/tests/lib.sh"
set -e

FAULTD="$(dirname "$JELOU")/tests/faultd"
[ -x "$FAULTD" ] || fail "faultd is not built at $FAULTD"

# start_faultd NAME FAULTD-OPTIONS...: a fault server on a free loopback port.
# Sets FD_PORT, FD_URL (plain http), FD_LOG, FD_PID.
start_faultd() {
    local name=$1
    shift
    FD_LOG="$T/$name.flog"
    "$FAULTD" --port-file "$T/$name.port" --log "$FD_LOG" "$@" 2> "$T/$name.ferr" &
    FD_PID=$!
    PIDS="$PIDS $FD_PID"
    wait_for 10 test -s "$T/$name.port" || {
        cat "$T/$name.ferr" >&2
        fail "faultd $name did not start"
    }
    FD_PORT=$(cat "$T/$name.port")
    FD_URL="http://127.0.0.1:$FD_PORT/hook"
}

# stop_faultd: on SIGTERM faultd first logs connections still in its accept queue, so the
# counts read after this are final.
stop_faultd() {
    kill "$FD_PID"
    wait "$FD_PID" || fail "faultd exited with status $?"
}

# seen EVENT: how many EVENT lines (connect, request, tls_failed, end) faultd logged.
seen() {
    jq -s --arg e "$1" 'map(select(.event == $e)) | length' "$FD_LOG"
}

# request_ids: the value.id of every request, space-separated, in arrival order.
request_ids() {
    jq -r 'select(.event == "request") | .id' "$FD_LOG" | tr '\n' ' ' | sed 's/ $//'
}

# distinct_bodies: how many different request bodies arrived (1: every attempt was identical).
distinct_bodies() {
    jq -r 'select(.event == "request") | .body_sha256' "$FD_LOG" | sort -u | wc -l | tr -d ' '
}

# result_line: status, http_status and attempts of the --json result in OUT.
result_line() {
    jq -r '"\(.status) \(.http_status) \(.attempts)"' <<< "$OUT"
}

send_to() {
    local url=$1
    shift
    run_jelou send --endpoint "$url" --room r --user u --text 'hola' "$@"
}

# --- A server that accepts and never answers: each attempt times out, then it is over.
start_faultd hang --mode hang
t0=$(date +%s)
send_to "$FD_URL" --id hang-1 --timeout 2 --attempts 2 --json
elapsed=$(( $(date +%s) - t0 ))
stop_faultd
assert_eq "exit code on timeout" 3 "$RC"
assert_eq "result on timeout" "failed null 2" "$(result_line)"
error=$(jq -r .error <<< "$OUT")
timeout_re='^Operation timed out after 2[0-9]{3} milliseconds with 0 bytes received$'
[[ "$error" =~ $timeout_re ]] || fail "timeout error: '$error'"
assert_eq "attempts the server saw" "2 2" "$(seen connect) $(seen request)"
assert_eq "same id on both attempts" "hang-1 hang-1" "$(request_ids)"
assert_eq "same bytes on both attempts" 1 "$(distinct_bodies)"
[ "$elapsed" -le 9 ] || fail "two 2 s attempts took ${elapsed}s"
ok "no answer: failed after 2 timed-out attempts of 2 s (${elapsed}s), exit 3, same id and bytes"

# --- A server that reads the request and closes without a word: retried, then exit 3.
start_faultd early --mode close-early
send_to "$FD_URL" --id early-1 --attempts 3 --json
assert_eq "exit code on an empty reply" 3 "$RC"
assert_eq "result on an empty reply" "failed null 3" "$(result_line)"
assert_eq "error on an empty reply" "Empty reply from server" "$(jq -r .error <<< "$OUT")"
send_to "$FD_URL" --id early-2 --attempts 1
stop_faultd
assert_eq "exit code, human form" 3 "$RC"
assert_eq "one error line" "jelou-console: failed after 1 attempt: Empty reply from server\
 (id early-2; resend with --id early-2)" "$ERR"
assert_eq "nothing on stdout" "" "$OUT"
assert_eq "attempts the server saw" "4 4" "$(seen connect) $(seen request)"
assert_eq "ids of every attempt" "early-1 early-1 early-1 early-2" "$(request_ids)"
ok "closed without an answer: retried with the same id, exit 3, one line naming the id"

# --- A 2xx whose body is cut short (closed, or silent until the timeout): the server took
# the message, so it is accepted and never sent again.
start_faultd cut200 --mode close-mid --status 200
send_to "$FD_URL" --id cut-1 --attempts 3 --json
stop_faultd
assert_eq "exit code, 200 then closed" 0 "$RC"
assert_eq "result, 200 then closed" "accepted 200 1" "$(result_line)"
assert_eq "requests, 200 then closed" "cut-1" "$(request_ids)"
start_faultd stall200 --mode stall-mid --status 200
send_to "$FD_URL" --id cut-2 --attempts 3 --timeout 2 --json
stop_faultd
assert_eq "exit code, 200 then silence" 0 "$RC"
assert_eq "result, 200 then silence" "accepted 200 1" "$(result_line)"
assert_eq "requests, 200 then silence" "cut-2" "$(request_ids)"
ok "a 2xx cut short (closed or timed out) is accepted and sent once"

# A 4xx cut short is still a 4xx (not retried); a 5xx cut short is retried as a 5xx.
start_faultd cut422 --mode close-mid --status 422
send_to "$FD_URL" --id cut-3 --attempts 3 --json
stop_faultd
assert_eq "exit code, 422 then closed" 1 "$RC"
assert_eq "result, 422 then closed" \
    '{"id":"cut-3","room":"r","user":"u","type":"text","status":"failed","http_status":422,"attempts":1,"error":"HTTP 422: {\"ok\":tru"}' "$OUT"
assert_eq "requests, 422 then closed" "cut-3" "$(request_ids)"
start_faultd cut503 --mode close-mid --status 503
send_to "$FD_URL" --id cut-4 --attempts 2 --json
stop_faultd
assert_eq "exit code, 503 then closed" 1 "$RC"
assert_eq "result, 503 then closed" "failed 503 2" "$(result_line)"
assert_eq "error, 503 then closed" 'HTTP 503: {"ok":tru' "$(jq -r .error <<< "$OUT")"
assert_eq "requests, 503 then closed" "cut-4 cut-4" "$(request_ids)"
assert_eq "same bytes, 503 then closed" 1 "$(distinct_bodies)"
ok "a 4xx cut short is not retried; a 5xx cut short is retried with the same id"

# --- A 10 MB answer: a 200 is accepted without holding the body; a 500's reason is capped.
max_rss_kb() { # max_rss_kb FILE COMMAND...: runs COMMAND, GNU time's max RSS into FILE
    local f=$1
    shift
    set +e
    /usr/bin/time -f %M -o "$f" "$@" > "$T/out" 2> "$T/err"
    RC=$?
    set -e
    OUT=$(cat "$T/out")
}
if [ -x /usr/bin/time ]; then
    start_faultd small --mode status --status 200
    max_rss_kb "$T/rss.small" "$JELOU" send --endpoint "$FD_URL" --room r --user u --text a \
        --id big-0 --json
    assert_eq "exit code, small answer" 0 "$RC"
    stop_faultd
    start_faultd big --mode big-body --status 200 --size 10485760
    max_rss_kb "$T/rss.big" "$JELOU" send --endpoint "$FD_URL" --room r --user u --text a \
        --id big-1 --json
    small=$(tail -n 1 "$T/rss.small")
    big=$(tail -n 1 "$T/rss.big")
    [ $(( big - small )) -lt 4096 ] ||
        fail "a 10 MB answer grew the process from ${small} kB to ${big} kB"
    rss_note="max RSS ${big} kB vs ${small} kB for a tiny answer"
else
    start_faultd big --mode big-body --status 200 --size 10485760
    send_to "$FD_URL" --id big-1 --json
    rss_note="GNU time not installed: RSS not measured"
fi
stop_faultd
assert_eq "exit code, 10 MB 200" 0 "$RC"
assert_eq "result, 10 MB 200" "accepted 200 1" "$(result_line)"
assert_eq "requests, 10 MB 200" "big-1" "$(request_ids)"
start_faultd big500 --mode big-body --status 500 --size 10485760
send_to "$FD_URL" --id big-2 --attempts 2 --json
stop_faultd
assert_eq "exit code, 10 MB 500" 1 "$RC"
assert_eq "result, 10 MB 500" "failed 500 2" "$(result_line)"
assert_eq "the reason is the first 200 bytes" "HTTP 500: $(printf 'x%.0s' $(seq 200))" \
    "$(jq -r .error <<< "$OUT")"
assert_eq "requests, 10 MB 500" "big-2 big-2" "$(request_ids)"
ok "10 MB answers: 200 accepted ($rss_note); a 500's reason capped at 200 bytes"

# --- TLS. A CA made for this run signs the certificate for 127.0.0.1; a second, self-signed
# certificate names only example.invalid.
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -days 1 \
    -subj /CN=faults-test-ca -keyout "$T/ca.key" -out "$T/ca.pem" 2> /dev/null
openssl req -new -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes \
    -subj /CN=127.0.0.1 -keyout "$T/leaf.key" -out "$T/leaf.csr" 2> /dev/null
printf 'subjectAltName=IP:127.0.0.1\n' > "$T/leaf.ext"
openssl x509 -req -in "$T/leaf.csr" -CA "$T/ca.pem" -CAkey "$T/ca.key" -CAcreateserial \
    -days 1 -extfile "$T/leaf.ext" -out "$T/leaf.pem" 2> /dev/null
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -days 1 \
    -subj /CN=example.invalid -addext subjectAltName=DNS:example.invalid \
    -keyout "$T/other.key" -out "$T/other.pem" 2> /dev/null

# The control: with its CA trusted, the same server takes the message.
start_faultd tls --mode status --status 200 --cert "$T/leaf.pem" --key "$T/leaf.key"
send_to "https://127.0.0.1:$FD_PORT/hook" --cacert "$T/ca.pem" --id tls-0 --json
stop_faultd
assert_eq "exit code, trusted CA" 0 "$RC"
assert_eq "result, trusted CA" "accepted 200 1" "$(result_line)"

start_faultd unknown-ca --mode status --status 200 --cert "$T/leaf.pem" --key "$T/leaf.key"
send_to "https://127.0.0.1:$FD_PORT/hook" --id tls-1 --attempts 3 --json
stop_faultd
assert_eq "exit code, unknown CA" 3 "$RC"
assert_eq "result, unknown CA" "failed null 1" "$(result_line)"
assert_eq "error, unknown CA" "SSL certificate problem: unable to get local issuer certificate" \
    "$(jq -r .error <<< "$OUT")"
assert_eq "connections, handshakes refused, requests" "1 1 0" \
    "$(seen connect) $(seen tls_failed) $(seen request)"

start_faultd wrong-name --mode status --status 200 --cert "$T/other.pem" --key "$T/other.key"
send_to "https://127.0.0.1:$FD_PORT/hook" --cacert "$T/other.pem" --id tls-2 --attempts 3 --json
stop_faultd
assert_eq "exit code, wrong name" 3 "$RC"
assert_eq "result, wrong name" "failed null 1" "$(result_line)"
assert_eq "error, wrong name" \
    "SSL: no alternative certificate subject name matches target host name '127.0.0.1'" \
    "$(jq -r .error <<< "$OUT")"
assert_eq "connections and requests, wrong name" "1 0" "$(seen connect) $(seen request)"
ok "TLS: unknown CA and wrong name refused after 1 connection, exit 3; trusted CA accepted"

# --- A name that does not resolve (.invalid is reserved: it never does).
send_to "https://nothing.invalid/hook" --id dns-1 --attempts 2 --connect-timeout 5 --json
assert_eq "exit code, unresolvable name" 3 "$RC"
assert_eq "result, unresolvable name" "failed null 2" "$(result_line)"
# Where no resolver answers at all, libcurl says it gave up waiting instead.
error=$(jq -r .error <<< "$OUT")
resolve_re='^(Could not resolve host: nothing\.invalid'
resolve_re+='|Resolving timed out after [0-9]+ milliseconds)$'
[[ "$error" =~ $resolve_re ]] || fail "error, unresolvable name: '$error'"
ok "an unresolvable name: exit 3 after 2 attempts ($error)"

# --- A 422's reason reaches the agent (retry.sh checks that it is not retried).
start_faultd s422 --mode status --status 422
send_to "$FD_URL" --id s422-1 --attempts 3
stop_faultd
assert_eq "exit code, 422" 1 "$RC"
assert_eq "error line, 422" "jelou-console: failed after 1 attempt: HTTP 422: {\"faultd\":422}\
 (id s422-1; resend with --id s422-1)" "$ERR"
assert_eq "requests, 422" "s422-1" "$(request_ids)"
ok "422: one attempt, the server's reason on one line"

# --- A batch against a server that never answers properly: every line gets its result,
# in input order, and every message was tried the allowed number of times.
start_faultd batch --mode close-early
for i in 1 2 3; do
    printf '{"room":"r","user":"u","text":"n%s","id":"b-%s"}\n' "$i" "$i"
done > "$T/batch.jsonl"
run_jelou send --endpoint "$FD_URL" --batch "$T/batch.jsonl" --parallel 2 --attempts 2
stop_faultd
assert_eq "exit code, batch" 1 "$RC"
assert_eq "batch results" "b-1 failed 2
b-2 failed 2
b-3 failed 2" "$(jq -r '"\(.id) \(.status) \(.attempts)"' <<< "$OUT")"
assert_eq "batch attempts per id" "2 b-1
2 b-2
2 b-3" "$(jq -r 'select(.event == "request") | .id' "$FD_LOG" | sort | uniq -c |
    sed 's/^ *//')"
ok "batch: no message lost, each failed after 2 attempts with its own id"

# --- A hostile reason: C1 controls (U+009B CSI, U+009D OSC), a bidi override and ESC in
# the server's words reach stderr cleaned as the screen cleans them (U+FFFD each).
printf '{"error":"no \302\23331m rojo \302\2350;t\a \342\200\256txet \033[2J","message":"x \302\233H \342\200\256y"}' \
    > "$T/hostile.json"
cleaned='{"error":"no �31m rojo �0;t� �txet �[2J","message":"x �H �y"}'
start_faultd hostile --mode status --status 403 --file "$T/hostile.json"
send_to "$FD_URL" --id hostile-1
assert_eq "exit code, hostile reason" 1 "$RC"
assert_eq "error line, hostile reason" "jelou-console: failed after 1 attempt: HTTP 403:\
 $cleaned (id hostile-1; resend with --id hostile-1)" "$ERR"
stop_faultd
# The REST side: Jelou's error shape, valid JSON, the same controls (ESC escaped, as JSON must).
printf '{"message":"x \302\233H \342\200\256y \\u001b]52;c;Zm9v\\u0007","status":403}' \
    > "$T/hostile-rest.json"
start_faultd hostile-rest --mode status --status 403 --file "$T/hostile-rest.json"
printf 'k3y\n' > "$T/key"
chmod 600 "$T/key"
run_jelou conversation get --id c-1 --api-key-file "$T/key" --rest-base \
    "http://127.0.0.1:$FD_PORT/jelouapi/v1/external-support/{projectId}"
stop_faultd
assert_eq "exit code, hostile REST answer" 1 "$RC"
assert_eq "REST reason cleaned" \
    "jelou-console: conversation get: refused (HTTP 403): x �H �y �]52;c;Zm9v�" "$ERR"
case "$ERR" in *$'\302\233'* | *$'\342\200\256'* | *$'\033'*) fail "a control reached stderr";; esac
ok "C1, bidi and ESC in a server's reason are cleaned on stderr"
