# The terminal as it is: clusters take the columns tmux gives them (ZWJ emoji, combining
# marks), Ctrl-L rewrites every cell, a tiny window says the size it needs, and a terminal
# that cannot show the console is refused in place.
. "${top_srcdir}/tests/e2e/lib-e2e.sh"
set -e

start_mock term
console_start 24 80 --endpoint "$MOCK_URL" --listen 127.0.0.1:0
wait_screen "No conversation open"
# tmux 3.3 draws a ZWJ sequence in the cell of its first emoji: the family is 2 columns,
# the rainbow flag 1 (its white flag is narrow); e + U+0301 is one column.
type_text "/open r-1 u-1 👨‍👩‍👧‍👦 Familia"
keys Enter
wait_screen "opened room r-1"
type_text "/open r-2 u-2 🏳️‍🌈 Orgullo"
keys Enter
wait_screen "opened room r-2"
e=$(printf 'e\xcc\x81') # e + COMBINING ACUTE ACCENT, two characters in one cell
type_text "/open r-3 u-3 Zo$e Am${e}lie"
keys Enter
wait_screen "opened room r-3"
# The separator is column 21 on every row. (A cell holds five characters: the family of
# four shows its first three.)
rooms=$(cat <<SCREEN
Rooms (3) · waiting │ Zo$e Am${e}lie · room r-3
 1 👨‍👩‍👧 Familia       │
 2 🏳️‍🌈 Orgullo        │
▸3 Zo$e Am${e}lie       │
SCREEN
)
assert_rows 1 4 <<< "$rooms"
ok "ZWJ sequences and combining marks leave the separator in its column"

# Something else writes on the terminal; Ctrl-L rewrites every cell.
printf '\033[2;5HGARBAGE GARBAGE' > "$(tm display -p -t console '#{pane_tty}')"
wait_screen "GARBAGE GARBAGE"
keys C-l
assert_rows 1 4 <<< "$rooms"
screen | grep -q GARBAGE && { screen >&2; fail "Ctrl-L left cells stale"; }
ok "Ctrl-L rewrites every cell"

# A window too small for the console says the size it needs in what fits.
tm resize-window -t console -x 20 -y 5
assert_rows 1 5 <<'SCREEN'
Terminal too small
(20x5): needs 40x10



SCREEN
tm resize-window -t console -x 80 -y 24
wait_screen "Rooms (3)"
ok "at 20x5 the screen says the size it needs"

keys C-c
wait_for 10 grep -q '^exit=' "$T/console.err" || fail "the console did not quit"
assert_eq "exit and stderr" "exit=0" "$(cat "$T/console.err")"

# In a real terminal too, LANG=C and TERM=dumb are refused with the fix, exit 2.
E2E_ENV="LANG=C LC_ALL=C"
console_start 24 80 --endpoint "$MOCK_URL"
wait_for 10 grep -q '^exit=' "$T/console.err" || fail "the console did not stop under LANG=C"
assert_eq "LANG=C in a terminal" "jelou-console: the locale LC_ALL=C is not UTF-8, so names and \
emoji would be garbled: run it with LC_ALL=C.UTF-8
exit=2" "$(cat "$T/console.err")"
E2E_ENV="TERM=dumb"
console_start 24 80 --endpoint "$MOCK_URL"
wait_for 10 grep -q '^exit=' "$T/console.err" || fail "the console did not stop under TERM=dumb"
assert_eq "TERM=dumb in a terminal" "jelou-console: TERM=dumb cannot move the cursor, so the \
screen cannot be drawn: set TERM to your terminal's type, e.g. TERM=xterm-256color
exit=2" "$(cat "$T/console.err")"
ok "LANG=C and TERM=dumb are refused in a terminal, exit 2"
