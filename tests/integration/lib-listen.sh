# Helpers for the tests of `jelou-console listen`: start it on a free port, post to it.

# start_listen and stop_listen live in tests/lib.sh (the console's tests use them too).

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
