# Helpers for the tests of `jelou-console listen`: start it on a free port, post to it.

# start_listen NAME [options...]: the listener on a free port. Sets URL and LPID; its output
# is $T/NAME.out and $T/NAME.err.
start_listen() {
    local name=$1
    shift
    "$JELOU" listen --listen 127.0.0.1:0 "$@" > "$T/$name.out" 2> "$T/$name.err" &
    LPID=$!
    PIDS="$PIDS $LPID"
    wait_for 10 grep -q '^listen: listening on ' "$T/$name.out" || {
        cat "$T/$name.err" >&2
        fail "listen did not start"
    }
    URL=$(sed -n '1s/^listen: listening on //p' "$T/$name.out")
}

stop_listen() {
    kill "$LPID" 2>/dev/null || true
    wait "$LPID" 2>/dev/null || true
}

# post BODY_FILE [SIGNATURE [curl options...]]: prints "STATUS BODY". An empty SIGNATURE
# sends none.
post() {
    local file=$1 sig=${2-"sha256=$(hmac "$1")"}
    shift
    [ $# -gt 0 ] && shift
    rm -f "$T/resp"
    curl -s -o "$T/resp" -w '%{http_code}' -H 'Content-Type: application/json' \
        ${sig:+-H "X-Jelou-Signature: $sig"} "$@" --data-binary @"$file" "$URL"
    printf ' %s' "$(cat "$T/resp" 2> /dev/null)"
}

# events NAME: the JSON lines printed after the first line.
events() {
    tail -n +2 "$T/$1.out"
}
