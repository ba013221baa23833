# A rate limit in the console: a 429 with Retry-After shows the wait inline, then the same
# message goes out again and is accepted.
. "${top_srcdir}/tests/e2e/lib-e2e.sh"
set -e

start_mock e2e --fail-first 1 --fail-status 429 --retry-after 4
console_start 24 80 --endpoint "$MOCK_URL" --attempts 3 --listen 127.0.0.1:0
wait_screen "No conversation open"
type_text "/open room-1 user-1 Ana"
keys Enter
wait_screen "opened room room-1 for user user-1"
type_text "Un momento"
keys Enter
wait_screen "You  HTTP 429, retrying in 4s (attempt 2/3)"
wait_screen "You  accepted 200"
assert_eq "429 then 200" "429 200" "$(logged 1 .status) $(logged 2 .status)"
assert_eq "same bytes after the wait" "$(logged 1 .body)" "$(logged 2 .body)"
waited=$(( $(logged 2 .time) - $(logged 1 .time) ))
[ "$waited" -ge 4000 ] || fail "the retry came ${waited} ms after the 429, not 4 s"
ok "the console shows 'retrying in 4s' and retries after the asked wait"
