/* HMAC-SHA256 request signatures and random bytes: the only file that includes OpenSSL. */
#include "jelou/sign.h"

#include <limits.h>
#include <stdio.h>
#include <string.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/rand.h>

#include "jelou/xalloc.h"

#define DIGEST_LEN 32
#define PREFIX "sha256="
#define PREFIX_LEN (sizeof PREFIX - 1)

static const char hexdigits[] = "0123456789abcdef";

/* The raw digest. The secret is used as the plain string Jelou shows (it looks like hex but
 * is never decoded). An empty secret is refused: it would make every signature public. */
static int
hmac_raw(const char *secret, const void *body, size_t len, unsigned char md[DIGEST_LEN])
{
    unsigned int mdlen = 0;
    size_t klen;

    if (secret == NULL || (klen = strlen(secret)) == 0 || klen > INT_MAX)
        return -1;
    if (body == NULL && len != 0)
        return -1;
    if (HMAC(EVP_sha256(), secret, (int)klen, body != NULL ? body : (const void *)"", len,
             md, &mdlen) == NULL || mdlen != DIGEST_LEN)
        return -1;
    return 0;
}

int
sign_hmac_hex(const char *secret, const void *body, size_t len, char out[65])
{
    unsigned char md[DIGEST_LEN];

    if (hmac_raw(secret, body, len, md) != 0)
        return -1;
    for (size_t i = 0; i < DIGEST_LEN; i++) {
        out[2 * i] = hexdigits[md[i] >> 4];
        out[2 * i + 1] = hexdigits[md[i] & 0x0f];
    }
    out[2 * DIGEST_LEN] = '\0';
    OPENSSL_cleanse(md, sizeof md);
    return 0;
}

int
sign_header(const char *secret, const void *body, size_t len, char out[SIGN_HEADER_LEN + 1])
{
    memcpy(out, PREFIX, PREFIX_LEN);
    if (sign_hmac_hex(secret, body, len, out + PREFIX_LEN) != 0) {
        out[0] = '\0';
        return -1;
    }
    return 0;
}

static int
hexval(unsigned char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

int
sign_verify(const char *secret, const void *body, size_t len, const char *header)
{
    unsigned char want[DIGEST_LEN], got[DIGEST_LEN];
    int ok;

    if (header == NULL || strncmp(header, PREFIX, PREFIX_LEN) != 0)
        return 0;
    header += PREFIX_LEN;
    if (strlen(header) != 2 * DIGEST_LEN)
        return 0;
    /* Decoding the header may take data-dependent time: it is the sender's own value. Only
     * the comparison with the secret-derived digest has to be constant-time. */
    for (size_t i = 0; i < DIGEST_LEN; i++) {
        int hi = hexval((unsigned char)header[2 * i]);
        int lo = hexval((unsigned char)header[2 * i + 1]);
        if (hi < 0 || lo < 0)
            return 0;
        got[i] = (unsigned char)(hi << 4 | lo);
    }
    if (hmac_raw(secret, body, len, want) != 0)
        return 0;
    ok = CRYPTO_memcmp(want, got, DIGEST_LEN) == 0;
    OPENSSL_cleanse(want, sizeof want);
    return ok;
}

int
sign_random(void *buf, size_t n)
{
    unsigned char *p = buf;

    while (n > 0) {
        int chunk = n > INT_MAX ? INT_MAX : (int)n;
        if (RAND_bytes(p, chunk) != 1)
            return -1;
        p += chunk;
        n -= (size_t)chunk;
    }
    return 0;
}

char *
sign_uuid4(void)
{
    unsigned char b[16];
    char *s;

    /* The header promises a string; NULL only if the system's random source is broken. */
    if (sign_random(b, sizeof b) != 0)
        return NULL;
    b[6] = (unsigned char)((b[6] & 0x0f) | 0x40); /* version 4 */
    b[8] = (unsigned char)((b[8] & 0x3f) | 0x80); /* RFC 4122 variant */
    s = xmalloc(37);
    snprintf(s, 37,
             "%02x%02x%02x%02x-%02x%02x-%02x%02x-%02x%02x-%02x%02x%02x%02x%02x%02x",
             b[0], b[1], b[2], b[3], b[4], b[5], b[6], b[7], b[8], b[9], b[10], b[11],
             b[12], b[13], b[14], b[15]);
    return s;
}
