# Hostile config files: a device, a FIFO, a huge file, a NUL byte. Each is refused at once
# with one clear line, exit 2, and nothing is sent.
. "${top_srcdir}/tests/lib.sh"
set -e

start_mock config

# refused WHAT EXPECTED-ERROR CONFIG: send with --config CONFIG must fail that way.
refused() {
    set +e
    timeout 20 "$JELOU" send --endpoint "$MOCK_URL" --config "$3" --room r --user u \
        --text x > "$T/out" 2> "$T/err"
    RC=$?
    set -e
    assert_eq "$1: exit code" 2 "$RC"
    assert_eq "$1: error" "$2" "$(cat "$T/err")"
    assert_eq "$1: stdout" "" "$(cat "$T/out")"
    assert_eq "$1: requests sent" 0 "$(log_lines)"
}

refused "/dev/zero" "jelou-console: config /dev/zero is not a regular file" /dev/zero
mkfifo "$T/fifo"
refused "a FIFO nobody writes" "jelou-console: config $T/fifo is not a regular file" "$T/fifo"
ok "devices and FIFOs are refused without reading them or hanging"

{ echo "[jelou]"; head -c 70000 /dev/zero | tr '\0' ';'; echo; } > "$T/big.ini"
refused "a 70 KB config" "jelou-console: config $T/big.ini is larger than 64 KiB: not a config file" \
    "$T/big.ini"
printf '[jelou]\nproject = good\0evil\n' > "$T/nul.ini"
refused "a NUL byte" "jelou-console: $T/nul.ini:2: the line contains a NUL byte" "$T/nul.ini"
ok "an oversized file and a NUL byte in a value are refused with the line"

# The checks do not get in the way of a real config file.
printf '[jelou]\nproject = from-config\n' > "$T/good.ini"
unset JELOU_PROJECT_ID
run_jelou send --endpoint "$MOCK_URL" --config "$T/good.ini" --room r --user u --text x --id c-1
assert_eq "good config: exit code" 0 "$RC"
assert_eq "good config: project on the wire" "from-config" \
    "$(logged 1 '.body | fromjson | .project_id')"
ok "a normal config file still works"
