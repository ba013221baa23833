# The demo in Spanish (LANGUAGE=es under a UTF-8 locale): the rooms pane, the status line,
# the user pane with WhatsApp's window, the help overlay built from the tables and an error,
# row by row at 80 and 100 columns; the wire and the journals stay the same.
. "${top_srcdir}/tests/e2e/lib-e2e.sh"
set -e

# gettext ignores LANGUAGE under the C locale (C.UTF-8 included): a real one is needed.
loc=$(locale -a 2> /dev/null | grep -ixE 'es_ES\.utf-?8' | head -n 1)
if [ -z "$loc" ]; then
    echo "SKIP: no es_ES.UTF-8 locale (scripts/install-deps compiles it with localedef)"
    exit 77
fi
command -v msgfmt > /dev/null || fail "msgfmt is not installed (scripts/install-deps)"
mkdir -p "$T/locale/es/LC_MESSAGES"
msgfmt -o "$T/locale/es/LC_MESSAGES/jelou-console.mo" "$top_srcdir/po/es.po"

secret=$JELOU_SIGNING_SECRET
unset JELOU_SIGNING_SECRET JELOU_PROJECT_ID JELOU_BOT_ID
mkdir -p "$T/share"
cp -r "$top_srcdir/assets/demo" "$T/share/demo"
cp "$top_srcdir/assets/replies.example" "$T/share/"
rm "$T/share/demo/script.jsonl"
E2E_ENV="LANG=$loc LC_ALL=$loc LANGUAGE=es JELOU_LOCALEDIR=$T/locale"
E2E_ENV="$E2E_ENV JELOU_DEMO_DIR=$T/share/demo"
console_start 24 80 --demo
wait_screen "Salas (3)"
assert_rows 1 4 <<'SCREEN'
Salas (3) · espera  │ Ana Pérez · sala demo-room-ana
▸1 Ana Pérez     10m│
 2 Kenji 健二  +1 3m│
 3 Lucía Góme DD Mon│
SCREEN
ok "rooms pane in Spanish, the earlier day's date masked in Spanish"

type_text "Hola Ana, ya lo reviso"
keys Enter
wait_screen "HH:MM Tú  aceptado 200"
assert_rows 20 24 <<'SCREEN'
                    │ HH:MM Tú  aceptado 200
                    │   Hola Ana, ya lo reviso
 Para Ana Pérez · usuario demo-user-ana · sala demo-room-ana
>
 sandbox de demostración · conexión ok · salida 0       F1 ayuda · F2 historial
SCREEN
ok "a reply, the recipient line and the status line in Spanish"

# An error in the status bar; the draft stays.
type_text "/frobnicate ya"
keys Enter
wait_screen "comando desconocido /frobnicate; /help los muestra"
assert_rows 23 24 <<'SCREEN'
> /frobnicate ya
 comando desconocido /frobnicate; /help los muestra     F1 ayuda · F2 historial
SCREEN
keys C-u
ok "an unknown command's error in Spanish"

keys F1
wait_screen "Ayuda · Esc cierra"
assert_rows 1 18 <<'SCREEN'
 Ayuda · Esc cierra

 Teclas
   Enter            enviar el borrador (o el adjunto confirmado)
   Alt-Enter, C-j   nueva línea en el borrador
   C-a C-e C-b C-f  inicio/fin de línea, un carácter atrás/adelante
   Alt-b Alt-f      una palabra atrás/adelante
   C-w C-u C-k C-y  borrar palabra / hasta inicio / hasta fin, pegar lo borrado
   C-_              deshacer
   Up Down          textos ya enviados (borrador vacío), o moverse entre líneas
   C-n C-p, Alt-1-9 sala siguiente/anterior, sala por número
   PgUp PgDn        desplazar la conversación (tras el inicio, las del disco)
   Tab, Alt-u       mostrar/ocultar el panel del usuario (Tab completa /reply)
   C-x C-e          editar el borrador en $EDITOR
   F1               esta ayuda        F2  historial        C-l  redibujar
   C-c              salir (pregunta si aún hay mensajes enviándose)
   Alt-v            modo equipo: siguiente vista del panel de salas
 Comandos
SCREEN
assert_rows 24 24 <<'SCREEN'
 sandbox de demostración · conexión ok · salida 0                    Esc volver
SCREEN
keys Escape
wait_screen "F1 ayuda · F2 historial"
ok "the help overlay from the tables, in Spanish, aligned at 80 columns"

# At 100 columns the user pane shows, with Lucía's window about to close.
keys M-3
wait_screen "Para Lucía Gómez"
tm resize-window -t console -x 100 -y 24
wait_screen "Usuario"
# The user pane is what follows the second border of each row.
screen | sed -n '3,13p' | sed -E 's/^([^│]*│){2}//' > "$T/pane"
# Lucía wrote 23 h 36 m 40 s before the demo started: minutes may tick on a slow machine.
grep -qE '23h3[6-9]m' "$T/pane" ||
    fail "last message time: $(cat "$T/pane")"
grep -qE '^ cierra en (2[0-4])m$' "$T/pane" || fail "window: $(cat "$T/pane")"
sed -i -E 's/23h3[0-9]m/23hMMm/; s/cierra en [0-9]+m/cierra en NNm/' "$T/pane"
assert_eq "user pane" "$(cat <<'PANE'
 Lucía Gómez
 usuario demo-user-lucia
 sala    demo-room-lucia
 bot     demo-bot
 proy.   demo-project
 estado  activa
 últ.msj DD Mon (23hMMm)
 cierra en NNm
 msjs    2 rec. · 2 env.
 medios  1 enviados
PANE
)" "$(sed 's/[[:space:]]*$//' "$T/pane" | sed '$d')"
ok "the user pane in Spanish with the window closing"

keys C-c
wait_for 10 grep -q '^exit=' "$T/console.err" || fail "the console did not quit"
assert_eq "exit" "exit=0" "$(cat "$T/console.err")"
ok "quits cleanly"

# Machine output does not follow the language; what send tells a person does.
export JELOU_SIGNING_SECRET=$secret
start_mock jelou
es_env=(env LANG="$loc" LC_ALL="$loc" LANGUAGE=es JELOU_LOCALEDIR="$T/locale")
long=$(head -c 4097 /dev/zero | tr '\0' 'a')
set +e
"${es_env[@]}" "$JELOU" send --endpoint "$MOCK_URL" --project p --bot b --room r --user u \
    --id es-1 --text "$long" > "$T/out" 2> "$T/err"
rc=$?
"${es_env[@]}" "$JELOU" send --endpoint "$MOCK_URL" --project p --bot b --room r --user u \
    --id es-2 --text hola --json > "$T/json" 2> "$T/json.err"
set -e
assert_eq "send exit" 0 "$rc"
assert_eq "send's line for a person, in Spanish" \
    "aceptado 200: mensaje text es-1 a la sala r, usuario u (1 intento)" "$(cat "$T/out")"
assert_eq "the warning, in Spanish" \
    "send: aviso: texto de 4097 caracteres: WhatsApp acepta como máximo 4096" "$(cat "$T/err")"
assert_eq "--json keeps its words" \
    '{"id":"es-2","room":"r","user":"u","type":"text","status":"accepted","http_status":200,"attempts":1,"error":null}' \
    "$(cat "$T/json")"
assert_eq "the mock's log keeps its words" "accepted accepted" \
    "$(jq -r .verdict < "$MOCK_LOG" | tr '\n' ' ' | sed 's/ $//')"
ok "send speaks Spanish to people; --json and the mock's log do not change"
