# send --parallel: up to 1,024 in flight, each with a connection of its own over HTTP/1.1,
# so that a far-away server answers N at a time instead of the transport's old 16.
. "${top_srcdir}/tests/lib.sh"
set -e

start_mock par --delay-ms 4000
batch() {
    awk -v n="$1" 'BEGIN { for (i = 1; i <= n; i++)
        printf "{\"room\":\"r-%d\",\"user\":\"u-%d\",\"text\":\"hola %d\"}\n", i, i, i }' > "$2"
}

batch 3 "$T/three.jsonl"
run_jelou send --endpoint "$MOCK_URL" --batch "$T/three.jsonl" --parallel 1025
assert_eq "--parallel 1025 exit" 2 "$RC"
assert_eq "--parallel 1025 error" \
    "jelou-console: --parallel must be a whole number from 1 to 1024 (got '1025')" "$ERR"
assert_eq "nothing sent" 0 "$(log_lines)"
ok "--parallel 1025 is refused with the range, and nothing is sent"

# 200 in flight against a server that answers each after 4 s: every request reaches the
# server before the first answer can come back (with at most 16 connections the 17th would
# wait for an answer, and --parallel used to stop at 64).
N=200
batch "$N" "$T/many.jsonl"
run_jelou send --endpoint "$MOCK_URL" --batch "$T/many.jsonl" --parallel 1024
assert_eq "--parallel 1024 exit" 0 "$RC"
assert_eq "every line accepted" "$N" "$(printf '%s\n' "$OUT" | grep -c '"status":"accepted"')"
assert_eq "every request logged once" "$N" "$(jq -r .id "$MOCK_LOG" 2>/dev/null | sort -u | wc -l | tr -d ' ')"
spread=$(jq -s 'map(.time) | max - min' "$MOCK_LOG")
[ "$spread" -lt 4000 ] ||
    fail "the $N requests reached the server over $spread ms: not all were in flight at once"
ok "--parallel 1024: $N requests in flight at once (all arrived within $spread ms)"
