# MIME detection of local files and of media URLs served over HTTPS on loopback.
. "${top_srcdir}/tests/lib.sh"
set -e

# Sample files made here, byte by byte: a PNG header, a PDF, an HTML page, a big PNG.
printf '\211PNG\r\n\032\n\000\000\000\rIHDR\000\000\000\001\000\000\000\001\010\002\000\000\000\220wS\336' > "$T/photo.png"
printf '%%PDF-1.4\n%%\342\343\317\323\n1 0 obj\n<< /Type /Catalog >>\nendobj\ntrailer\n<< /Root 1 0 R >>\n%%%%EOF\n' > "$T/doc.pdf"
printf '<!DOCTYPE html>\n<html><head><title>x</title></head><body>hola</body></html>\n' > "$T/page.html"
{ cat "$T/photo.png"; head -c 3000000 /dev/zero; } > "$T/big.png"

run_jelou mime "$T/photo.png"
assert_eq "local png" "0 image/png image" "$RC $OUT"
run_jelou mime "$T/doc.pdf"
assert_eq "local pdf" "0 application/pdf document" "$RC $OUT"
run_jelou mime --json "$T/doc.pdf"
assert_eq "local pdf as json" "{\"source\":\"$T/doc.pdf\",\"mime\":\"application/pdf\",\"type\":\"document\",\"server_type\":null,\"bytes\":0,\"http_status\":null,\"error\":null}" "$OUT"
run_jelou mime "$T/page.html"
assert_eq "local html exit" 2 "$RC"
assert_eq "local html detected" "text/html none" "$OUT"
assert_eq "local html error" "jelou-console: $T/page.html: this file is a web page (text/html), not a media file" "$ERR"
run_jelou mime --json "$T/page.html"
assert_eq "local html as json" "2 text/html null true" \
    "$RC $(jq -r '"\(.mime) \(.type) \(.error != null)"' <<< "$OUT")"
run_jelou mime "$T/missing.png"
assert_eq "missing file exit" 2 "$RC"
assert_contains "missing file error" "$T/missing.png" "$ERR"
run_jelou mime http://127.0.0.1/a.png
assert_eq "http URL exit" 2 "$RC"
assert_contains "http URL error" "https://" "$ERR"
ok "local files"

# An HTTPS server on loopback with a certificate made for this run. openssl s_server -WWW
# ignores Range and calls everything text/plain: both are cases the probe must handle.
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -days 1 \
    -subj /CN=127.0.0.1 -addext subjectAltName=IP:127.0.0.1 \
    -keyout "$T/key.pem" -out "$T/cert.pem" 2> /dev/null
mkdir "$T/www"
cp "$T/photo.png" "$T/doc.pdf" "$T/page.html" "$T/big.png" "$T/www/"
https_port=""
for try in 1 2 3 4 5 6 7 8 9 10; do
    p=$(( 20000 + (RANDOM * 7 + try) % 40000 ))
    (cd "$T/www" && exec openssl s_server -quiet -WWW -accept "127.0.0.1:$p" \
        -cert "$T/cert.pem" -key "$T/key.pem") > "$T/https.out" 2>&1 &
    spid=$!
    if wait_for 5 curl -sf --cacert "$T/cert.pem" -o /dev/null "https://127.0.0.1:$p/doc.pdf"; then
        https_port=$p
        PIDS="$PIDS $spid"
        break
    fi
    kill "$spid" 2>/dev/null || true
done
[ -n "$https_port" ] || fail "could not start a local HTTPS server"
base="https://127.0.0.1:$https_port"

run_jelou mime --cacert "$T/cert.pem" "$base/photo.png"
assert_eq "png over https" "0 image/png image (server says text/plain)" "$RC $OUT"
run_jelou mime --cacert "$T/cert.pem" --json "$base/big.png"
assert_eq "big png type" "image/png image text/plain" "$(jq -r '"\(.mime) \(.type) \(.server_type)"' <<< "$OUT")"
bytes=$(jq -r .bytes <<< "$OUT")
[ "$bytes" -gt 0 ] && [ "$bytes" -le 65536 ] || fail "probe of a 3 MB file read $bytes bytes"
ok "URL probe: libmagic wins, server type shown, at most 64 KiB read of a 3 MB file ($bytes bytes)"

run_jelou mime --cacert "$T/cert.pem" "$base/page.html"
assert_eq "web page exit" 2 "$RC"
assert_eq "web page detected" "text/html none" "$OUT"
assert_eq "web page error" "jelou-console: $base/page.html: this URL serves a web page (text/html), not a media file" "$ERR"
run_jelou mime "$base/photo.png"
assert_eq "unknown CA exit" 3 "$RC"
assert_contains "unknown CA error" "certificate" "$ERR"
ok "web pages refused; an unknown CA is refused"

# send --attach without --type/--mime: the probe decides, and the wire says so.
start_mock mime
run_jelou send --cacert "$T/cert.pem" --endpoint "$MOCK_URL" --room r --user u \
    --attach "$base/photo.png" --caption foto --id att-1 --json
assert_eq "attach exit" 0 "$RC"
assert_eq "attach type and content on the wire" \
    "image {\"url\":\"$base/photo.png\",\"mime_type\":\"image/png\",\"caption\":\"foto\"}" \
    "$(logged 1 '.body | fromjson | "\(.value.type) \(.value.content | tojson)"')"
run_jelou send --cacert "$T/cert.pem" --endpoint "$MOCK_URL" --room r --user u \
    --attach "$base/doc.pdf" --filename contrato.pdf --id att-2
assert_eq "attach pdf exit" 0 "$RC"
assert_eq "pdf on the wire" "document application/pdf contrato.pdf" \
    "$(logged 2 '.body | fromjson | "\(.value.type) \(.value.content.mime_type) \(.value.content.filename)"')"
run_jelou send --cacert "$T/cert.pem" --endpoint "$MOCK_URL" --room r --user u \
    --attach "$base/page.html" --type image --id att-3
assert_eq "web page as image exit" 2 "$RC"
assert_eq "web page as image error" "jelou-console: this URL serves a web page (text/html), not a media file" "$ERR"
run_jelou send --cacert "$T/cert.pem" --endpoint "$MOCK_URL" --room r --user u \
    --attach "$base/doc.pdf" --type video --id att-4
assert_eq "pdf as video exit" 2 "$RC"
assert_eq "requests after the refusals" 2 "$(log_lines)"
ok "attach detects type and MIME; contradictions are refused before sending"
