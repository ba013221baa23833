# Fault matrix for the media probe (mime, send --attach): a 404, redirect chains short and
# long, a redirect down to http, a server that ignores Range on a 30 MB file.
. "${top_srcdir}/tests/lib.sh"
set -e

FAULTD="$(dirname "$JELOU")/tests/faultd"
[ -x "$FAULTD" ] || fail "faultd is not built at $FAULTD"

# start_faultd NAME FAULTD-OPTIONS...: a TLS fault server on a free loopback port, with the
# certificate made below. Sets FD_BASE (https://127.0.0.1:PORT), FD_PORT, FD_LOG, FD_PID.
start_faultd() {
    local name=$1
    shift
    FD_LOG="$T/$name.flog"
    "$FAULTD" --port-file "$T/$name.port" --log "$FD_LOG" --cert "$T/cert.pem" \
        --key "$T/key.pem" "$@" 2> "$T/$name.ferr" &
    FD_PID=$!
    PIDS="$PIDS $FD_PID"
    wait_for 10 test -s "$T/$name.port" || {
        cat "$T/$name.ferr" >&2
        fail "faultd $name did not start"
    }
    FD_PORT=$(cat "$T/$name.port")
    FD_BASE="https://127.0.0.1:$FD_PORT"
}

# stop_faultd: on SIGTERM faultd first logs connections still in its accept queue, so the
# counts read after this are final.
stop_faultd() {
    kill "$FD_PID"
    wait "$FD_PID" || fail "faultd exited with status $?"
}

seen() {
    jq -s --arg e "$1" 'map(select(.event == $e)) | length' "$FD_LOG"
}

# paths: the path of every request, space-separated, in arrival order.
paths() {
    jq -r 'select(.event == "request") | .path' "$FD_LOG" | tr '\n' ' ' | sed 's/ $//'
}

openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -days 1 \
    -subj /CN=127.0.0.1 -addext subjectAltName=IP:127.0.0.1 \
    -keyout "$T/key.pem" -out "$T/cert.pem" 2> /dev/null
printf '\211PNG\r\n\032\n\000\000\000\rIHDR\000\000\000\001\000\000\000\001\010\002\000\000\000\220wS\336' > "$T/photo.png"
# 30 MB that cost nothing on disk: the PNG header, then a hole.
cp "$T/photo.png" "$T/big.png"
truncate -s 31457280 "$T/big.png"

probe() {
    run_jelou mime --cacert "$T/cert.pem" "$@"
}

# --- 404: bad input (exit 2), the status named; send --attach sends nothing.
start_faultd notfound --mode status --status 404
probe "$FD_BASE/photo.png"
assert_eq "exit code, 404" 2 "$RC"
assert_eq "error line, 404" "jelou-console: $FD_BASE/photo.png: media URL answered HTTP 404" "$ERR"
assert_eq "probe request" "GET /photo.png bytes=0-65535" \
    "$(jq -r 'select(.event == "request") | "\(.method) \(.path) \(.range)"' "$FD_LOG")"
start_mock webhook
run_jelou send --cacert "$T/cert.pem" --endpoint "$MOCK_URL" --room r --user u \
    --attach "$FD_BASE/photo.png" --id p404 --json
stop_faultd
assert_eq "exit code, attach 404" 2 "$RC"
assert_eq "result, attach 404" \
    '{"id":"p404","room":"r","user":"u","type":null,"status":"invalid","http_status":null,"attempts":0,"error":"media URL answered HTTP 404"}' "$OUT"
assert_eq "nothing reached the webhook" 0 "$(log_lines)"
ok "404: exit 2, the status named; an attachment behind it is not sent"

# --- Redirects between https URLs are followed, up to 5.
start_faultd chain3 --mode redirect-chain --hops 3 --file "$T/photo.png"
probe --json "$FD_BASE/hop/0"
stop_faultd
assert_eq "exit code, 3 redirects" 0 "$RC"
assert_eq "result, 3 redirects" "image/png image 200 null" \
    "$(jq -r '"\(.mime) \(.type) \(.http_status) \(.error)"' <<< "$OUT")"
assert_eq "hops, 3 redirects" "/hop/0 /hop/1 /hop/2 /hop/3" "$(paths)"
start_faultd chain5 --mode redirect-chain --hops 5 --file "$T/photo.png"
probe "$FD_BASE/hop/0"
stop_faultd
assert_eq "result, 5 redirects" "0 image/png image (server says application/octet-stream)" \
    "$RC $OUT"
assert_eq "requests, 5 redirects" 6 "$(seen request)"
ok "https redirects are followed: 3 and 5 hops detect image/png"

# --- A sixth redirect is not followed.
start_faultd chain6 --mode redirect-chain --hops 6 --file "$T/photo.png"
probe "$FD_BASE/hop/0"
stop_faultd
assert_eq "exit code, 6 redirects" 3 "$RC"
assert_eq "error line, 6 redirects" \
    "jelou-console: $FD_BASE/hop/0: cannot reach media URL: Maximum (5) redirects followed" "$ERR"
assert_eq "hops, 6 redirects" "/hop/0 /hop/1 /hop/2 /hop/3 /hop/4 /hop/5" "$(paths)"
ok "a chain of 6 redirects is refused after 6 requests"

# --- A redirect from https down to http is refused before anything is asked over http.
# The http URL points at faultd's own port: a plain request there would show as a second
# connection (and a failed handshake).
start_faultd tohttp --mode redirect-to-http
probe "$FD_BASE/photo.png"
stop_faultd
assert_eq "exit code, redirect to http" 3 "$RC"
assert_eq "error line, redirect to http" "jelou-console: $FD_BASE/photo.png: cannot reach media\
 URL: refused a redirect to http://127.0.0.1:$FD_PORT/file: only https:// redirects are followed" \
    "$ERR"
assert_eq "connections and requests, redirect to http" "1 1" "$(seen connect) $(seen request)"
ok "a redirect to http is refused, nothing is fetched over http"

# --- A server that ignores Range and starts sending 30 MB: the probe stops at 64 KiB and
# closes; the server sees its send cut off long before the end.
start_faultd norange --mode no-range --file "$T/big.png"
probe --json "$FD_BASE/big.png"
assert_eq "exit code, Range ignored" 0 "$RC"
assert_eq "result, Range ignored" "image/png image 200" \
    "$(jq -r '"\(.mime) \(.type) \(.http_status)"' <<< "$OUT")"
bytes=$(jq -r .bytes <<< "$OUT")
[ "$bytes" -gt 0 ] && [ "$bytes" -le 65536 ] || fail "probe kept $bytes bytes of a 30 MB file"
wait_for 10 grep -q '"event":"end"' "$FD_LOG" || fail "faultd never saw the probe go"
stop_faultd
assert_eq "who ended the transfer" peer "$(jq -r 'select(.event == "end") | .by' "$FD_LOG")"
sent=$(jq -r 'select(.event == "end") | .sent' "$FD_LOG")
[ "$sent" -lt 31457280 ] || fail "the server sent all $sent bytes"
assert_eq "requests, Range ignored" 1 "$(seen request)"
ok "Range ignored on 30 MB: $bytes bytes kept, connection closed after $sent bytes sent"
