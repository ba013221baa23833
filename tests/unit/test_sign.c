/* Unit tests for sign: HMAC-SHA256 signatures as Jelou computes them, verification, UUIDs. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "jelou/sign.h"

/* A body shaped like the console's outgoing event, and a secret that looks like hex, which
 * Jelou uses as a plain string. Expected values were computed outside this code with:
 *   printf %s "$body" | openssl dgst -sha256 -hmac "$secret"
 * and, for the wrong (hex-decoded) reading of the same secret:
 *   printf %s "$body" | openssl dgst -sha256 -mac HMAC -macopt hexkey:$secret */
static const char jelou_body[] =
    "{\"field\":\"messages\",\"object\":\"message_event\",\"event_type\":\"incoming_message\","
    "\"project_id\":\"P1\",\"room_id\":\"R1\",\"bot_id\":\"B1\",\"user_id\":\"U1\","
    "\"value\":{\"id\":\"M1\",\"type\":\"text\",\"content\":{\"body\":\"Hola\"}}}";
static const char jelou_secret[] = "3f9a0c7d5e1b24680ace13579bdf0246";
static const char jelou_hex[] =
    "4d3d09b1bed12a9130672d6980bff6f69c5d22206e2286abddeecfd9025d1ae2";
static const char jelou_hex_if_decoded[] =
    "dedbff70007d613a08e346f5485bd1ef17571bce3d13d3a15342618a7695e558";
static const char jelou_header[] =
    "sha256=4d3d09b1bed12a9130672d6980bff6f69c5d22206e2286abddeecfd9025d1ae2";

static void
test_rfc4231_case2(void **state)
{
    (void)state;
    const char *data = "what do ya want for nothing?";
    char hex[65];

    assert_int_equal(sign_hmac_hex("Jefe", data, strlen(data), hex), 0);
    assert_string_equal(hex, "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843");
}

static void
test_secret_is_plain_string(void **state)
{
    (void)state;
    char hex[65];

    assert_int_equal(sign_hmac_hex(jelou_secret, jelou_body, strlen(jelou_body), hex), 0);
    assert_string_equal(hex, jelou_hex);
    assert_string_not_equal(hex, jelou_hex_if_decoded);
}

static void
test_signs_exact_length_not_string(void **state)
{
    (void)state;
    char whole[65], part[65];

    /* Signing len bytes, not up to a NUL: a prefix of the body must sign differently. */
    assert_int_equal(sign_hmac_hex("Jefe", "abc\0def", 7, whole), 0);
    assert_int_equal(sign_hmac_hex("Jefe", "abc", 3, part), 0);
    assert_string_not_equal(whole, part);
}

static void
test_header_format(void **state)
{
    (void)state;
    char header[SIGN_HEADER_LEN + 1];

    memset(header, 'x', sizeof header);
    assert_int_equal(sign_header(jelou_secret, jelou_body, strlen(jelou_body), header), 0);
    assert_string_equal(header, jelou_header);
    assert_int_equal(strlen(header), SIGN_HEADER_LEN);
}

static void
test_empty_or_null_secret_refused(void **state)
{
    (void)state;
    char hex[65], header[SIGN_HEADER_LEN + 1];

    assert_int_equal(sign_hmac_hex("", "x", 1, hex), -1);
    assert_int_equal(sign_hmac_hex(NULL, "x", 1, hex), -1);
    assert_int_equal(sign_header(NULL, "x", 1, header), -1);
    assert_int_equal(sign_verify("", "x", 1, "sha256=" "0000000000000000000000000000000000000000"
                                 "000000000000000000000000"), 0);
}

static void
test_empty_body(void **state)
{
    (void)state;
    char hex[65];

    /* printf '' | openssl dgst -sha256 -hmac Jefe */
    assert_int_equal(sign_hmac_hex("Jefe", NULL, 0, hex), 0);
    assert_string_equal(hex, "923598ca6d64af2a5dba79dcd021a8a0fe5c5f557519adaaf0ad532d4506dd30");
}

static void
test_verify_accepts_right(void **state)
{
    (void)state;
    assert_int_equal(sign_verify(jelou_secret, jelou_body, strlen(jelou_body), jelou_header), 1);
}

static void
test_verify_accepts_uppercase_hex(void **state)
{
    (void)state;
    char header[sizeof jelou_header];

    strcpy(header, jelou_header);
    for (char *p = header + 7; *p != '\0'; p++)
        *p = (char)toupper((unsigned char)*p);
    assert_string_equal(header,
        "sha256=4D3D09B1BED12A9130672D6980BFF6F69C5D22206E2286ABDDEECFD9025D1AE2");
    assert_int_equal(sign_verify(jelou_secret, jelou_body, strlen(jelou_body), header), 1);
}

static void
test_verify_rejects_wrong_digit(void **state)
{
    (void)state;
    char header[sizeof jelou_header];

    /* First and last digit, so that an early-exit or prefix-only compare is caught. */
    strcpy(header, jelou_header);
    header[7] = '5';
    assert_int_equal(sign_verify(jelou_secret, jelou_body, strlen(jelou_body), header), 0);
    strcpy(header, jelou_header);
    header[SIGN_HEADER_LEN - 1] = '3';
    assert_int_equal(sign_verify(jelou_secret, jelou_body, strlen(jelou_body), header), 0);
}

static void
test_verify_rejects_wrong_body_or_secret(void **state)
{
    (void)state;
    size_t n = strlen(jelou_body);

    assert_int_equal(sign_verify(jelou_secret, jelou_body, n - 1, jelou_header), 0);
    assert_int_equal(sign_verify("3f9a0c7d5e1b24680ace13579bdf0247", jelou_body, n,
                                 jelou_header), 0);
    assert_int_equal(sign_verify(jelou_secret, jelou_body, n,
                                 "sha256=dedbff70007d613a08e346f5485bd1ef17571bce3d13d3a1534"
                                 "2618a7695e558"), 0);
}

static void
test_verify_rejects_bad_shapes(void **state)
{
    (void)state;
    size_t n = strlen(jelou_body);
    const char *hex = jelou_header + 7;
    char buf[200];

    assert_int_equal(sign_verify(jelou_secret, jelou_body, n, NULL), 0);
    assert_int_equal(sign_verify(jelou_secret, jelou_body, n, ""), 0);
    assert_int_equal(sign_verify(jelou_secret, jelou_body, n, hex), 0);
    snprintf(buf, sizeof buf, "sha1=%s", hex);
    assert_int_equal(sign_verify(jelou_secret, jelou_body, n, buf), 0);
    snprintf(buf, sizeof buf, "SHA256=%s", hex);
    assert_int_equal(sign_verify(jelou_secret, jelou_body, n, buf), 0);
    snprintf(buf, sizeof buf, " sha256=%s", hex);
    assert_int_equal(sign_verify(jelou_secret, jelou_body, n, buf), 0);
    /* short: one digit missing */
    snprintf(buf, sizeof buf, "%.*s", SIGN_HEADER_LEN - 1, jelou_header);
    assert_int_equal(sign_verify(jelou_secret, jelou_body, n, buf), 0);
    /* long: an extra digit, a trailing space, a second copy */
    snprintf(buf, sizeof buf, "%s0", jelou_header);
    assert_int_equal(sign_verify(jelou_secret, jelou_body, n, buf), 0);
    snprintf(buf, sizeof buf, "%s ", jelou_header);
    assert_int_equal(sign_verify(jelou_secret, jelou_body, n, buf), 0);
    snprintf(buf, sizeof buf, "%s%s", jelou_header, hex);
    assert_int_equal(sign_verify(jelou_secret, jelou_body, n, buf), 0);
    /* right length, not hex */
    snprintf(buf, sizeof buf, "%s", jelou_header);
    buf[20] = 'g';
    assert_int_equal(sign_verify(jelou_secret, jelou_body, n, buf), 0);
    assert_int_equal(sign_verify(jelou_secret, jelou_body, n, "sha256="), 0);
}

static void
test_random_fills(void **state)
{
    (void)state;
    unsigned char a[32], b[32], zero[32] = {0};

    memset(a, 0, sizeof a);
    memset(b, 0, sizeof b);
    assert_int_equal(sign_random(a, sizeof a), 0);
    assert_int_equal(sign_random(b, sizeof b), 0);
    assert_memory_not_equal(a, zero, sizeof a);
    assert_memory_not_equal(a, b, sizeof a);
    assert_int_equal(sign_random(a, 0), 0);
}

static void
check_uuid_shape(const char *u)
{
    assert_non_null(u);
    assert_int_equal(strlen(u), 36);
    for (int i = 0; i < 36; i++) {
        if (i == 8 || i == 13 || i == 18 || i == 23)
            assert_int_equal(u[i], '-');
        else
            assert_non_null(strchr("0123456789abcdef", u[i]));
    }
    assert_int_equal(u[14], '4');
    assert_non_null(strchr("89ab", u[19]));
}

static void
test_uuid4(void **state)
{
    (void)state;
    char *a = sign_uuid4();
    char *b = sign_uuid4();

    check_uuid_shape(a);
    check_uuid_shape(b);
    assert_string_not_equal(a, b);
    free(a);
    free(b);
}

static void
test_uuid4_variant_bits_many(void **state)
{
    (void)state;
    /* The nibble masks have to hold for every draw, not just a lucky one. */
    for (int i = 0; i < 200; i++) {
        char *u = sign_uuid4();
        check_uuid_shape(u);
        free(u);
    }
}

static void
test_equal(void **state)
{
    (void)state;
    assert_int_equal(sign_equal("s3cret-token", "s3cret-token"), 1);
    assert_int_equal(sign_equal("", ""), 1);
    assert_int_equal(sign_equal("s3cret-tokex", "s3cret-token"), 0);
    /* A prefix, a longer string and the empty string are all different. */
    assert_int_equal(sign_equal("s3cret", "s3cret-token"), 0);
    assert_int_equal(sign_equal("s3cret-token-and-more", "s3cret-token"), 0);
    assert_int_equal(sign_equal("", "s3cret-token"), 0);
    assert_int_equal(sign_equal(NULL, "s3cret-token"), 0);
    assert_int_equal(sign_equal("s3cret-token", NULL), 0);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_rfc4231_case2),
        cmocka_unit_test(test_secret_is_plain_string),
        cmocka_unit_test(test_signs_exact_length_not_string),
        cmocka_unit_test(test_header_format),
        cmocka_unit_test(test_empty_or_null_secret_refused),
        cmocka_unit_test(test_empty_body),
        cmocka_unit_test(test_verify_accepts_right),
        cmocka_unit_test(test_verify_accepts_uppercase_hex),
        cmocka_unit_test(test_verify_rejects_wrong_digit),
        cmocka_unit_test(test_verify_rejects_wrong_body_or_secret),
        cmocka_unit_test(test_verify_rejects_bad_shapes),
        cmocka_unit_test(test_random_fills),
        cmocka_unit_test(test_uuid4),
        cmocka_unit_test(test_uuid4_variant_bits_many),
        cmocka_unit_test(test_equal),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
