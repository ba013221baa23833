# The lower layers' errors and the subcommands' --help in Spanish and Portuguese (a config
# error from settings, a URL refusal, every --help, usage errors, the demo's self-check),
# the same commands in English under C.UTF-8, and --json the same bytes in every language.
. "${top_srcdir}/tests/lib.sh"
set -e

# gettext ignores LANGUAGE under the C locale (C.UTF-8 included): real ones are needed.
es=$(locale -a 2> /dev/null | grep -ixE 'es_ES\.utf-?8' | head -n 1)
pt=$(locale -a 2> /dev/null | grep -ixE 'pt_BR\.utf-?8' | head -n 1)
if [ -z "$es" ] || [ -z "$pt" ]; then
    echo "SKIP: no es_ES.UTF-8 or pt_BR.UTF-8 locale (scripts/install-deps compiles them)"
    exit 77
fi
command -v msgfmt > /dev/null || fail "msgfmt is not installed (scripts/install-deps)"
for lang in es pt_BR; do
    mkdir -p "$T/locale/$lang/LC_MESSAGES"
    msgfmt -o "$T/locale/$lang/LC_MESSAGES/jelou-console.mo" "$top_srcdir/po/$lang.po"
done
in_es=(env LC_ALL="$es" LANGUAGE=es JELOU_LOCALEDIR="$T/locale")
in_pt=(env LC_ALL="$pt" LANGUAGE=pt_BR JELOU_LOCALEDIR="$T/locale")
in_c=(env LC_ALL=C.UTF-8 JELOU_LOCALEDIR="$T/locale")

# The build tree's own binary finds the build tree's translations (locale/ beside it, made
# by make) without JELOU_LOCALEDIR: the README's ./jelou-console speaks the agent's language.
assert_eq "the build tree's binary, in Spanish, without JELOU_LOCALEDIR" \
    "Uso: jelou-console listen [--listen DIR:PUERTO] [--path P] [--journal ARCHIVO]" \
    "$(env -u JELOU_LOCALEDIR LC_ALL="$es" LANGUAGE=es "$JELOU" listen --help | head -n 1)"
ok "./jelou-console in the build tree speaks the locale's language before make install"

# Runs "$@" and prints its exit status, then its stderr, as one text to compare.
run_err() {
    set +e
    "$@" > "$T/out" 2> "$T/err"
    echo "exit=$?"
    set -e
    cat "$T/err"
}

printf '[jelou]\nattempts = 0\n' > "$T/bad.ini"
config=(send --config "$T/bad.ini" --room r --user u --text hola)
assert_eq "a config error in Spanish" \
    "exit=2
jelou-console: $T/bad.ini:2: attempts debe ser un número entero de 1 a 10" \
    "$(run_err "${in_es[@]}" "$JELOU" "${config[@]}")"
assert_eq "a config error in Portuguese" \
    "exit=2
jelou-console: $T/bad.ini:2: attempts deve ser um número inteiro de 1 a 10" \
    "$(run_err "${in_pt[@]}" "$JELOU" "${config[@]}")"
assert_eq "a config error in English under C.UTF-8" \
    "exit=2
jelou-console: $T/bad.ini:2: attempts must be a whole number from 1 to 10" \
    "$(run_err "${in_c[@]}" "$JELOU" "${config[@]}")"
ok "settings' errors follow the language"

url=(send --endpoint ftp://example.com/hook --project p --bot b --room r --user u --text x)
assert_eq "a URL refusal in Spanish" \
    "exit=2
jelou-console: --endpoint: endpoint: el esquema 'ftp' de la URL no se admite (se esperaba http o https)" \
    "$(run_err "${in_es[@]}" "$JELOU" "${url[@]}")"
assert_eq "a URL refusal in Portuguese" \
    "exit=2
jelou-console: --endpoint: endpoint: o esquema 'ftp' da URL não é suportado (esperado http ou https)" \
    "$(run_err "${in_pt[@]}" "$JELOU" "${url[@]}")"
assert_eq "a URL refusal in English under C.UTF-8" \
    "exit=2
jelou-console: --endpoint: endpoint URL scheme 'ftp' is not supported (expected http or https)" \
    "$(run_err "${in_c[@]}" "$JELOU" "${url[@]}")"
ok "the URL checks' refusals follow the language"

"${in_es[@]}" "$JELOU" listen --help > "$T/help.es"
"${in_pt[@]}" "$JELOU" listen --help > "$T/help.pt"
"${in_c[@]}" "$JELOU" listen --help > "$T/help.c"
assert_eq "listen --help in Spanish" \
    "Uso: jelou-console listen [--listen DIR:PUERTO] [--path P] [--journal ARCHIVO]
                          [--quarantine ARCHIVO] [--token-file RUTA] [--public] [opciones]" \
    "$(head -n 2 "$T/help.es")"
assert_eq "listen --help's options in Spanish" \
    "  --listen DIR:PUERTO   dónde escuchar (por omisión 127.0.0.1:8787; el puerto 0 elige" \
    "$(grep -e '--listen DIR' "$T/help.es" | tail -n 1)"
assert_eq "the shared options in Spanish" "Opciones comunes a todos los comandos:" \
    "$(grep '^Opciones' "$T/help.es")"
assert_eq "listen --help in Portuguese" \
    "Uso: jelou-console listen [--listen END:PORTA] [--path P] [--journal ARQUIVO]
                          [--quarantine ARQUIVO] [--token-file CAMINHO] [--public] [opções]" \
    "$(head -n 2 "$T/help.pt")"
assert_eq "listen --help in English under C.UTF-8" \
    "Usage: jelou-console listen [--listen ADDR:PORT] [--path P] [--journal FILE]
                            [--quarantine FILE] [--token-file PATH] [--public] [options]" \
    "$(head -n 2 "$T/help.c")"
assert_eq "the shared options in English" "Options shared by every command:" \
    "$(grep '^Options shared' "$T/help.c")"
# No translated line is wider than the English help's widest (the default endpoint's).
widest=$(LC_ALL=C.UTF-8 wc -L < "$T/help.c")
for f in "$T/help.es" "$T/help.pt"; do
    w=$(LC_ALL=C.UTF-8 wc -L < "$f")
    [ "$w" -le "$widest" ] || fail "$f has a line of $w columns, wider than English's $widest"
done
ok "listen --help follows the language"

# Machine output keeps its words: --json runs speak English whatever the language.
assert_eq "--json's run stays English" \
    "exit=2
jelou-console: --endpoint: endpoint URL scheme 'ftp' is not supported (expected http or https)" \
    "$(run_err "${in_es[@]}" "$JELOU" "${url[@]}" --json)"
ok "a --json run keeps its English words"

# Every subcommand's --help speaks the language: its first line exactly, and the shared
# options after it where the command takes them; none wider than its English text.
help_first() {
    local lang=$1 cmd=$2 first=$3
    local -n env_=in_$lang
    "${env_[@]}" "$JELOU" $cmd --help > "$T/h.$lang" || fail "$cmd --help failed in $lang"
    assert_eq "$cmd --help in $lang" "$first" "$(head -n 1 "$T/h.$lang")"
    "${in_c[@]}" "$JELOU" $cmd --help > "$T/h.c"
    local widest w
    widest=$(LC_ALL=C.UTF-8 wc -L < "$T/h.c")
    w=$(LC_ALL=C.UTF-8 wc -L < "$T/h.$lang")
    [ "$w" -le "$widest" ] || fail "$cmd --help in $lang has a line of $w columns, English $widest"
}
help_first es send "Uso: jelou-console send --room R --user U --text TEXTO [opciones]"
help_first es "conversation" \
    "Uso: jelou-console conversation start --user U [--message TEXTO] [--json] [opciones]"
help_first es "conversation start" \
    "Uso: jelou-console conversation start --user U [--message TEXTO] [--json] [opciones]"
help_first es doctor "Uso: jelou-console doctor [--json] [opciones]"
help_first es integration "Uso: jelou-console integration get [--json] [opciones]"
help_first es "integration create" "Uso: jelou-console integration get [--json] [opciones]"
help_first es mime "Uso: jelou-console mime [--json] [--cacert RUTA] URL|RUTA"
help_first es mock "Uso: jelou-console mock [--listen DIR:PUERTO] [--log ARCHIVO] [--fail-first N]"
help_first es setup "Uso: jelou-console setup [--webhook-url URL] [--force] [opciones]"
help_first es serve "Uso: jelou-console serve --redis URL [--listen DIR:PUERTO] [--public]"
help_first es agent "Uso: jelou-console agent add NOMBRE [--token-file ARCHIVO] [--redis URL]"
help_first pt send "Uso: jelou-console send --room R --user U --text TEXTO [opções]"
help_first pt setup "Uso: jelou-console setup [--webhook-url URL] [--force] [opções]"
help_first pt serve "Uso: jelou-console serve --redis URL [--listen END:PORTA] [--public]"
help_first pt agent "Uso: jelou-console agent add NOME [--token-file ARQUIVO] [--redis URL]"
ok "every subcommand's --help follows the language"

# A characteristic line of each text, the shared options once after the commands that take
# them (conversation and integration print them through their action word too).
"${in_es[@]}" "$JELOU" send --help > "$T/h.send"
assert_eq "send's --parallel in Spanish" \
    "  --parallel N       mensajes en curso a la vez en un lote (por omisión 8, 1..1024);" \
    "$(grep -e '--parallel N ' "$T/h.send")"
assert_eq "send's exit status after the shared options" \
    "Opciones comunes a todos los comandos:
Código de salida: 0 enviado (2xx), 1 rechazado o fallido tras los reintentos, o" \
    "$(grep -e '^Opciones comunes' -e '^Código de salida' "$T/h.send")"
for cmd in conversation "conversation get" doctor integration "integration delete" setup serve; do
    "${in_es[@]}" "$JELOU" $cmd --help > "$T/h.cmd"
    assert_eq "$cmd --help: the shared options once, in Spanish" 1 \
        "$(grep -c '^Opciones comunes a todos los comandos:$' "$T/h.cmd")"
done
"${in_pt[@]}" "$JELOU" doctor --help > "$T/h.doctor"
assert_eq "doctor's exit codes in Portuguese" \
    "Códigos de saída: 0 tudo certo, 1 uma verificação falhou, 2 opções inválidas." \
    "$(grep '^Códigos' "$T/h.doctor")"
"${in_c[@]}" "$JELOU" serve --help > "$T/h.serve"
assert_eq "serve --help in English under C.UTF-8, then the shared options" \
    "Usage: jelou-console serve --redis URL [--listen ADDR:PORT] [--public]
Options shared by every command:" \
    "$(grep -e '^Usage' -e '^Options shared' "$T/h.serve")"
ok "the subcommands' help texts are whole in each language"

# Usage errors: in the language, exit 2, nothing sent.
assert_eq "send's usage error in Spanish" \
    "exit=2
jelou-console: nada que enviar: usa --text TEXTO o --attach URL (mira --help)" \
    "$(run_err "${in_es[@]}" "$JELOU" send --room r --user u)"
assert_eq "send's usage error in Portuguese" \
    "exit=2
jelou-console: nada para enviar: use --text TEXTO ou --attach URL (veja --help)" \
    "$(run_err "${in_pt[@]}" "$JELOU" send --room r --user u)"
assert_eq "agent's usage error in Spanish" \
    "exit=2
jelou-console: agent: indica add NOMBRE, list o revoke NOMBRE; mira 'jelou-console agent --help'" \
    "$(run_err "${in_es[@]}" "$JELOU" agent)"
assert_eq "serve's usage error in Spanish" \
    "exit=2
jelou-console: serve: --tls-cert y --tls-key van juntos" \
    "$(run_err "${in_es[@]}" "$JELOU" serve --redis redis://127.0.0.1:1 --tls-cert x.pem)"
assert_eq "setup's usage error in Spanish" \
    "exit=2
jelou-console: setup --non-interactive: falta el id del bot: usa --bot ID" \
    "$(run_err "${in_es[@]}" env -u JELOU_BOT_ID "$JELOU" setup --non-interactive \
        --webhook-url https://hooks.example.com/jelou)"
assert_eq "an unknown action word in Spanish" \
    "exit=2
jelou-console: conversation: indica start, close o get (se recibió 'bogus'); consulta 'jelou-console conversation --help'" \
    "$(run_err "${in_es[@]}" "$JELOU" conversation bogus)"
ok "usage errors follow the language, exit 2"

# The demo's self-check reads in the language; its exit status does not change.
set +e
"${in_es[@]}" "$JELOU" --demo < /dev/null > "$T/demo.es" 2> "$T/demo.err"
rc=$?
set -e
assert_eq "the demo's exit status in Spanish" 0 "$rc"
assert_eq "the demo's summary in Spanish" \
    "5 de 5 aceptados por el sandbox (5 pedidos verificados)" "$(tail -n 1 "$T/demo.es")"
ok "the demo's self-check follows the language"

# A send's --json is the same bytes whatever the language, accepted or failed.
start_mock i18n --fail-first 2 --fail-status 503
send_json() {
    "$@" "$JELOU" send --endpoint "$MOCK_URL" --room room-1 --user user-1 --text hola \
        --id "$ID" --attempts 1 --json 2> /dev/null || true
}
ID=i18n-failed
failed_es=$(send_json "${in_es[@]}")
ID=i18n-failed-c
failed_c=$(send_json "${in_c[@]}")
assert_eq "a failed send's --json in Spanish and C" "${failed_c//i18n-failed-c/i18n-failed}" \
    "$failed_es"
assert_contains "the failed result says so" '"status":"failed","http_status":503' "$failed_es"
ID=i18n-ok
ok_es=$(send_json "${in_es[@]}")
ID=i18n-ok-c
ok_c=$(send_json "${in_c[@]}")
assert_eq "an accepted send's --json in Spanish and C" "${ok_c//i18n-ok-c/i18n-ok}" "$ok_es"
assert_contains "the accepted result says so" '"status":"accepted","http_status":200' "$ok_es"
stop_mock
ok "--json output is byte-identical in Spanish and under C"
