# WhatsApp's size and media rules in `send`: a warning on stderr, never a refusal (exit 0,
# the message goes, stdout and --json unchanged); --quiet silences it; batch lines say which.
. "${top_srcdir}/tests/lib.sh"
set -e

# Media WhatsApp would refuse, made byte by byte so that libmagic knows each one.
media="$T/media"
mkdir -p "$media"
cp "$top_srcdir/assets/demo/media/photo.jpg" "$media/"
printf 'GIF89a\001\000\001\000\200\000\000\000\000\000\377\377\377!\371\004\001\000\000\000\000,\000\000\000\000\001\000\001\000\000\002\002D\001\000;' > "$media/anim.gif"
printf 'RIFF\044\000\000\000WEBPVP8 \030\000\000\000\060\001\000\235\001\052\001\000\001\000\002\000\064\045\244\000\003\160\000\376\373\224\000\000' > "$media/sticker.webp"
printf '\032\105\337\243\237\102\206\201\001\102\367\201\001\102\362\201\004\102\363\201\010\102\202\204webm\102\207\201\002\102\205\201\002' > "$media/clip.webm"
# ogg FORMAT: one Ogg page (header, one segment) around the payload printf FORMAT makes.
ogg() {
    printf "$1" > "$T/payload"
    printf 'OggS\000\002\000\000\000\000\000\000\000\000\322\004\000\000\000\000\000\000\000\000\000\000\001'
    printf "\\$(printf '%03o' "$(wc -c < "$T/payload")")"
    cat "$T/payload"
    head -c 300 /dev/zero
}
ogg '\001vorbis\000\000\000\000\002\104\254\000\000' > "$media/song.ogg"
ogg 'OpusHead\001\002\070\001\200\273\000\000\000\000\000' > "$media/voice.ogg"
# A JPEG of 6 MB: a real start, then zeros, so that only the size is wrong.
{ cat "$media/photo.jpg"; head -c $((6 * 1024 * 1024)) /dev/zero; } > "$media/big.jpg"
# The files are what they claim to be, or the warnings below would prove nothing.
for f in "anim.gif image/gif" "sticker.webp image/webp" "clip.webm video/webm" \
    "song.ogg audio/ogg" "voice.ogg audio/ogg" "big.jpg image/jpeg"; do
    set -- $f
    assert_eq "libmagic on $1" "$2" "$(file -b --mime-type "$media/$1")"
done
file -b "$media/song.ogg" | grep -q Vorbis || fail "song.ogg is not Vorbis"
file -b "$media/voice.ogg" | grep -q Opus || fail "voice.ogg is not Opus"

start_mock media --media-dir "$media" --media-cert "$T/ca.pem"
wait_for 10 grep -q '^mock: media on ' "$T/media.out" || fail "mock did not print its media URL"
M=$(sed -n 's/^mock: media on //p' "$T/media.out")
S=(--endpoint "$MOCK_URL" --cacert "$T/ca.pem" --room room-1 --user user-1)

long=$(head -c 4097 /dev/zero | tr '\0' 'a')
run_jelou send "${S[@]}" --id t-1 --text "$long"
assert_eq "long text: sent" 0 "$RC"
assert_eq "long text: result line" \
    "accepted 200: text message t-1 to room room-1, user user-1 (1 attempt)" "$OUT"
assert_eq "long text: warning" \
    "send: warning: text of 4097 characters: WhatsApp takes at most 4096" "$ERR"
assert_eq "the long text went whole" 4097 \
    "$(logged "$(log_lines)" '.body | fromjson | .value.content.body | length')"
run_jelou send "${S[@]}" --id t-2 --text "$(head -c 4096 /dev/zero | tr '\0' 'b')"
assert_eq "4096 characters: no warning" "0 " "$RC $ERR"
run_jelou send "${S[@]}" --id t-3 --quiet --text "$long"
assert_eq "--quiet: sent, nothing on stderr" "0 " "$RC $ERR"
ok "a text over 4,096 characters is sent with a warning; --quiet silences it"

# check_attach NAME TYPE WARNING [ARGS...]: sent (exit 0) with exactly that warning.
check_attach() {
    local name=$1 type=$2 want=$3
    shift 3
    run_jelou send "${S[@]}" --attach "$M$name" --type "$type" "$@"
    assert_eq "$name as $type: sent" 0 "$RC"
    assert_eq "$name as $type: stderr" "$want" "$ERR"
}
check_attach anim.gif image \
    "send: warning: WhatsApp does not take image/gif as an image"
check_attach sticker.webp image \
    "send: warning: WhatsApp shows image/webp as a sticker, not an image"
check_attach clip.webm video \
    "send: warning: WhatsApp does not take video/webm as a video"
check_attach song.ogg audio "send: warning: WhatsApp plays Ogg audio only with the Opus codec"
check_attach voice.ogg audio ""
check_attach photo.jpg image ""
check_attach big.jpg image "send: warning: image of $(stat -c %s "$media/big.jpg") bytes:\
 WhatsApp takes at most 5 MB"
check_attach photo.jpg image \
    "send: warning: caption of 1025 characters: WhatsApp takes at most 1024" \
    --caption "$(head -c 1025 /dev/zero | tr '\0' 'c')"
check_attach anim.gif image "" --quiet
ok "GIF and WebP as images, WebM, Vorbis and a 6 MB image warn; Opus and a JPEG do not"

run_jelou send "${S[@]}" --attach "${M}anim.gif" --type image --id t-9 --json
assert_eq "--json unchanged by the warning" \
    '{"id":"t-9","room":"room-1","user":"user-1","type":"image","status":"accepted","http_status":200,"attempts":1,"error":null}' \
    "$OUT"
ok "--json stays machine output; the warning is on stderr"

printf '%s\n' '{"room":"r","user":"u","type":"text","text":"hola","id":"b-1"}' \
    "{\"room\":\"r\",\"user\":\"u\",\"type\":\"image\",\"url\":\"${M}anim.gif\",\"id\":\"b-2\"}" \
    > "$T/batch"
run_jelou send --endpoint "$MOCK_URL" --cacert "$T/ca.pem" --batch "$T/batch"
assert_eq "batch: sent" 0 "$RC"
assert_eq "batch: the warning names its line" \
    "send: line 2: warning: WhatsApp does not take image/gif as an image" "$ERR"
ok "batch warnings name their input line"
