# make install DESTDIR=...: files where Debian expects them; the installed --demo works there.
. "${top_srcdir}/tests/lib.sh"
set -e

BUILD=$(dirname "$JELOU")
D="$T/destdir"
make -C "$BUILD" install DESTDIR="$D" > "$T/install.log" 2>&1 || {
    tail -n 20 "$T/install.log" >&2
    fail "make install failed"
}
prefix=$(sed -n 's/^prefix = //p' "$BUILD/Makefile")
datadir="$prefix/share"
for f in "$prefix/bin/jelou-console" "$datadir/man/man1/jelou-console.1" \
    "$datadir/jelou-console/demo/rooms.jsonl" "$datadir/jelou-console/demo/media/photo.jpg" \
    "$datadir/jelou-console/config.example" "$datadir/jelou-console/replies.example" \
    "$datadir/zsh/vendor-completions/_jelou-console" \
    "$datadir/doc/jelou-console/examples/systemd/jelou-console-listen.service"; do
    [ -f "$D$f" ] || fail "not installed: $f"
done
bc=$(sed -n 's/^bashcompletiondir = //p' "$BUILD/Makefile" | sed "s|\${datadir}|$datadir|;
    s|\${prefix}|$prefix|")
[ -f "$D$bc/jelou-console" ] || fail "bash completion not in $bc"
[ -x "$D$prefix/bin/jelou-console" ] || fail "the binary is not executable"
ok "binary, man page, completions, examples, unit and demo data are installed"

# The installed binary, pointed at the installed data: the self-check passes from there.
unset JELOU_SIGNING_SECRET JELOU_PROJECT_ID JELOU_BOT_ID
set +e
JELOU_DATADIR="$D$datadir/jelou-console" "$D$prefix/bin/jelou-console" --demo < /dev/null |
    cat > "$T/demo.out"
set -e
assert_eq "demo data used" "jelou-console demo: demo data in $D$datadir/jelou-console/demo" \
    "$(head -n 1 "$T/demo.out")"
assert_contains "demo works" "5 of 5 accepted by the sandbox" "$(cat "$T/demo.out")"
# and it really reads them: without the data the self-check says so
rm "$D$datadir/jelou-console/demo/rooms.jsonl"
set +e
JELOU_DATADIR="$D$datadir/jelou-console" "$D$prefix/bin/jelou-console" --demo < /dev/null \
    > /dev/null 2> "$T/demo.err"
rc=$?
set -e
assert_eq "missing data" "2 jelou-console: demo: demo data \
$D$datadir/jelou-console/demo/rooms.jsonl: No such file or directory (set JELOU_DATADIR to the \
installed data directory)" "$rc $(cat "$T/demo.err")"
ok "the installed --demo finds its data under JELOU_DATADIR"
