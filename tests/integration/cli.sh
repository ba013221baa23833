# The command-line contract: help, version, unknown commands and options, exit codes.
. "${top_srcdir}/tests/lib.sh"
set -e

run_jelou --version
assert_eq "--version exit" 0 "$RC"
printf '%s\n' "$OUT" | grep -Eq '^jelou-console [0-9]+\.[0-9]+\.[0-9]+$' || fail "--version said: $OUT"
ok "--version"

run_jelou --help
assert_eq "--help exit" 0 "$RC"
assert_contains "--help lists send" "jelou-console send --room R --user U --text T" "$OUT"
assert_contains "--help lists mock" "jelou-console mock --listen ADDR:PORT" "$OUT"
for cmd in send mime mock; do
    run_jelou "$cmd" --help
    assert_eq "$cmd --help exit" 0 "$RC"
    assert_contains "$cmd --help usage" "Usage: jelou-console $cmd" "$OUT"
done
ok "--help for every command"

run_jelou frobnicate
assert_eq "unknown command exit" 2 "$RC"
assert_eq "unknown command error" "jelou-console: unknown command or option 'frobnicate'; see 'jelou-console --help'" "$ERR"
run_jelou send --colour red
assert_eq "unknown option exit" 2 "$RC"
assert_eq "unknown option error" "jelou-console: send: bad option '--colour' (unknown, or missing its value); see 'jelou-console send --help'" "$ERR"
run_jelou conversation frob
assert_eq "unknown action exit" 2 "$RC"
assert_eq "unknown action error" "jelou-console: conversation: say start, close or get (got 'frob'); see 'jelou-console conversation --help'" "$ERR"
run_jelou integration
assert_eq "missing action exit" 2 "$RC"
assert_eq "missing action error" "jelou-console: integration: say get, create, update or delete (got nothing); see 'jelou-console integration --help'" "$ERR"
run_jelou send --room r --user u --text hola extra
assert_eq "stray argument exit" 2 "$RC"
assert_eq "stray argument error" "jelou-console: send: unexpected argument 'extra' (text goes after --text; quote it)" "$ERR"
run_jelou send --batch - --parallel 0 < /dev/null
assert_eq "bad --parallel exit" 2 "$RC"
assert_eq "bad --parallel error" "jelou-console: --parallel must be a whole number from 1 to 1024 (got '0')" "$ERR"
run_jelou send --batch "$T/nope.jsonl"
assert_eq "missing batch file exit" 2 "$RC"
assert_eq "missing batch file error" "jelou-console: cannot read batch file $T/nope.jsonl: No such file or directory" "$ERR"
run_jelou mock --listen 127.0.0.1:99999
assert_eq "bad --listen exit" 2 "$RC"
assert_eq "bad --listen error" "jelou-console: --listen wants ADDR:PORT with a port from 0 to 65535 (got '127.0.0.1:99999')" "$ERR"
run_jelou send --room r --user u --text x --config "$T/missing.ini"
assert_eq "missing config exit" 2 "$RC"
assert_contains "missing config error" "$T/missing.ini" "$ERR"
ok "bad usage exits 2 with one line"

# Every error is one line.
for args in "frobnicate" "send --colour red" "send --room r"; do
    # shellcheck disable=SC2086
    run_jelou $args
    assert_eq "lines of error for '$args'" 1 "$(printf '%s\n' "$ERR" | wc -l | tr -d ' ')"
done
ok "errors are one line"
