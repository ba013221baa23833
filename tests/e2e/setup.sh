# setup driven through tmux: the exact prompts, the key never echoed, the answers applied.
. "${top_srcdir}/tests/e2e/lib-e2e.sh"
set -e

KEY=tmux-api-key-51c0de
printf '%s\n' "$KEY" > "$T/mockkey"
chmod 600 "$T/mockkey"
start_mock setup --api-key-file "$T/mockkey" --project proj-7
PORT=$(printf '%s' "$MOCK_URL" | sed 's|^http://127.0.0.1:\([0-9]*\)/.*|\1|')
BASE="http://127.0.0.1:$PORT/jelouapi/v1/external-support/{projectId}"
D="$XDG_CONFIG_HOME/jelou-console"
# The ids come from the answers, not from the test's environment.
unset JELOU_SIGNING_SECRET JELOU_PROJECT_ID JELOU_BOT_ID

console_start 30 200 setup --rest-base "$BASE" --endpoint "$MOCK_URL"
wait_screen "Jelou project id:"
type_text proj-7
keys Enter
wait_screen "Bot id:"
type_text bot-7
keys Enter
wait_screen "API key (hidden):"
type_text "$KEY"
keys Enter
wait_screen "Public webhook URL (where Jelou sends events):"
type_text https://hooks.example.com/jelou
keys Enter
wait_screen "Next:"
assert_rows 1 6 <<EOS
Jelou project id: proj-7
Bot id: bot-7
API key (hidden):
Public webhook URL (where Jelou sends events): https://hooks.example.com/jelou
created integration integration-1 sending events to https://hooks.example.com/jelou; signing secret written to $D/signing-secret
API key written to $D/api-key (mode 0600)
EOS
screen | grep -qF "$KEY" && fail "the API key was echoed"
assert_eq "exit" "exit=0" "$(tail -n 1 "$T/console.err")"
assert_eq "key file" "$KEY" "$(cat "$D/api-key")"
assert_eq "config ids" "proj-7 bot-7" "$(sed -n 's/^project = //p;s/^bot = //p' "$D/config" |
    paste -sd' ')"
ok "setup asks each question, hides the key and applies the answers"

# again: Enter keeps every value shown in brackets; nothing changes
console_start 30 200 setup --rest-base "$BASE" --endpoint "$MOCK_URL"
wait_screen "Jelou project id [proj-7]:"
keys Enter
wait_screen "Bot id [bot-7]:"
keys Enter
wait_screen "API key (hidden; Enter keeps the saved one):"
keys Enter
wait_screen "Public webhook URL (where Jelou sends events) [https://hooks.example.com/jelou]:"
keys Enter
wait_screen "Next:"
assert_rows 1 6 <<EOS
Jelou project id [proj-7]:
Bot id [bot-7]:
API key (hidden; Enter keeps the saved one):
Public webhook URL (where Jelou sends events) [https://hooks.example.com/jelou]:
integration integration-1 already sends events to https://hooks.example.com/jelou
config $D/config unchanged
EOS
ok "a second run offers the saved values and changes nothing"

# Ctrl-C at the hidden prompt: setup ends and the terminal echoes again (the shell around it
# catches SIGINT so that it lives on to look at the terminal).
tm respawn-pane -k -t console "trap : INT; env LANG=C.UTF-8 TERM=tmux-256color HOME=$HOME \
XDG_CONFIG_HOME=$XDG_CONFIG_HOME XDG_STATE_HOME=$XDG_STATE_HOME $JELOU setup \
--rest-base '$BASE' --endpoint '$MOCK_URL' 2> $T/console.err; echo \"exit=\$?\" > $T/ctrlc; \
stty -a > $T/stty; sleep 600"
wait_screen "Jelou project id [proj-7]:"
keys Enter
wait_screen "Bot id [bot-7]:"
keys Enter
wait_screen "API key (hidden; Enter keeps the saved one):"
keys C-c
wait_for 10 test -s "$T/stty" || fail "setup did not end on Ctrl-C"
assert_eq "killed by SIGINT" "exit=130" "$(cat "$T/ctrlc")"
grep -qE '(^| )echo( |$)' "$T/stty" || fail "echo left off after Ctrl-C: $(cat "$T/stty")"
ok "Ctrl-C at the hidden prompt leaves the terminal echoing"
