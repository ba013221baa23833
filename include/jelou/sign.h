/* HMAC-SHA256 signatures, random bytes, self-signed certificates (the only OpenSSL user). */
#ifndef JELOU_SIGN_H
#define JELOU_SIGN_H

#include <stddef.h>

/* "sha256=" + 64 lowercase hex digits. */
#define SIGN_HEADER_LEN 71

/* Lowercase hex HMAC-SHA256 of body keyed with the secret as a plain string.
 * out receives 64 hex digits and a NUL. Returns 0 or -1. */
/* The plain SHA-256 of data as lowercase hex (what the team server keeps of a token). */
int sign_sha256_hex(const void *data, size_t len, char out[65]);
int sign_hmac_hex(const char *secret, const void *body, size_t len, char out[65]);

/* The X-Jelou-Signature value for body: "sha256=<hex>". Returns 0 or -1. */
int sign_header(const char *secret, const void *body, size_t len,
                char out[SIGN_HEADER_LEN + 1]);

/* 1 if header (as received, may be NULL) is the right signature of body, else 0.
 * The comparison takes the same time wherever the first difference is. */
int sign_verify(const char *secret, const void *body, size_t len, const char *header);

/* 1 if the strings got and want are equal, else 0 (0 when either is NULL), in a time that
 * does not depend on where they differ nor on want's length: for tokens and keys. */
int sign_equal(const char *got, const char *want);

/* Fills buf with n cryptographically random bytes. Returns 0 or -1. */
int sign_random(void *buf, size_t n);

/* A random UUIDv4 string (36 characters), newly allocated. */
char *sign_uuid4(void);

/* A fresh self-signed certificate for the loopback media server: EC P-256, SHA-256,
 * CN=127.0.0.1, subjectAltName IP:127.0.0.1, IP:::1, DNS:localhost, valid from an hour ago
 * for 7 days. It is its own CA (CA:TRUE), so a client can trust exactly this certificate.
 * *cert_pem and *key_pem (PKCS#8, unencrypted) are newly allocated PEM text.
 * Returns 0, or -1 with *cause. */
int sign_selfsigned_cert(char **cert_pem, char **key_pem, char **cause);

#endif
