# Helpers for the team server's tests (serve*.sh): webhooks, agents, event streams.

# event_body FILE ROOM USER MSGID TEXT: a Jelou "message" event written to FILE.
event_body() {
    printf '{"field":"messages","object":"message_event","event_type":"message",'\
'"timestamp":1776134278574,"project_id":"proj-1","room_id":"%s","contact":{"id":"%s",'\
'"name":"Ana"},"bot":{"id":"bot-1"},"value":{"id":"%s","type":"text","content":'\
'{"body":"%s"}}}' "$2" "$3" "$4" "$5" > "$1"
}

# post_hook URL FILE: posts FILE signed to URL's webhook; prints the HTTP status.
post_hook() {
    curl -s -o "$2.answer" -w '%{http_code}' -H "X-Jelou-Signature: sha256=$(hmac "$2")" \
        -H 'Content-Type: application/json' --data-binary @"$2" "$1/jelou/webhook"
}

# add_agent NAME: creates the agent; sets TOKEN (read from its 0600 token file).
add_agent() {
    "$JELOU" agent add "$1" --redis "$REDIS_URL" --token-file "$T/$1.token" > /dev/null ||
        fail "agent add $1"
    TOKEN=$(cat "$T/$1.token")
}

# api TOKEN METHOD URL [JSON]: an API call; the body goes to $T/api.out, prints the status.
api() {
    if [ $# -ge 4 ]; then
        curl -s -o "$T/api.out" -w '%{http_code}' -X "$2" -H "Authorization: Bearer $1" \
            -H 'Content-Type: application/json' --data-binary "$4" "$3"
    else
        curl -s -o "$T/api.out" -w '%{http_code}' -X "$2" -H "Authorization: Bearer $1" "$3"
    fi
}

# sse NAME TOKEN URL [LAST_ID]: an event stream into $T/NAME.sse; sets SSE_PID.
sse() {
    local extra=()
    [ $# -ge 4 ] && extra=(-H "Last-Event-ID: $4")
    : > "$T/$1.sse"
    curl -sN -H "Authorization: Bearer $2" "${extra[@]}" "$3/v1/events" > "$T/$1.sse" &
    SSE_PID=$!
    PIDS="$PIDS $SSE_PID"
    wait_for 10 grep -q '^: connected' "$T/$1.sse" || fail "stream $1 did not open"
}

# sse_count NAME KIND: how many events of KIND stream NAME has shown.
sse_count() {
    grep -c "^event: $2\$" "$T/$1.sse" || true
}

# mock_count ID: how many sends with value.id ID the mock logged.
mock_count() {
    if [ -f "$MOCK_LOG" ]; then
        jq -r '.id' "$MOCK_LOG" | grep -cx "$1" || true
    else
        echo 0
    fi
}

# exited PID: the process is gone (or a zombie waiting for its parent).
exited() {
    local st
    st=$(ps -o stat= -p "$1" 2>/dev/null) || return 0
    case "$st" in Z*) return 0 ;; esac
    return 1
}

# status_is CODE URL [TOKEN]: a GET of URL answers CODE.
status_is() {
    [ "$(curl -s -o /dev/null -w '%{http_code}' ${3:+-H "Authorization: Bearer $3"} "$2")" = "$1" ]
}

# lines_at_least N FILE: FILE has N lines or more.
lines_at_least() {
    [ -f "$2" ] && [ "$(wc -l < "$2")" -ge "$1" ]
}

# spool_empty NAME: the instance's spool was replayed.
spool_empty() {
    [ ! -s "$T/$1.spool" ] && [ ! -e "$T/$1.spool.replaying" ]
}
