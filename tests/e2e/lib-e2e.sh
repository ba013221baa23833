# Screen tests: the real binary in a detached tmux of fixed size; keys in, screen text out.
# Every wait has a deadline; screens are compared line by line after masking clocks and ports.
. "${top_srcdir}/tests/lib.sh"

command -v tmux > /dev/null || fail "tmux is not installed (scripts/install-deps installs it)"
TMUX_SOCK="jelou-e2e-$$-$RANDOM"
# A zone where it is about noon now: a screen shows "HH:MM" for today and "DD Mon" for
# earlier days, and a test run near midnight must not turn yesterday into today.
noon_tz() {
    local off=$(( 12 - 10#$(date -u +%H) ))
    if [ "$off" -ge 0 ]; then echo "NOON-$off"; else echo "NOON+$(( -off ))"; fi
}
export LANG=C.UTF-8 LC_ALL=C.UTF-8 TZ=$(noon_tz)

e2e_cleanup() {
    tmux -L "$TMUX_SOCK" kill-server 2> /dev/null || true
}
CLEANUP_HOOK=e2e_cleanup

# The tmux session the helpers below act on: a test with two consoles (two agents) sets
# CONSOLE=b before calling them for the second one. Its stderr goes to $T/$CONSOLE.err.
CONSOLE=console

tm() {
    tmux -L "$TMUX_SOCK" "$@"
}

# console_start ROWS COLS ARGS...: the console in a fresh tmux window.
console_start() {
    local rows=$1 cols=$2
    shift 2
    local env_args="LANG=C.UTF-8 LC_ALL=C.UTF-8 TZ=$TZ TERM=tmux-256color HOME=$HOME"
    env_args="$env_args XDG_CONFIG_HOME=$XDG_CONFIG_HOME XDG_STATE_HOME=$XDG_STATE_HOME"
    local v
    for v in JELOU_SIGNING_SECRET JELOU_PROJECT_ID JELOU_BOT_ID; do
        [ -n "${!v:-}" ] && env_args="$env_args $v=${!v}"
    done
    env_args="$env_args JELOU_AGENT_NAME=Laura NO_COLOR=1"
    local cmd="env $env_args ${E2E_ENV:-} $JELOU $* 2> $T/$CONSOLE.err; echo \"exit=\$?\" >> $T/$CONSOLE.err; sleep 600"
    if tm has-session -t "$CONSOLE" 2> /dev/null; then
        # A second run reuses the pane: a fresh server on the same socket can race the old one.
        rm -f "$T/$CONSOLE.err"
        tm respawn-pane -k -t "$CONSOLE" "$cmd"
    else
        tm -f /dev/null new-session -d -s "$CONSOLE" -x "$cols" -y "$rows" "$cmd"
    fi
    tm set-option -t "$CONSOLE" status off > /dev/null
    tm resize-window -t "$CONSOLE" -x "$cols" -y "$rows" 2> /dev/null || true
}

# screen: the visible screen, clocks, dates and ports masked, trailing spaces removed. The
# month abbreviations are English, Spanish and Portuguese (the translated screen tests).
screen() {
    tm capture-pane -p -t "$CONSOLE" | sed -E \
        -e 's/[0-9]{2}:[0-9]{2}/HH:MM/g' \
        -e 's/[0-9]{2} (Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec)/DD Mon/g' \
        -e 's/[0-9]{2} (ene|feb|mar|abr|may|jun|jul|ago|sep|oct|nov|dic)/DD Mon/g' \
        -e 's/[0-9]{2} (jan|fev|mar|abr|mai|jun|jul|ago|set|out|nov|dez)/DD Mon/g' \
        -e 's/127\.0\.0\.1:[0-9]+/127.0.0.1:PORT/g' \
        -e 's/[[:space:]]+$//'
}

# wait_screen TEXT [SECONDS]: until TEXT is on screen, else fail showing the screen.
wait_screen() {
    local text=$1 deadline=$(( $(date +%s) + ${2:-15} ))
    while :; do
        screen > "$T/screen"
        grep -qF -- "$text" "$T/screen" && return 0
        if [ "$(date +%s)" -ge "$deadline" ]; then
            echo "--- screen (waiting for: $text)" >&2
            cat "$T/screen" >&2
            echo "--- console stderr" >&2
            cat "$T/$CONSOLE.err" >&2 2> /dev/null
            fail "timed out waiting for: $text"
        fi
        sleep 0.1
    done
}

# keys ARGS...: tmux send-keys (literal text with -l).
keys() {
    tm send-keys -t "$CONSOLE" "$@"
}

type_text() {
    tm send-keys -t "$CONSOLE" -l -- "$1"
}

# assert_rows FIRST LAST: the screen's rows FIRST..LAST (1-based) equal stdin exactly,
# within a deadline (keys are delivered asynchronously), else fail with both versions.
assert_rows() {
    local want got deadline=$(( $(date +%s) + 10 ))
    want=$(cat)
    while :; do
        got=$(screen | sed -n "$1,$2p")
        [ "$got" = "$want" ] && return 0
        [ "$(date +%s)" -lt "$deadline" ] || break
        sleep 0.1
    done
    assert_eq "screen rows $1-$2" "$want" "$got"
}

# inbound_url: sets IN to the webhook URL of the console on screen (its status line says
# "in 127.0.0.1:PORT").
inbound_url() {
    IN="http://$(tm capture-pane -p -t "$CONSOLE" | grep -o 'in 127\.0\.0\.1:[0-9]*' | sed 's/^in //')/jelou/webhook"
}

# post_event BODY [SECRET]: POSTs like Jelou does; prints the HTTP status.
post_event() {
    printf '%s' "$1" > "$T/event"
    curl -s -o /dev/null -w '%{http_code}' -H 'Content-Type: application/json' \
        -H "X-Jelou-Signature: sha256=$(hmac "$T/event" "${2:-$JELOU_SIGNING_SECRET}")" \
        --data-binary @"$T/event" "$IN"
}

message() { # ROOM USER NAME ID TEXT TIMESTAMP
    printf '{"field":"messages","object":"message_event","event_type":"message","timestamp":%s,"project_id":"proj-1","room_id":"%s","contact":{"id":"%s","name":"%s"},"conversation":{"id":"conv-%s"},"bot":{"id":"bot-1","name":"Soporte"},"value":{"id":"%s","type":"text","content":{"body":"%s"}}}' \
        "$6" "$1" "$2" "$3" "$1" "$4" "$5"
}
