# The sandbox's media server: HTTPS with a certificate made at start, MIME detection of the
# sample files, byte ranges, refused paths, and an attachment detected end to end.
. "${top_srcdir}/tests/lib.sh"
set -e

media="$top_srcdir/assets/demo/media"
start_mock media --media-dir "$media" --media-cert "$T/ca.pem"
wait_for 10 grep -q '^mock: media on ' "$T/media.out" || {
    cat "$T/media.err" >&2
    fail "mock did not print its media URL"
}
MEDIA_URL=$(sed -n 's/^mock: media on //p' "$T/media.out")
case "$MEDIA_URL" in
https://127.0.0.1:[0-9]*/media/) ;;
*) fail "media URL: '$MEDIA_URL'" ;;
esac
assert_eq "second line of output" "mock: media on $MEDIA_URL" "$(sed -n 2p "$T/media.out")"
assert_eq "certificate file mode" 644 "$(stat -c %a "$T/ca.pem")"
openssl x509 -in "$T/ca.pem" -noout -checkhost localhost -checkip 127.0.0.1 > "$T/names"
assert_eq "certificate names" "Hostname localhost does match certificate
IP 127.0.0.1 does match certificate" "$(cat "$T/names")"
ok "media server on $MEDIA_URL, certificate written 0644"

# check_mime NAME EXPECTED: the exact line `mime` prints for the served file.
check_mime() {
    run_jelou mime --cacert "$T/ca.pem" "$MEDIA_URL$1"
    assert_eq "mime of $1" "0 $2" "$RC $OUT"
}
check_mime photo.jpg "image/jpeg image"
check_mime clip.mp4 "video/mp4 video"
check_mime note.mp3 "audio/mpeg audio"
check_mime guide.pdf "application/pdf document"
run_jelou mime --cacert "$T/ca.pem" "${MEDIA_URL}page.html"
assert_eq "web page exit" 2 "$RC"
assert_eq "web page detected" "text/html none" "$OUT"
assert_eq "web page error" "jelou-console: ${MEDIA_URL}page.html: this URL serves a web page\
 (text/html), not a media file" "$ERR"
ok "sample files detected over HTTPS; the fake gallery page is refused"

run_jelou mime "${MEDIA_URL}photo.jpg"
assert_eq "unknown CA exit" 3 "$RC"
assert_contains "unknown CA error" "certificate" "$ERR"
ok "without --cacert the sandbox certificate is not trusted"

size=$(stat -c %s "$media/photo.jpg")
code=$(curl -sS --cacert "$T/ca.pem" -r 0-99 -D "$T/headers" -o "$T/part" -w '%{http_code}' \
    "${MEDIA_URL}photo.jpg")
assert_eq "ranged GET status" 206 "$code"
head -c 100 "$media/photo.jpg" > "$T/first100"
cmp "$T/first100" "$T/part" || fail "ranged GET did not return the first 100 bytes"
assert_contains "Content-Range" "Content-Range: bytes 0-99/$size" "$(tr -d '\r' < "$T/headers")"
assert_contains "Accept-Ranges" "Accept-Ranges: bytes" "$(tr -d '\r' < "$T/headers")"
code=$(curl -sS --cacert "$T/ca.pem" -r 999999999- -D "$T/headers" -o /dev/null \
    -w '%{http_code}' "${MEDIA_URL}photo.jpg")
assert_eq "unsatisfiable range status" 416 "$code"
assert_contains "416 Content-Range" "Content-Range: bytes */$size" "$(tr -d '\r' < "$T/headers")"
code=$(curl -sS --cacert "$T/ca.pem" -o "$T/whole" -w '%{http_code} %{content_type}' \
    "${MEDIA_URL}photo.jpg")
assert_eq "whole file" "200 image/jpeg" "$code"
cmp "$media/photo.jpg" "$T/whole" || fail "GET did not return the whole file"
code=$(curl -sS --cacert "$T/ca.pem" -I -o "$T/head" -w '%{http_code}' "${MEDIA_URL}clip.mp4")
assert_eq "HEAD status" 200 "$code"
assert_contains "HEAD length" "Content-Length: $(stat -c %s "$media/clip.mp4")" \
    "$(tr -d '\r' < "$T/head")"
ok "206 with exactly the asked bytes, 416 past the end, 200 and HEAD for the whole file"

# --path-as-is: curl would otherwise resolve the dots itself and ask for a harmless path.
# ../media/photo.jpg names a real file: only the name check stands between it and a 200.
base=${MEDIA_URL%/media/}
for p in /media/../README.md /media/../media/photo.jpg /media/..%2Fmedia%2Fphoto.jpg \
    /media/.hidden /media/ /README.md; do
    code=$(curl -sS --path-as-is --cacert "$T/ca.pem" -o /dev/null -w '%{http_code}' "$base$p")
    assert_eq "status of $p" 404 "$code"
done
ok "paths outside the directory and hidden names are 404"

# send --attach without --type/--mime: the probe asks the media server, the webhook gets it.
run_jelou send --cacert "$T/ca.pem" --endpoint "$MOCK_URL" --room r --user u \
    --attach "${MEDIA_URL}photo.jpg" --id media-1 --json
assert_eq "attach exit" 0 "$RC"
assert_eq "attach result" "accepted image" "$(jq -r '"\(.status) \(.type)"' <<< "$OUT")"
assert_eq "attach on the wire" "image image/jpeg ${MEDIA_URL}photo.jpg" \
    "$(jq -rs 'map(select(.verdict == "accepted")) | last | .body | fromjson
        | "\(.value.type) \(.value.content.mime_type) \(.value.content.url)"' "$MOCK_LOG")"
assert_eq "the probe in the log" "GET /media/photo.jpg bytes=0-65535 206" \
    "$(jq -rs 'map(select(.verdict == "media")) | last
        | "\(.method) \(.path) \(.range) \(.status)"' "$MOCK_LOG")"
ok "attach: type and MIME detected from the sandbox's own media"

# A hidden file that exists is still refused; its visible twin is served.
mkdir "$T/www"
cp "$media/photo.jpg" "$T/www/visible.jpg"
cp "$media/photo.jpg" "$T/www/.hidden.jpg"
start_mock hidden --media-dir "$T/www" --media-cert "$T/ca2.pem"
wait_for 10 grep -q '^mock: media on ' "$T/hidden.out" || fail "second mock printed no media URL"
url2=$(sed -n 's/^mock: media on //p' "$T/hidden.out")
assert_eq "visible file" 200 \
    "$(curl -sS --cacert "$T/ca2.pem" -o /dev/null -w '%{http_code}' "${url2}visible.jpg")"
assert_eq "hidden file" 404 \
    "$(curl -sS --cacert "$T/ca2.pem" -o /dev/null -w '%{http_code}' "${url2}.hidden.jpg")"
code=$(curl -s --cacert "$T/ca.pem" -o /dev/null -w '%{http_code}' "${url2}visible.jpg" || true)
assert_eq "each run has its own certificate" "000" "$code"
ok "hidden files are 404; each sandbox run has its own certificate"
