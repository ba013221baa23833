# Layering: the layers of docs/HACKING.md point one way, no include cycle anywhere, curses
# only in ui/, and each library behind its one wrapper file.
set -u
top=${top_srcdir:-$(cd "$(dirname "$0")/.." && pwd)}
cd "$top" || exit 1
status=0
code_dirs="src sandbox serve include ui cli"

# The core's layers, lowest first; a module is a src/NAME.c with its include/jelou/NAME.h.
# Above them: the two servers side by side, sandbox/ (with mock.h, demo.h) and serve/ (with
# serve.h), then ui/, cli/. A file may include its own layer and those below it, never one
# above; the two servers never include each other.
layer_base="xalloc cause clock utf8 idmap paths atomic text i18n"
layer_wire="url sse sign json message record event whatsapp"
layer_io="loop transport httpd redis mime probe settings editor"
layer_jelou="outbox journal history inbound rest team teamlink"
layer_model="session restore layout editbuf slash replies catalog window inbox"
layer_names="base wire io jelou model sandbox/serve ui cli"

rank_of_module() { # NAME: prints the rank (0..4) of a core module, or nothing
    local r=0 l m
    for l in "$layer_base" "$layer_wire" "$layer_io" "$layer_jelou" "$layer_model"; do
        for m in $l; do
            [ "$m" = "$1" ] && { echo "$r"; return; }
        done
        r=$((r + 1))
    done
}

rank_of_file() { # PATH: the rank of a file of the tree (5 sandbox and serve, 6 ui, 7 cli)
    local f=$1 m
    case "$f" in
    sandbox/* | include/jelou/mock.h | include/jelou/demo.h) echo 5 ;;
    serve/* | include/jelou/serve.h) echo 5 ;;
    ui/*) echo 6 ;;
    cli/*) echo 7 ;;
    src/* | include/jelou/*)
        m=$(basename "$f"); m=${m%.[ch]}
        rank_of_module "$m" ;;
    esac
}

server_of() { # PATH: which of the two servers at rank 5 a file belongs to, or nothing
    case "$1" in
    sandbox/* | include/jelou/mock.h | include/jelou/demo.h) echo sandbox ;;
    serve/* | include/jelou/serve.h) echo serve ;;
    esac
}

name_of_rank() { set -- $layer_names; shift "$1"; echo "$1"; }

# resolve FILE INCLUDED: the path of a quoted include as the build finds it (-I include,
# the file's own folder, and -I ui for cli/).
resolve() {
    local dir=${1%/*} inc=$2
    case "$inc" in
    jelou/*) echo "include/$inc" ;;
    *) if [ -f "$dir/$inc" ]; then echo "$dir/$inc"
       elif [ -f "ui/$inc" ]; then echo "ui/$inc"
       else echo "?/$inc"; fi ;;
    esac
}

module_of() { # PATH: one node per module (a .c and its .h are one)
    case "$1" in
    include/jelou/*) local m=${1#include/jelou/}; m=${m%.h}
        case "$m" in mock | demo) echo "sandbox/$m" ;; serve) echo "serve/serve" ;;
        *) echo "src/$m" ;; esac ;;
    *) echo "${1%.[ch]}" ;;
    esac
}

edges="$(mktemp)"
trap 'rm -f "$edges"' EXIT
for f in $(find $code_dirs -name '*.[ch]' | sort); do
    rf=$(rank_of_file "$f")
    if [ -z "$rf" ]; then
        echo "FAIL: $f is in no layer: add its module to a layer in tests/layering.sh"
        status=1
        continue
    fi
    for inc in $(sed -n 's/^#[[:space:]]*include[[:space:]]*"\([^"]*\)".*/\1/p' "$f"); do
        d=$(resolve "$f" "$inc")
        rd=$(rank_of_file "$d")
        if [ -z "$rd" ]; then
            echo "FAIL: $f includes \"$inc\", which is in no layer"
            status=1
        elif [ "$rd" -gt "$rf" ]; then
            echo "FAIL: $f ($(name_of_rank "$rf")) includes $d ($(name_of_rank "$rd")):" \
                "layers point one way"
            status=1
        fi
        sf=$(server_of "$f") sd=$(server_of "$d")
        if [ -n "$sf" ] && [ -n "$sd" ] && [ "$sf" != "$sd" ]; then
            echo "FAIL: $f ($sf/) includes $d ($sd/): the two servers stand side by side"
            status=1
        fi
        a=$(module_of "$f") b=$(module_of "$d")
        [ "$a" != "$b" ] && echo "$a $b" >> "$edges"
    done
done
# A cycle inside one layer is as bad as one across layers: tsort names it.
if ! tsort "$edges" > /dev/null 2> "$edges.err"; then
    echo "FAIL: include cycle among modules:"
    sed -n 's/^tsort: //p' "$edges.err" | grep -v 'input contains a loop' | sed 's/^/    /'
    status=1
fi
rm -f "$edges.err"

# only_in PATTERN ALLOWED...: files under $code_dirs that include PATTERN must be allowed.
only_in() {
    local pattern=$1
    shift
    local f allowed a
    for f in $(grep -rlE "#[[:space:]]*include[[:space:]]*[<\"]($pattern)" $code_dirs 2>/dev/null); do
        allowed=0
        for a in "$@"; do
            case "$f" in $a) allowed=1 ;; esac
        done
        if [ "$allowed" -eq 0 ]; then
            echo "FAIL: $f includes $pattern (allowed only in: $*)"
            status=1
        fi
    done
}

only_in 'n?curses(w)?\.h|ncursesw/' 'ui/term_curses.c'
only_in 'curl/' 'src/transport.c'
only_in 'openssl/' 'src/sign.c'
only_in 'magic\.h' 'src/mime.c'
only_in 'microhttpd\.h' 'src/httpd.c'
only_in 'hiredis/' 'src/redis.c'
only_in 'ini\.h' 'src/settings.c'
only_in 'cjson/|cJSON\.h' 'src/json.c' 'src/message.c' 'src/record.c' 'src/event.c'

[ "$status" -eq 0 ] && echo "ok - layering: layers point one way, no include cycle, each" \
    "library has one wrapper, curses stays in ui/"
exit $status
