# WhatsApp's 24-hour window on screen: a room whose user wrote 25 h ago says so, the first
# Enter warns and sends nothing, the second sends; a user message during the warning lifts
# it; whatsapp_window = off in the config turns the whole thing off. The attachment card
# warns about media WhatsApp would refuse, and sends on Enter all the same.
. "${top_srcdir}/tests/e2e/lib-e2e.sh"
set -e

mkdir -p "$T/media"
printf 'GIF89a\001\000\001\000\200\000\000\000\000\000\377\377\377!\371\004\001\000\000\000\000,\000\000\000\000\001\000\001\000\000\002\002D\001\000;' > "$T/media/anim.gif"
start_mock jelou --media-dir "$T/media" --media-cert "$T/ca.pem"
wait_for 10 grep -q '^mock: media on ' "$T/jelou.out" || fail "mock did not print its media URL"
M=$(sed -n 's/^mock: media on //p' "$T/jelou.out")
# sent: the texts the mock was sent, in order, one per line (each request is logged once).
sent() {
    [ -f "$MOCK_LOG" ] || return 0
    jq -r 'select(.body != null) | .body | fromjson | .value.content.body // empty' < "$MOCK_LOG"
}
console_start 24 80 --endpoint "$MOCK_URL" --listen 127.0.0.1:0
wait_screen "No conversation open"
wait_screen "in 127.0.0.1:"
inbound_url

now=$(( $(date +%s) * 1000 ))
old=$(( now - 25 * 3600 * 1000 ))
assert_eq "old message accepted" 200 \
    "$(post_event "$(message r-1 u-1 'Rosa' m-1 'Hola, ¿siguen ahí?' "$old")")"
wait_screen "To Rosa"
assert_rows 22 22 <<'SCREEN'
 To Rosa · user u-1 · room r-1 · window closed
SCREEN
ok "a room whose user wrote 25 hours ago shows the window closed"

type_text "Hola Rosa, perdón la demora"
keys Enter
assert_rows 22 24 <<'SCREEN'
 To Rosa · user u-1 · room r-1 · window closed
> Hola Rosa, perdón la demora
 window closed: WhatsApp delivers it only if the user writes again · Enter sends
SCREEN
assert_eq "nothing sent after the first Enter" "" "$(sent)"
keys Enter
wait_screen "HH:MM You  accepted 200"
assert_eq "the one message sent after the second Enter" "Hola Rosa, perdón la demora" \
    "$(sent)"
ok "the first Enter warns and sends nothing; the second sends"

# Esc (or any other key) withdraws the confirmation: the next Enter warns again.
type_text "otra"
keys Enter
wait_screen "window closed: WhatsApp delivers it"
keys Escape
wait_screen "outbox 0"
keys Enter
wait_screen "window closed: WhatsApp delivers it"
assert_eq "still one: the agent's own reply did not reopen the window" \
    "Hola Rosa, perdón la demora" "$(sent)"
ok "any other key withdraws the confirmation; the business's reply does not reopen it"

# The user writes while the warning is up: the window is open again, the warning goes and
# the next Enter sends at once.
assert_eq "fresh message accepted" 200 \
    "$(post_event "$(message r-1 u-1 'Rosa' m-2 'Sí, aquí estoy' "$now")")"
wait_screen "Sí, aquí estoy"
assert_rows 22 24 <<'SCREEN'
 To Rosa · user u-1 · room r-1
> otra
 127.0.0.1 · link ok · outbox 0 · in 127.0.0.1:PORT       F1 help · F2 history
SCREEN
keys Enter
wait_for 15 eval 'test "$(sent | tail -n 1)" = otra' || { screen >&2; fail "the reply after the user wrote was not sent"; }
ok "a user message during the warning reopens the window; Enter sends at once"

# whatsapp_window = off: another channel, no window shown, no second Enter.
keys C-c
wait_for 15 grep -q '^exit=' "$T/console.err" || fail "console did not quit"
mkdir -p "$XDG_CONFIG_HOME/jelou-console"
printf 'whatsapp_window = off\n' > "$XDG_CONFIG_HOME/jelou-console/config"
# A fresh state: the earlier session's rooms would take the selection.
export XDG_STATE_HOME="$T/state2"
console_start 24 80 --endpoint "$MOCK_URL" --listen 127.0.0.1:0 --cacert "$T/ca.pem"
wait_screen "in 127.0.0.1:"
inbound_url
assert_eq "old message accepted" 200 \
    "$(post_event "$(message r-5 u-5 'Iván' m-5 'Hola' "$old")")"
wait_screen "To Iván"
assert_rows 22 22 <<'SCREEN'
 To Iván · user u-5 · room r-5
SCREEN
type_text "Hola Iván"
keys Enter
wait_for 15 eval 'test "$(sent | tail -n 1)" = "Hola Iván"' || { screen >&2; fail "with whatsapp_window = off one Enter sends"; }
ok "whatsapp_window = off: no window on screen, one Enter sends"

# A GIF as an image: the card says WhatsApp will not take it; Enter sends it anyway.
type_text "/image ${M}anim.gif"
keys Enter
wait_screen "WhatsApp does not take"
assert_rows 24 24 <<'SCREEN'
 WhatsApp does not take image/gif as an image · Enter sends anyway · Esc edits
SCREEN
keys Enter
wait_for 15 eval 'test "$(jq -r ".body | fromjson | .value.content.url // empty" < "$MOCK_LOG" | tail -n 1)" = "${M}anim.gif"' ||
    { screen >&2; fail "the GIF was not sent after the card's warning"; }
ok "the attachment card warns about a GIF as an image and sends it on Enter"
