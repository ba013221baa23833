# Secret-like values, from files and variables alike: a BOM and surrounding whitespace are
# trimmed (the signature is right), a second line or a control character is refused (one
# line, exit 2, nothing sent), and a loaded secret is kept out of core dumps.
. "${top_srcdir}/tests/lib.sh"
set -e

SECRET=$JELOU_SIGNING_SECRET
start_mock secretfiles

# secret_file NAME FORMAT [ARGS...]: a mode 0600 file $T/NAME, written by printf.
secret_file() {
    local name=$1
    shift
    # shellcheck disable=SC2059
    printf "$@" > "$T/$name"
    chmod 600 "$T/$name"
}

# refused WHAT EXPECTED-ERROR ARGS...: send must refuse before sending anything.
refused() {
    local what=$1 want=$2
    shift 2
    run_jelou send --endpoint "$MOCK_URL" --room r --user u --text x "$@"
    assert_eq "$what: exit code" 2 "$RC"
    assert_eq "$what: error" "$want" "$ERR"
    assert_eq "$what: requests sent" 0 "$(log_lines)"
}

secret_file two "%s\nsecond-line\n" "$SECRET"
refused "two lines" "jelou-console: secret file $T/two holds more than one line: it must hold\
 the secret alone" --secret-file "$T/two"
secret_file ctl "abc\033def\n"
refused "a control character" "jelou-console: secret file $T/ctl contains a control character" \
    --secret-file "$T/ctl"
secret_file blank "\357\273\277 \t\n\n"
refused "only a BOM and blanks" "jelou-console: secret file $T/blank is empty" \
    --secret-file "$T/blank"
JELOU_SIGNING_SECRET="$SECRET"$'\n'"more" refused "a variable with two lines" \
    "jelou-console: secret in JELOU_SIGNING_SECRET holds more than one line: it must hold the\
 secret alone"
ok "a second line, a control character or nothing but blanks is refused, nothing sent"

# accepted N WHAT ARGS...: send is accepted and the Nth request is signed with SECRET,
# recomputed by openssl over the bytes the mock received.
accepted() {
    local n=$1 what=$2
    shift 2
    run_jelou send --endpoint "$MOCK_URL" --room r --user u --text "$what" "$@"
    assert_eq "$what: exit code" 0 "$RC"
    printf '%s' "$(logged "$n" .body)" > "$T/body$n"
    assert_eq "$what: signature" "sha256=$(hmac "$T/body$n" "$SECRET")" "$(logged "$n" .signature)"
    assert_eq "$what: verdict" "accepted" "$(logged "$n" .verdict)"
}
secret_file bom "\357\273\277  %s  \r\n" "$SECRET"
accepted 1 "BOM and blanks" --secret-file "$T/bom"
JELOU_SIGNING_SECRET=" $SECRET"$'\n' accepted 2 "a variable with a newline"
ok "a BOM and surrounding blanks are trimmed from files and variables alike"

# The API key follows the same rules.
secret_file key "\357\273\277apik3y\n"
secret_file key2 "apik3y\nother\n"
stop_mock
start_mock secretrest --api-key-file "$T/key"
port=$(sed 's/.*:\([0-9]*\)\/.*/\1/' <<< "$MOCK_URL")
REST="http://127.0.0.1:$port/jelouapi/v1/external-support/{projectId}"
run_jelou conversation start --user u --rest-base "$REST" --api-key-file "$T/key2"
assert_eq "two-line API key: exit code" 2 "$RC"
assert_eq "two-line API key: error" "jelou-console: API key file $T/key2 holds more than one\
 line: it must hold the API key alone" "$ERR"
assert_eq "two-line API key: requests sent" 0 "$(log_lines)"
run_jelou conversation start --user u --rest-base "$REST" --api-key-file "$T/key"
assert_eq "API key with a BOM: exit code" 0 "$RC"
stop_mock
ok "the API key file: a second line refused, a BOM trimmed"

# Core dumps: a process holding a secret is not dumpable and may write no core. A process
# that is not dumpable has its /proc/PID files owned by root; as root that shows nothing, so
# the listener then runs as nobody (setpriv).
run_as=""
dir="$T"
if [ "$(id -u)" = 0 ]; then
    command -v setpriv > /dev/null || { echo "SKIP: root without setpriv"; exit 77; }
    dir=$(mktemp -d /tmp/jelou-dump.XXXXXX)
    chmod 777 "$dir"
    CLEANUP_HOOK="rm -rf $dir"
    run_as="setpriv --reuid=65534 --regid=65534 --clear-groups"
fi
XDG_STATE_HOME="$dir" XDG_CONFIG_HOME="$dir" HOME="$dir" $run_as "$JELOU" listen --listen 127.0.0.1:0 --journal "$dir/ev.jsonl" \
    > "$dir/listen.out" 2> "$dir/listen.err" &
lpid=$!
PIDS="$PIDS $lpid"
wait_for 20 grep -q 'listening on' "$dir/listen.out" || { cat "$dir/listen.err" >&2;
    fail "listen did not start"; }
assert_eq "core file size limit" "0 0" \
    "$(awk '/^Max core file size/ { print $5, $6 }' "/proc/$lpid/limits")"
assert_eq "owner of /proc/PID/status (root: not dumpable)" 0 "$(stat -c %u "/proc/$lpid/status")"
kill "$lpid"
wait "$lpid" 2> /dev/null || true
ok "a process holding the secret writes no core and is not dumpable"
