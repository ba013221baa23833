# Layering: curses only in ui/, and each library behind its one wrapper file.
set -u
top=${top_srcdir:-$(cd "$(dirname "$0")/.." && pwd)}
cd "$top" || exit 1
status=0

# Every folder of C code, and the part of it that is the core (no ui/ headers there).
code_dirs="src sandbox include ui"
core_dirs="src sandbox include"

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
only_in 'ini\.h' 'src/settings.c'
only_in 'cjson/|cJSON\.h' 'src/json.c' 'src/message.c' 'src/record.c' 'src/event.c'

# src/ and sandbox/ never reach into ui/.
if grep -rnE '#[[:space:]]*include[[:space:]]*"(\.\./)?ui/' $core_dirs 2>/dev/null; then
    echo "FAIL: the core includes ui/ headers"
    status=1
fi
[ "$status" -eq 0 ] && echo "ok - layering: each library has one wrapper, curses stays in ui/"
exit $status
