# The demo as a new user meets it: sample rooms, sending, drafts per room, paste guard,
# canned replies, help, a web page refused as an image. Screens asserted line by line.
. "${top_srcdir}/tests/e2e/lib-e2e.sh"
set -e

unset JELOU_SIGNING_SECRET JELOU_PROJECT_ID JELOU_BOT_ID
# An "editor" that appends a line to the draft it is given, as a person would.
cat > "$T/editor.sh" <<'EDITOR'
#!/bin/sh
printf '%s\ny una línea del editor\n' "$(cat "$1")" > "$1"
EDITOR
chmod +x "$T/editor.sh"
# The demo's data without its scripted users, so that every screen here is exact; the
# scripted users have their own test (inbound.sh).
mkdir -p "$T/share"
cp -r "$top_srcdir/assets/demo" "$T/share/demo"
cp "$top_srcdir/assets/replies.example" "$T/share/"
rm "$T/share/demo/script.jsonl"
E2E_ENV="EDITOR=$T/editor.sh VISUAL= JELOU_DEMO_DIR=$T/share/demo"
console_start 24 80 --demo
wait_screen "Rooms (3)"
assert_rows 1 4 <<'SCREEN'
Rooms (3) · waiting │ Ana Pérez · room demo-room-ana
▸1 Ana Pérez     10m│
 2 Kenji 健二  +1 3m│
 3 Lucía Góme DD Mon│
SCREEN
ok "three sample rooms, longest wait first"

type_text "Hola Ana, ya lo reviso"
keys Enter
wait_screen "Hola Ana, ya lo reviso"
wait_screen "HH:MM You  accepted 200"
assert_rows 19 24 <<'SCREEN'
                    │   La luz de internet parpadea en rojo
                    │ HH:MM You  accepted 200
                    │   Hola Ana, ya lo reviso
 To Ana Pérez · user demo-user-ana · room demo-room-ana
>
 demo sandbox · link ok · outbox 0                         F1 help · F2 history
SCREEN
ok "a reply is sent through the embedded sandbox and accepted"

# Each room keeps its own draft. Ana is answered now, so Kenji waits longest: room 1.
type_text "borrador para Ana"
keys M-1
wait_screen "To Kenji 健二"
type_text "borrador para Kenji"
keys C-n
wait_screen "To Ana Pérez"
assert_rows 23 23 <<'SCREEN'
> borrador para Ana
SCREEN
keys C-p
wait_screen "> borrador para Kenji"
keys C-u
ok "drafts stay with their rooms when switching"

# A pasted text with newlines asks before it goes.
tm set-buffer -b p "$(printf 'línea uno\nlínea dos')"
tm paste-buffer -p -b p -t console
wait_screen "línea dos"
keys Enter
wait_screen "pasted text of 2 lines, 19 characters: Enter again sends it"
keys Enter
wait_screen "  línea dos"
wait_screen "outbox 0"
ok "a multi-line paste needs a second Enter"

# Canned replies: Tab completes the name, {name} and {agent} are filled in.
type_text "/reply hel"
keys Tab
wait_screen "> /reply hello"
keys Enter
wait_screen "> Hola Kenji 健二, soy Laura del equipo de soporte. ¿En qué te puedo ayudar?"
keys C-u
ok "canned reply with completion and variables"

# Unknown commands say so and keep the draft.
type_text "/frobnicate now"
keys Enter
wait_screen "unknown command /frobnicate; /help lists them"
assert_rows 23 23 <<'SCREEN'
> /frobnicate now
SCREEN
keys C-u
ok "an unknown command is one line in the status bar; the draft stays"

# A web page offered as an image is refused before anything is sent.
type_text "/media"
keys Enter
wait_screen "Media · 5 items"
type_text "gallery"
wait_screen "Media · 1 item"
keys Enter
wait_screen "> /image https://127.0.0.1:PORT/media/page.html"
keys Enter
wait_screen "cannot attach: this URL serves a web page (text/html), not a media file"
keys C-u
ok "the picker fills the box; a web page is refused as an image"

# Ctrl-X Ctrl-E hands the draft to $EDITOR and takes the result back.
type_text "desde la caja"
keys C-x C-e
wait_screen "  y una línea del editor"
assert_rows 22 23 <<'SCREEN'
> desde la caja
  y una línea del editor
SCREEN
keys C-u BSpace C-u
assert_rows 22 23 <<'SCREEN'
 To Kenji 健二 · user demo-user-kenji · room demo-room-kenji
>
SCREEN
ok "Ctrl-X Ctrl-E edits the draft in \$EDITOR"

keys F1
wait_screen "Help · Esc closes"
assert_rows 3 4 <<'SCREEN'
 Keys
   Enter            send the draft (or the confirmed attachment)
SCREEN
keys Escape
wait_screen "F1 help · F2 history"
ok "F1 shows the help"

keys C-c
wait_for 10 grep -q '^exit=' "$T/console.err" || fail "the console did not quit"
assert_eq "exit" "exit=0" "$(cat "$T/console.err")"
ok "quits cleanly"
