# --demo on a fresh machine: no credentials, the embedded sandbox, five types accepted.
. "${top_srcdir}/tests/lib.sh"
set -e

unset JELOU_SIGNING_SECRET JELOU_PROJECT_ID JELOU_BOT_ID
run_jelou --demo
assert_eq "demo exit" 0 "$RC"
for type in text image video audio document; do
    assert_eq "demo line for $type" 1 "$(grep -cE "^  $type +[0-9a-f-]{36}  accepted 200$" <<< "$OUT")"
done
assert_contains "demo summary" "5 of 5 accepted by the sandbox (5 requests verified)" "$OUT"
ok "--demo sends all five types through the real pipeline"
