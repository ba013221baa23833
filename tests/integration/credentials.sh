# systemd credentials: the secret and key read from $CREDENTIALS_DIRECTORY as systemd makes them.
. "${top_srcdir}/tests/lib.sh"
set -e

SECRET=$JELOU_SIGNING_SECRET
start_mock creds
unset JELOU_SIGNING_SECRET
mkdir -p "$T/creds" "$T/elsewhere"
printf '%s\n' "$SECRET" > "$T/creds/signing-secret"
# LoadCredential= makes 0440 (root-owned with an ACL) or 0400 files.
chmod 440 "$T/creds/signing-secret"
chmod 700 "$T/creds"
export CREDENTIALS_DIRECTORY="$T/creds"

# Nothing names the secret: the credential is the source.
run_jelou send --room r-1 --user u-1 --text hola --endpoint "$MOCK_URL"
assert_eq "send with the credential" "0 " "$RC $ERR"
assert_eq "signed with it" "accepted" "$(logged 1 .verdict)"
ok "the signing secret comes from \$CREDENTIALS_DIRECTORY/signing-secret"

# Named by path, a 0440 credential is accepted too; the same mode elsewhere is not.
run_jelou send --room r-1 --user u-1 --text hola --endpoint "$MOCK_URL" \
    --secret-file "$T/creds/signing-secret"
assert_eq "named credential" 0 "$RC"
cp "$T/creds/signing-secret" "$T/elsewhere/secret"
chmod 440 "$T/elsewhere/secret"
run_jelou send --room r-1 --user u-1 --text hola --endpoint "$MOCK_URL" \
    --secret-file "$T/elsewhere/secret"
assert_eq "0440 outside the credentials" "2 jelou-console: secret file $T/elsewhere/secret is \
readable by group or others: run chmod 600 $T/elsewhere/secret" "$RC $ERR"
chmod 444 "$T/creds/signing-secret"
run_jelou send --room r-1 --user u-1 --text hola --endpoint "$MOCK_URL"
assert_eq "others may not read a credential" 2 "$RC"
ok "credentials may be group-readable, other files and world-readable ones may not"

# The API key credential, read by the REST calls
printf 'cred-api-key-99\n' > "$T/creds/api-key"
chmod 400 "$T/creds/api-key"
run_jelou integration get --rest-base "http://127.0.0.1:1/jelouapi/v1/external-support/p"
assert_contains "key found, then the network" "integration get:" "$ERR"
case "$ERR" in *"no API key"*) fail "the api-key credential was not read: $ERR" ;; esac
ok "the API key comes from \$CREDENTIALS_DIRECTORY/api-key"
