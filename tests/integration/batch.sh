# send --batch: one result per line, in input order; bad lines do not stop the others.
. "${top_srcdir}/tests/lib.sh"
set -e

start_mock batch

# 1,000 lines, ids in order: every line gets its result, in order, and reaches the mock once.
awk 'BEGIN { for (i = 1; i <= 1000; i++)
    printf "{\"room\":\"room-%d\",\"user\":\"user-%d\",\"text\":\"mensaje %d\",\"id\":\"b-%d\"}\n",
        i % 7, i % 7, i, i }' > "$T/batch.jsonl"
"$JELOU" send --endpoint "$MOCK_URL" --batch "$T/batch.jsonl" --parallel 8 > "$T/out" 2> "$T/err" \
    || fail "batch of 1000 exited $?: $(head -3 "$T/err")"
assert_eq "result lines" 1000 "$(wc -l < "$T/out" | tr -d ' ')"
assert_eq "results in input order" "$(seq 1 1000 | sed 's/^/b-/')" "$(jq -r .id < "$T/out")"
assert_eq "all accepted" 1000 "$(jq -r 'select(.status == "accepted" and .http_status == 200)' < "$T/out" | grep -c '^{' || true)"
assert_eq "requests seen by the mock" 1000 "$(log_lines)"
assert_eq "distinct ids seen by the mock" 1000 "$(jq -r .id < "$MOCK_LOG" | sort -u | wc -l | tr -d ' ')"
ok "batch of 1,000 lines: 1,000 ordered results"

# A bad line gets an error result and the others still go; exit 1.
cat > "$T/mixed.jsonl" <<'JSONL'
{"room":"r","user":"u","text":"uno","id":"m-1"}
not json at all
{"room":"r","user":"u","type":"image","url":"http://insecure.example/a.jpg","mime":"image/jpeg","id":"m-3"}

{"room":"r","user":"u","type":"document","url":"https://x.example/f.pdf","mime":"application/pdf","filename":"f.pdf","id":"m-5"}
{"room":"r","user":"u","text":"seis","colour":"red"}
JSONL
before=$(log_lines)
run_jelou send --endpoint "$MOCK_URL" --batch - < "$T/mixed.jsonl"
assert_eq "exit code with bad lines" 1 "$RC"
assert_eq "mixed batch results" '{"id":"m-1","room":"r","user":"u","type":"text","status":"accepted","http_status":200,"attempts":1,"error":null}
{"id":null,"room":null,"user":null,"type":null,"status":"invalid","http_status":null,"attempts":0,"error":"line 2: line is not valid JSON (at byte 0)"}
{"id":"m-3","room":"r","user":"u","type":"image","status":"invalid","http_status":null,"attempts":0,"error":"line 3: value.content.url: media URL must start with https:// (got http://insecure.example/a.jpg)"}
{"id":"m-5","room":"r","user":"u","type":"document","status":"accepted","http_status":200,"attempts":1,"error":null}
{"id":null,"room":null,"user":null,"type":null,"status":"invalid","http_status":null,"attempts":0,"error":"line 6: unknown key '"'"'colour'"'"'"}' "$OUT"
assert_eq "only the good lines were sent" $((before + 2)) "$(log_lines)"
ok "bad lines get error results and do not stop the others"
