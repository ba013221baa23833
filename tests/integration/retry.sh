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
