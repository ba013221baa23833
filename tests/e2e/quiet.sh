# Nothing writes over the screen: in --demo the embedded sandbox's complaints (here, an event
# the console's listener refuses as too large) go to the status line, and stderr stays empty.
. "${top_srcdir}/tests/e2e/lib-e2e.sh"
set -e

unset JELOU_SIGNING_SECRET JELOU_PROJECT_ID JELOU_BOT_ID
mkdir -p "$T/share"
cp -r "$top_srcdir/assets/demo" "$T/share/demo"
big=$(head -c 1200000 /dev/zero | tr '\0' a)
{
    printf '{"after_ms":300,"event":"message","room":"demo-room-ana","user":"demo-user-ana","name":"Ana Pérez","type":"text","text":"%s"}\n' "$big"
    printf '{"after_ms":300,"event":"message","room":"demo-room-ana","user":"demo-user-ana","name":"Ana Pérez","type":"text","text":"después del grande"}\n'
} > "$T/share/demo/script.jsonl"
E2E_ENV="JELOU_DEMO_DIR=$T/share/demo"
console_start 24 80 --demo
wait_screen "sandbox: gave up emitting message to http://127.0.0.1:PORT/jelou/webhook after"
wait_screen "después del grande"
assert_eq "stderr while the sandbox complains" "" "$(cat "$T/console.err")"
assert_rows 1 1 <<'SCREEN'
Rooms (3) · waiting │ Ana Pérez · room demo-room-ana
SCREEN
ok "the sandbox's error is on the status line, the screen stays in place"

keys C-c
wait_for 10 grep -q '^exit=' "$T/console.err" || fail "the console did not quit"
assert_eq "stderr of the whole run" "exit=0" "$(cat "$T/console.err")"
ok "stderr of a --demo run with sandbox errors stays empty"
