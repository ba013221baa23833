# Retries: 5xx and network errors are retried with the same id and bytes; 4xx never.
. "${top_srcdir}/tests/lib.sh"
set -e

# 500 then 200: two attempts, the same id, body and signature.
start_mock once --fail-first 1
run_jelou send --endpoint "$MOCK_URL" --room r --user u --text 'otra vez' --id retry-1 --json
assert_eq "exit code after 500 then 200" 0 "$RC"
assert_eq "result after 500 then 200" \
    '{"id":"retry-1","room":"r","user":"u","type":"text","status":"accepted","http_status":200,"attempts":2,"error":null}' "$OUT"
assert_eq "requests seen" 2 "$(log_lines)"
assert_eq "first answer" "500 injected_failure" "$(logged 1 '"\(.status) \(.verdict)"')"
assert_eq "second answer" "200 accepted" "$(logged 2 '"\(.status) \(.verdict)"')"
assert_eq "same id on both attempts" "retry-1 retry-1" "$(logged 1 .id) $(logged 2 .id)"
assert_eq "same bytes on both attempts" "$(logged 1 .body)" "$(logged 2 .body)"
assert_eq "same signature on both attempts" "$(logged 1 .signature)" "$(logged 2 .signature)"
stop_mock
ok "500 then 200 is retried with the same id and bytes"

# 500 forever: failed after the allowed attempts, exit 1, the reason shown.
start_mock always --fail-first 100
run_jelou send --endpoint "$MOCK_URL" --room r --user u --text nada --id retry-2 --attempts 3 --json
assert_eq "exit code after 500 forever" 1 "$RC"
assert_eq "result after 500 forever" \
    '{"id":"retry-2","room":"r","user":"u","type":"text","status":"failed","http_status":500,"attempts":3,"error":"HTTP 500: {\"error\":\"injected failure\"}"}' "$OUT"
assert_eq "requests seen" 3 "$(log_lines)"
run_jelou send --endpoint "$MOCK_URL" --room r --user u --text nada --id retry-3 --attempts 1
assert_eq "exit code, human form" 1 "$RC"
assert_eq "error line" 'jelou-console: failed after 1 attempt: HTTP 500: {"error":"injected failure"} (id retry-3; resend with --id retry-3)' "$ERR"
assert_eq "nothing on stdout when it failed" "" "$OUT"
stop_mock
ok "500 forever fails after N attempts and says so"

# A 4xx is never retried: a wrong secret gets 401 once.
start_mock wrong
JELOU_SIGNING_SECRET=not-the-secret run_jelou send --endpoint "$MOCK_URL" --room r --user u --text x --id retry-4 --json
assert_eq "exit code after 401" 1 "$RC"
assert_eq "result after 401" \
    '{"id":"retry-4","room":"r","user":"u","type":"text","status":"failed","http_status":401,"attempts":1,"error":"HTTP 401: {\"error\":\"bad signature\"}"}' "$OUT"
assert_eq "one request only" 1 "$(log_lines)"
assert_eq "verdict" "bad_signature" "$(logged 1 .verdict)"
stop_mock
start_mock unprocessable --fail-first 5 --fail-status 422
run_jelou send --endpoint "$MOCK_URL" --room r --user u --text x --id retry-5
assert_eq "exit code after 422" 1 "$RC"
assert_eq "one request only after 422" 1 "$(log_lines)"
stop_mock
ok "4xx is not retried"

# Network failure: nothing listens there. Exit 3, attempts made, no data lost silently.
port=$(sed -n 's/.*:\([0-9]*\)\/.*/\1/p' <<< "$MOCK_URL")
run_jelou send --endpoint "http://127.0.0.1:$port/v1/external-support/webhook" --room r --user u \
    --text x --id retry-6 --attempts 2 --json
assert_eq "exit code on connection refused" 3 "$RC"
assert_eq "status on connection refused" "failed null 2" "$(jq -r '"\(.status) \(.http_status) \(.attempts)"' <<< "$OUT")"
assert_contains "error names the failure" "onnect" "$(jq -r .error <<< "$OUT")"
ok "connection refused is a network failure (exit 3) after retries"

# 429 with Retry-After: transient. The same bytes go out again, not before the asked wait.
start_mock limited --fail-first 1 --fail-status 429 --retry-after 2
run_jelou send --endpoint "$MOCK_URL" --room r --user u --text despacio --id retry-7 --json
assert_eq "exit code after 429 then 200" 0 "$RC"
assert_eq "result after 429 then 200" "accepted 200 2" \
    "$(jq -r '"\(.status) \(.http_status) \(.attempts)"' <<< "$OUT")"
assert_eq "requests seen after 429" 2 "$(log_lines)"
assert_eq "429 then 200" "429 200" "$(logged 1 .status) $(logged 2 .status)"
assert_eq "same id after 429" "retry-7 retry-7" "$(logged 1 .id) $(logged 2 .id)"
assert_eq "same bytes after 429" "$(logged 1 .body)" "$(logged 2 .body)"
waited=$(( $(logged 2 .time) - $(logged 1 .time) ))
[ "$waited" -ge 2000 ] || fail "the retry after Retry-After: 2 came ${waited} ms later"
assert_eq "the wait is said" \
    "jelou-console: HTTP 429 for message retry-7: retrying in 2s (attempt 2 of 3)" "$ERR"
stop_mock
ok "429 with Retry-After: 2 is retried with the same bytes ${waited} ms later"

# Retry-After as an HTTP date, on a 408: the second attempt does not come before that date.
when=$(( $(date +%s) + 3 ))
start_mock timeout --fail-first 1 --fail-status 408 \
    --retry-after "$(date -u -d "@$when" '+%a, %d %b %Y %H:%M:%S GMT')"
run_jelou send --endpoint "$MOCK_URL" --room r --user u --text fecha --id retry-8 --json
assert_eq "exit code after 408 then 200" 0 "$RC"
assert_eq "408 then 200" "408 200" "$(logged 1 .status) $(logged 2 .status)"
assert_eq "same bytes after 408" "$(logged 1 .body)" "$(logged 2 .body)"
[ "$(logged 2 .time)" -ge $(( when * 1000 )) ] || fail "the retry came before the asked date"
stop_mock
ok "408 with a Retry-After date waits until that date"

# Retry-After counts against the attempts: 429 forever fails after them, exit 1.
start_mock limited2 --fail-first 100 --fail-status 429 --retry-after 0
run_jelou send --endpoint "$MOCK_URL" --room r --user u --text x --id retry-9 --attempts 2 --json
assert_eq "exit code after 429 forever" 1 "$RC"
assert_eq "result after 429 forever" "failed 429 2" \
    "$(jq -r '"\(.status) \(.http_status) \(.attempts)"' <<< "$OUT")"
assert_eq "requests seen after 429 forever" 2 "$(log_lines)"
stop_mock
# An absurd wait is not made: the send fails at once and says why.
start_mock absurd --fail-first 100 --fail-status 429 --retry-after 86400
run_jelou send --endpoint "$MOCK_URL" --room r --user u --text x --id retry-10
assert_eq "exit code after Retry-After: 86400" 1 "$RC"
assert_eq "one request after Retry-After: 86400" 1 "$(log_lines)"
assert_eq "the refusal to wait is said" 'jelou-console: failed after 1 attempt: HTTP 429: {"error":"injected failure"} (the server asks to wait 86400 s before a retry, more than the 120 s this console waits: not retried) (id retry-10; resend with --id retry-10)' "$ERR"
stop_mock
# Any other 4xx stays final, Retry-After or not.
start_mock forbidden --fail-first 5 --fail-status 403 --retry-after 0
run_jelou send --endpoint "$MOCK_URL" --room r --user u --text x --id retry-11
assert_eq "exit code after 403" 1 "$RC"
assert_eq "one request only after 403" 1 "$(log_lines)"
stop_mock
ok "429 counts against the attempts, an absurd Retry-After is refused, 403 stays final"
