# Terminals the console cannot draw on are refused before anything starts: a non-UTF-8
# locale (garbled names, lost keys) and a TERM without cursor addressing (a blank screen).
. "${top_srcdir}/tests/lib.sh"
set -e

# refused WHAT EXPECTED_STDERR ENV...: the console under env -i ENV exits 2, prints exactly
# that one line, nothing on stdout, and leaves no state behind (no journal, no history).
refused() {
    local what=$1 want=$2
    shift 2
    set +e
    env -i HOME="$HOME" XDG_STATE_HOME="$XDG_STATE_HOME" XDG_CONFIG_HOME="$XDG_CONFIG_HOME" \
        JELOU_SIGNING_SECRET="$JELOU_SIGNING_SECRET" JELOU_PROJECT_ID=p JELOU_BOT_ID=b \
        PATH="$PATH" "$@" "$JELOU" --listen 127.0.0.1:0 < /dev/null > "$T/out" 2> "$T/err"
    RC=$?
    set -e
    assert_eq "$what: exit code" 2 "$RC"
    assert_eq "$what: stderr" "$want" "$(cat "$T/err")"
    assert_eq "$what: stdout" "" "$(cat "$T/out")"
    [ ! -e "$XDG_STATE_HOME/jelou-console" ] || fail "$what: the console started (state dir made)"
    ok "$what is refused"
}

refused "LANG=C" "jelou-console: the locale LANG=C is not UTF-8, so names and emoji would be \
garbled: run it with LANG=C.UTF-8" LANG=C TERM=xterm
refused "LC_ALL=C over a UTF-8 LANG" "jelou-console: the locale LC_ALL=C is not UTF-8, so \
names and emoji would be garbled: run it with LC_ALL=C.UTF-8" LANG=C.UTF-8 LC_ALL=C TERM=xterm
refused "no locale at all" "jelou-console: no locale is set, and the console needs UTF-8: run \
it with LANG=C.UTF-8" TERM=xterm
refused "TERM=dumb" "jelou-console: TERM=dumb cannot move the cursor, so the screen cannot be \
drawn: set TERM to your terminal's type, e.g. TERM=xterm-256color" LANG=C.UTF-8 TERM=dumb
refused "TERM unset" "jelou-console: TERM is not set, so the screen cannot be drawn: set it to \
your terminal's type, e.g. TERM=xterm-256color" LANG=C.UTF-8
refused "TERM empty" "jelou-console: TERM is not set, so the screen cannot be drawn: set it to \
your terminal's type, e.g. TERM=xterm-256color" LANG=C.UTF-8 TERM=
refused "an unknown TERM" "jelou-console: TERM=no-such-terminal is not a terminal type this \
system knows: set TERM to your terminal's type, e.g. TERM=xterm-256color" LANG=C.UTF-8 \
    TERM=no-such-terminal

# A usable terminal type without a tty is refused the same way, before anything starts.
set +e
env LANG=C.UTF-8 LC_ALL= TERM=xterm "$JELOU" --listen 127.0.0.1:0 < /dev/null > "$T/out" 2> "$T/err"
RC=$?
set -e
assert_eq "a usable terminal's exit" 2 "$RC"
assert_eq "a usable terminal passes the check" \
    "jelou-console: the console needs a terminal (stdin and stdout are not one)" "$(cat "$T/err")"
[ ! -e "$XDG_STATE_HOME/jelou-console" ] || fail "the console started without a terminal"
ok "a UTF-8 locale and a real TERM pass the check; no tty is refused before anything starts"
