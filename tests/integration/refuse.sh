# Bad input: one clear line on stderr, exit 2, and nothing reaches the server.
. "${top_srcdir}/tests/lib.sh"
set -e

start_mock refuse

# refused EXPECTED_ERROR send-arguments...: exit 2, that exact error, the mock saw nothing.
refused() {
    local expected=$1
    shift
    run_jelou send --endpoint "$MOCK_URL" "$@"
    assert_eq "exit code for: $*" 2 "$RC"
    assert_eq "error for: $*" "jelou-console: $expected" "$ERR"
    assert_eq "stdout for: $*" "" "$OUT"
    assert_eq "requests after: $*" 0 "$(log_lines)"
}

refused "value.content.url: media URL must start with https:// (got http://cdn.example.com/a.jpg)" \
    --room r --user u --attach http://cdn.example.com/a.jpg --type image --mime image/jpeg
refused "nothing to send: give --text TEXT or --attach URL (see --help)" --room r --user u
refused "give --text or --attach, not both" --room r --user u --text a --attach https://x.example/a
refused "--room is required: it says which conversation gets the message" --user u --text a
refused "--type must be text, image, video, audio or document (got 'gif')" \
    --room r --user u --attach https://x.example/a.gif --type gif
refused "value.content.body is empty" --room r --user u --text ''
refused "caption is only allowed for image and video" \
    --room r --user u --attach https://x.example/a.mp3 --type audio --mime audio/mpeg --caption hi
refused "filename is only allowed for document" \
    --room r --user u --attach https://x.example/a.jpg --type image --mime image/jpeg --filename a
refused "mime_type image/png does not match type video (expected video/*)" \
    --room r --user u --attach https://x.example/a.png --type video --mime image/png
refused "caption is only allowed for image and video" --room r --user u --text hola --caption x
refused "room_id is empty" --room '' --user u --text hola
refused "value.content.body is not valid UTF-8" --room r --user u --text "$(printf 'bad \377 byte')"
refused "the signing secret is never taken from the command line (it would show in ps); use --secret-file PATH or JELOU_SIGNING_SECRET" \
    --room r --user u --text hola --secret abc
ok "invalid messages are refused with one line naming the field"

# A secret file that others can read is refused, naming chmod 600; nothing is sent.
printf 'topsecret-value\n' > "$T/secret"
chmod 644 "$T/secret"
(unset JELOU_SIGNING_SECRET; "$JELOU" send --endpoint "$MOCK_URL" --secret-file "$T/secret" \
    --room r --user u --text hola) > "$T/out" 2> "$T/err" && fail "a 0644 secret file was accepted"
assert_contains "secret file error" "chmod 600 $T/secret" "$(cat "$T/err")"
case "$(cat "$T/err")" in *topsecret*) fail "the error shows the secret" ;; esac
assert_eq "requests after a bad secret file" 0 "$(log_lines)"
ok "group/other-readable secret file refused"

(unset JELOU_SIGNING_SECRET; "$JELOU" send --endpoint "$MOCK_URL" --room r --user u --text hola) \
    > "$T/out" 2> "$T/err" && fail "a send without a secret was accepted"
assert_eq "no secret error" "jelou-console: no signing secret: set JELOU_SIGNING_SECRET, JELOU_SIGNING_SECRET_FILE or --secret-file" "$(cat "$T/err")"
ok "missing secret"

# http:// endpoints only on loopback.
run_jelou send --endpoint http://chatbot.example.com/webhook --room r --user u --text hola
assert_eq "exit code for a remote http endpoint" 2 "$RC"
assert_contains "remote http endpoint error" "only allowed on loopback" "$ERR"
ok "http:// endpoint refused off loopback"

(unset JELOU_PROJECT_ID; "$JELOU" send --endpoint "$MOCK_URL" --room r --user u --text hola) \
    > "$T/out" 2> "$T/err" && fail "a send without a project was accepted"
assert_eq "no project error" "jelou-console: no project id: give --project, set JELOU_PROJECT_ID or put project= in the config file" "$(cat "$T/err")"
assert_eq "requests after all refusals" 0 "$(log_lines)"
ok "missing project id"
