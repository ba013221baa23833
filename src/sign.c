/* HMAC-SHA256 signatures, random bytes and self-signed certificates: the only OpenSSL user. */
#include "jelou/sign.h"

#include <limits.h>
#include <stdio.h>
#include <string.h>

#include <openssl/bio.h>
#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/sha.h>
#include <openssl/pem.h>
#include <openssl/rand.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include "jelou/xalloc.h"

#define DIGEST_LEN 32
#define PREFIX "sha256="
#define PREFIX_LEN (sizeof PREFIX - 1)

/* Long enough for a demo session, short enough that a leaked sandbox certificate soon dies;
 * the hour of back-dating absorbs clock skew between the processes that check it. */
#define CERT_NOT_BEFORE_S (-60L * 60)
#define CERT_NOT_AFTER_S (7L * 24 * 60 * 60)

static const char hexdigits[] = "0123456789abcdef";

/* The raw digest. The secret is used as the plain string Jelou shows (it looks like hex but
 * is never decoded). An empty secret is refused: it would make every signature public. */
static int
hmac_raw(const char *secret, const void *body, size_t len, unsigned char md[DIGEST_LEN])
{
    size_t klen;

    if (secret == NULL || (klen = strlen(secret)) == 0 || klen > INT_MAX)
        return -1;
    if (body == NULL && len != 0)
        return -1;
    /* One keyed context, kept while the secret stays the same: setting up a MAC per message
     * (what one-shot HMAC() does in OpenSSL 3) cost a batch a sixth of its time. */
    static EVP_MAC *mac;
    static EVP_MAC_CTX *ctx;
    static unsigned char keyed[DIGEST_LEN]; /* a hash of the key in use, not the key */
    unsigned char kh[DIGEST_LEN];
    unsigned int khlen = 0;
    if (!EVP_Digest(secret, klen, kh, &khlen, EVP_sha256(), NULL))
        return -1;
    int same = ctx != NULL && CRYPTO_memcmp(kh, keyed, DIGEST_LEN) == 0;
    if (mac == NULL && (mac = EVP_MAC_fetch(NULL, "HMAC", NULL)) == NULL)
        return -1;
    if (ctx == NULL && (ctx = EVP_MAC_CTX_new(mac)) == NULL)
        return -1;
    OSSL_PARAM params[] = {
        OSSL_PARAM_construct_utf8_string("digest", (char *)"SHA256", 0),
        OSSL_PARAM_construct_end(),
    };
    int ok = same ? EVP_MAC_init(ctx, NULL, 0, NULL)
                  : EVP_MAC_init(ctx, (const unsigned char *)secret, klen, params);
    if (!ok) {
        memset(keyed, 0, sizeof keyed);
        return -1;
    }
    memcpy(keyed, kh, sizeof keyed);
    size_t outl = 0;
    if (!EVP_MAC_update(ctx, body != NULL ? body : (const void *)"", len) ||
        !EVP_MAC_final(ctx, md, &outl, DIGEST_LEN) || outl != DIGEST_LEN)
        return -1;
    return 0;
}

int
sign_sha256_hex(const void *data, size_t len, char out[65])
{
    unsigned char md[SHA256_DIGEST_LENGTH];
    if (SHA256(data, len, md) == NULL)
        return -1;
    for (size_t i = 0; i < SHA256_DIGEST_LENGTH; i++) {
        out[2 * i] = hexdigits[md[i] >> 4];
        out[2 * i + 1] = hexdigits[md[i] & 0x0f];
    }
    out[2 * SHA256_DIGEST_LENGTH] = '\0';
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
sign_equal(const char *got, const char *want)
{
    unsigned char a[DIGEST_LEN], b[DIGEST_LEN];
    if (got == NULL || want == NULL)
        return 0;
    size_t gl = strlen(got), wl = strlen(want);
    /* CRYPTO_memcmp wants equal lengths: comparing digests gives that without a loop over
     * either string that an attacker could time. */
    if (!EVP_Digest(got, gl, a, NULL, EVP_sha256(), NULL) ||
        !EVP_Digest(want, wl, b, NULL, EVP_sha256(), NULL))
        return 0;
    return (CRYPTO_memcmp(a, b, DIGEST_LEN) == 0) & (gl == wl);
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

    /* Random bytes come 4 KiB at a time: one RAND_bytes call per id was 7% of a batch. */
    static unsigned char pool[4096];
    static size_t used = sizeof pool;
    if (used + sizeof b > sizeof pool) {
        /* The header promises a string; NULL only if the system's random source is broken. */
        if (sign_random(pool, sizeof pool) != 0)
            return NULL;
        used = 0;
    }
    memcpy(b, pool + used, sizeof b);
    OPENSSL_cleanse(pool + used, sizeof b);
    used += sizeof b;
    b[6] = (unsigned char)((b[6] & 0x0f) | 0x40); /* version 4 */
    b[8] = (unsigned char)((b[8] & 0x3f) | 0x80); /* RFC 4122 variant */
    s = xmalloc(37);
    snprintf(s, 37,
             "%02x%02x%02x%02x-%02x%02x-%02x%02x-%02x%02x-%02x%02x%02x%02x%02x%02x",
             b[0], b[1], b[2], b[3], b[4], b[5], b[6], b[7], b[8], b[9], b[10], b[11],
             b[12], b[13], b[14], b[15]);
    return s;
}

/* A *cause naming what failed and OpenSSL's own reason, and an empty error queue after. */
static int
ssl_fail(char **cause, const char *what)
{
    unsigned long e = ERR_peek_last_error();
    char why[256];

    if (e != 0) {
        ERR_error_string_n(e, why, sizeof why);
        *cause = xasprintf("%s: %s", what, why);
    } else {
        *cause = xstrdup(what);
    }
    ERR_clear_error();
    return -1;
}

static int
add_ext(X509 *x, int nid, const char *value)
{
    X509V3_CTX ctx;
    X509_EXTENSION *ext;
    int ok;

    X509V3_set_ctx_nodb(&ctx);
    X509V3_set_ctx(&ctx, x, x, NULL, NULL, 0);
    ext = X509V3_EXT_conf_nid(NULL, &ctx, nid, value);
    if (ext == NULL)
        return -1;
    ok = X509_add_ext(x, ext, -1);
    X509_EXTENSION_free(ext);
    return ok == 1 ? 0 : -1;
}

/* Positive and at most 20 octets, as RFC 5280 asks of serial numbers. */
static int
set_random_serial(X509 *x)
{
    unsigned char b[16];
    BIGNUM *bn;
    int ok;

    if (sign_random(b, sizeof b) != 0)
        return -1;
    /* Clearing the top bit keeps it positive; setting a low one keeps it from being zero. */
    b[0] &= 0x7f;
    b[0] |= 0x01;
    bn = BN_bin2bn(b, sizeof b, NULL);
    if (bn == NULL)
        return -1;
    ok = BN_to_ASN1_INTEGER(bn, X509_get_serialNumber(x)) != NULL;
    BN_free(bn);
    return ok ? 0 : -1;
}

/* What was written into a memory BIO, as a new string; NULL when nothing was. */
static char *
bio_take(BIO *b)
{
    char *data = NULL;
    long n = BIO_get_mem_data(b, &data);

    if (n <= 0 || data == NULL)
        return NULL;
    return xstrndup(data, (size_t)n);
}

int
sign_selfsigned_cert(char **cert_pem, char **key_pem, char **cause)
{
    EVP_PKEY *key = NULL;
    X509 *x = NULL;
    BIO *cb = NULL, *kb = NULL;
    X509_NAME *name;
    int rc = -1;

    *cert_pem = NULL;
    *key_pem = NULL;
    ERR_clear_error();
    key = EVP_EC_gen("P-256");
    if (key == NULL) {
        ssl_fail(cause, "cannot generate an EC P-256 key");
        goto out;
    }
    x = X509_new();
    if (x == NULL || X509_set_version(x, X509_VERSION_3) != 1 || set_random_serial(x) != 0 ||
        X509_gmtime_adj(X509_getm_notBefore(x), CERT_NOT_BEFORE_S) == NULL ||
        X509_gmtime_adj(X509_getm_notAfter(x), CERT_NOT_AFTER_S) == NULL ||
        X509_set_pubkey(x, key) != 1) {
        ssl_fail(cause, "cannot fill in the certificate");
        goto out;
    }
    name = X509_get_subject_name(x);
    if (X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC,
                                   (const unsigned char *)"127.0.0.1", -1, -1, 0) != 1 ||
        X509_set_issuer_name(x, name) != 1) {
        ssl_fail(cause, "cannot name the certificate");
        goto out;
    }
    /* CA:TRUE because the client trusts this very certificate as its anchor; keyCertSign
     * goes with it, digitalSignature is what an ECDHE-ECDSA handshake uses the key for. */
    if (add_ext(x, NID_basic_constraints, "critical,CA:TRUE") != 0 ||
        add_ext(x, NID_key_usage, "critical,digitalSignature,keyCertSign") != 0 ||
        add_ext(x, NID_ext_key_usage, "serverAuth") != 0 ||
        add_ext(x, NID_subject_key_identifier, "hash") != 0 ||
        add_ext(x, NID_authority_key_identifier, "keyid:always") != 0 ||
        add_ext(x, NID_subject_alt_name, "IP:127.0.0.1,IP:::1,DNS:localhost") != 0) {
        ssl_fail(cause, "cannot add the certificate extensions");
        goto out;
    }
    if (X509_sign(x, key, EVP_sha256()) <= 0) {
        ssl_fail(cause, "cannot sign the certificate");
        goto out;
    }
    cb = BIO_new(BIO_s_mem());
    kb = BIO_new(BIO_s_mem());
    if (cb == NULL || kb == NULL || PEM_write_bio_X509(cb, x) != 1 ||
        PEM_write_bio_PrivateKey(kb, key, NULL, NULL, 0, NULL, NULL) != 1 ||
        (*cert_pem = bio_take(cb)) == NULL || (*key_pem = bio_take(kb)) == NULL) {
        free(*cert_pem);
        *cert_pem = NULL;
        ssl_fail(cause, "cannot write the certificate as PEM");
        goto out;
    }
    rc = 0;
out:
    /* The key's PEM passed through this buffer: do not leave it in freed memory. */
    if (kb != NULL) {
        char *data = NULL;
        long n = BIO_get_mem_data(kb, &data);
        if (n > 0 && data != NULL)
            OPENSSL_cleanse(data, (size_t)n);
    }
    BIO_free(cb);
    BIO_free(kb);
    X509_free(x);
    EVP_PKEY_free(key);
    return rc;
}
