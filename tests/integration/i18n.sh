# The lower layers' errors and a subcommand's --help in Spanish and Portuguese (a config
# error from settings, a URL refusal, listen --help), and the same commands in English
# under C.UTF-8.
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
