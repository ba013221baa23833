/* Unit tests for text: display widths, fitting, sanitizing remote text, and word wrap. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <locale.h>
#include <stdlib.h>
#include <string.h>
#include <wchar.h>

#include "jelou/text.h"
#include "jelou/xalloc.h"

#define FFFD "\xef\xbf\xbd"

static int
width_of(const char *s)
{
    return text_width(s, strlen(s));
}

static void
assert_sanitized(const char *in, size_t n, int keep, const char *want)
{
    char *out = text_sanitize(in, n, keep);
    assert_string_equal(out, want);
    free(out);
}

#define SANITIZES(in, keep, want) assert_sanitized(in, sizeof(in) - 1, keep, want)

static void
test_width_ascii(void **state)
{
    (void)state;
    assert_int_equal(width_of("hello"), 5);
    assert_int_equal(width_of(""), 0);
    assert_int_equal(text_width("hello", 3), 3);
    assert_int_equal(text_char_len("hello", 5), 1);
    assert_int_equal(text_char_len("", 0), 0);
}

static void
test_width_accent_and_combining(void **state)
{
    (void)state;
    /* é precomposed: two bytes, one column. */
    assert_int_equal(width_of("\xc3\xa9"), 1);
    assert_int_equal(text_char_len("\xc3\xa9", 2), 2);
    /* e + U+0301 COMBINING ACUTE: the mark takes no column. */
    assert_int_equal(width_of("e\xcc\x81"), 1);
    assert_int_equal(width_of("\xcc\x81"), 0);
    assert_int_equal(text_char_len("\xcc\x81", 2), 2);
}

/* Clusters take the columns tmux 3.3 gives them: a ZWJ joins the next non-ASCII character
 * into the cell of the one before. */
static void
test_width_clusters(void **state)
{
    (void)state;
    const char *family = "\xf0\x9f\x91\xa8\xe2\x80\x8d\xf0\x9f\x91\xa9\xe2\x80\x8d"
                         "\xf0\x9f\x91\xa7\xe2\x80\x8d\xf0\x9f\x91\xa6";
    const char *rainbow = "\xf0\x9f\x8f\xb3\xef\xb8\x8f\xe2\x80\x8d\xf0\x9f\x8c\x88";
    assert_int_equal(width_of(family), 2);
    assert_int_equal(width_of(rainbow), 1);
    assert_int_equal(width_of("a\xe2\x80\x8d" "b"), 2);           /* ASCII is never joined */
    assert_int_equal(width_of("\xe5\x81\xa5\xe2\x80\x8d\xe4\xba\x8c"), 2); /* 健ZWJ二 */
    assert_int_equal(width_of("\xf0\x9f\x91\x8d\xf0\x9f\x8f\xbd"), 4); /* 👍 + skin tone */
    int w;
    size_t shown;
    assert_int_equal(text_cluster(family, strlen(family), &w, &shown), strlen(family));
    assert_int_equal(w, 2);
    /* A cell holds five characters, never ending on a ZWJ: man, ZWJ, woman, ZWJ, girl. */
    assert_int_equal(shown, 18);
    assert_int_equal(text_cluster(rainbow, strlen(rainbow), &w, &shown), strlen(rainbow));
    assert_int_equal(shown, strlen(rainbow));
    /* Fitting never splits a cluster: the family goes whole or not at all. */
    char *s = xasprintf("ab%sc", family);
    int used;
    assert_int_equal(text_fit(s, strlen(s), 3, &used), 2);
    assert_int_equal(used, 2);
    assert_int_equal(text_fit(s, strlen(s), 4, &used), 2 + strlen(family));
    assert_int_equal(used, 4);
    free(s);
}

static void
test_width_wide(void **state)
{
    (void)state;
    assert_int_equal(width_of("\xe6\xbc\xa2"), 2);            /* 漢 */
    assert_int_equal(text_char_len("\xe6\xbc\xa2", 3), 3);
    assert_int_equal(width_of("\xf0\x9f\x99\x82"), 2);        /* 🙂 */
    assert_int_equal(text_char_len("\xf0\x9f\x99\x82", 4), 4);
    assert_int_equal(width_of("a\xe6\xbc\xa2" "b\xf0\x9f\x99\x82"), 6);
}

static void
test_width_invalid(void **state)
{
    (void)state;
    /* Each bad byte is a character of its own, one column wide. */
    assert_int_equal(width_of("\xff"), 1);
    assert_int_equal(text_char_len("\xff", 1), 1);
    assert_int_equal(width_of("\x80\x80"), 2);
    /* A truncated 漢: two bytes, two columns, and the length stops at the first. */
    assert_int_equal(text_width("\xe6\xbc", 2), 2);
    assert_int_equal(text_char_len("\xe6\xbc", 2), 1);
    /* Cut off by n, not by the string. */
    assert_int_equal(text_char_len("\xe6\xbc\xa2", 2), 1);
    /* Overlong '/', a UTF-16 surrogate, and a code point above U+10FFFF. */
    assert_int_equal(width_of("\xc0\xaf"), 2);
    assert_int_equal(text_char_len("\xc0\xaf", 2), 1);
    assert_int_equal(width_of("\xed\xa0\x80"), 3);
    assert_int_equal(text_char_len("\xed\xa0\x80", 3), 1);
    assert_int_equal(width_of("\xf4\x90\x80\x80"), 4);
    /* A lead byte followed by ASCII: the ASCII survives as its own character. */
    assert_int_equal(text_char_len("\xc3" "a", 2), 1);
    assert_int_equal(width_of("\xc3" "a"), 2);
}

static void
test_width_controls(void **state)
{
    (void)state;
    /* Drawn as U+FFFD, so measured as one column even where wcwidth says -1 or 0. */
    assert_int_equal(width_of("\x1b"), 1);
    assert_int_equal(width_of("\t"), 1);
    assert_int_equal(width_of("\x7f"), 1);
    assert_int_equal(width_of("\xc2\x9b"), 1);
    assert_int_equal(width_of("\xe2\x80\xae"), 1);
    assert_int_equal(text_width("a\0b", 3), 3);
}

static void
test_fit(void **state)
{
    int used = -1;
    (void)state;
    /* "a漢b" in 2 columns: 漢 would straddle the edge, so only "a" fits. */
    assert_int_equal(text_fit("a\xe6\xbc\xa2" "b", 5, 2, &used), 1);
    assert_int_equal(used, 1);
    assert_int_equal(text_fit("a\xe6\xbc\xa2" "b", 5, 3, &used), 4);
    assert_int_equal(used, 3);
    assert_int_equal(text_fit("a\xe6\xbc\xa2" "b", 5, 4, &used), 5);
    assert_int_equal(used, 4);
    assert_int_equal(text_fit("abc", 3, 10, &used), 3);
    assert_int_equal(used, 3);
    assert_int_equal(text_fit("abc", 3, 0, &used), 0);
    assert_int_equal(used, 0);
    assert_int_equal(text_fit("abc", 3, 2, NULL), 2);
    /* Never half of a multibyte character: é does not fit in 0 columns. */
    assert_int_equal(text_fit("\xc3\xa9", 2, 0, &used), 0);
    /* The combining mark stays with its base: "é" decomposed fits whole in one column. */
    assert_int_equal(text_fit("e\xcc\x81x", 4, 1, &used), 3);
    assert_int_equal(used, 1);
    /* Invalid bytes fit one per column. */
    assert_int_equal(text_fit("\xff\xfe\xfd", 3, 2, &used), 2);
    assert_int_equal(used, 2);
}

static void
test_sanitize_csi(void **state)
{
    (void)state;
    SANITIZES("\x1b[31mred", 1, FFFD "[31mred");
    SANITIZES("\x1b[2J\x1b[H", 0, FFFD "[2J" FFFD "[H");
}

static void
test_sanitize_osc52(void **state)
{
    (void)state;
    /* A clipboard write: ESC and BEL are what make it one, and both go. */
    SANITIZES("\x1b]52;c;aGVsbG8=\x07", 1, FFFD "]52;c;aGVsbG8=" FFFD);
    SANITIZES("\x1b]52;c;aGVsbG8=\x1b\\", 0, FFFD "]52;c;aGVsbG8=" FFFD "\\");
}

static void
test_sanitize_c1_and_del(void **state)
{
    (void)state;
    /* U+009B is an 8-bit CSI; U+0085 NEL; U+009D OSC; raw C1 bytes are invalid UTF-8. */
    SANITIZES("a\xc2\x9b" "31mb", 1, "a" FFFD "31mb");
    SANITIZES("\xc2\x85\xc2\x9d\xc2\x80\xc2\x9f", 1, FFFD FFFD FFFD FFFD);
    SANITIZES("\x9b" "31m", 1, FFFD "31m");
    SANITIZES("a\x7f" "b", 1, "a" FFFD "b");
    /* Just past C1: U+00A0 NO-BREAK SPACE is text and stays. */
    SANITIZES("\xc2\xa0", 1, "\xc2\xa0");
    /* Every C0 control except newline and tab. */
    SANITIZES("\x01\x07\x08\x0b\x0c\r\x1f", 1, FFFD FFFD FFFD FFFD FFFD FFFD FFFD);
    assert_sanitized("a\0b", 3, 1, "a" FFFD "b");
}

static void
test_sanitize_bidi(void **state)
{
    static const char *const bidi[] = {
        "\xe2\x80\xaa", "\xe2\x80\xab", "\xe2\x80\xac", "\xe2\x80\xad", "\xe2\x80\xae",
        "\xe2\x81\xa6", "\xe2\x81\xa7", "\xe2\x81\xa8", "\xe2\x81\xa9",
        "\xe2\x80\x8e", "\xe2\x80\x8f", "\xd8\x9c",
    };
    (void)state;
    /* U+202E RIGHT-TO-LEFT OVERRIDE would show "exe.txt" for "txt.exe". */
    SANITIZES("file\xe2\x80\xaetxt.exe", 1, "file" FFFD "txt.exe");
    for (size_t i = 0; i < sizeof bidi / sizeof bidi[0]; i++)
        assert_sanitized(bidi[i], strlen(bidi[i]), 1, FFFD);
    /* Neighbours that are ordinary text: U+202F NARROW NBSP, U+2065, U+206A, U+200D ZWJ
     * (emoji sequences need it), U+061B ARABIC SEMICOLON. */
    SANITIZES("\xe2\x80\xaf", 1, "\xe2\x80\xaf");
    SANITIZES("\xe2\x80\x8d", 1, "\xe2\x80\x8d");
    SANITIZES("\xe2\x81\xaa", 1, "\xe2\x81\xaa");
    SANITIZES("\xe2\x80\xa9", 1, "\xe2\x80\xa9");
    SANITIZES("\xd8\x9b", 1, "\xd8\x9b");
}

static void
test_sanitize_newlines(void **state)
{
    (void)state;
    SANITIZES("a\nb\tc", 1, "a\nb\tc");
    SANITIZES("a\nb\tc", 0, "a b c");
    SANITIZES("a\r\nb", 1, "a" FFFD "\nb");
}

static void
test_sanitize_invalid(void **state)
{
    (void)state;
    SANITIZES("\xff" "ok\xfe", 1, FFFD "ok" FFFD);
    /* An overlong ESC must not come out as an ESC. */
    SANITIZES("\xc0\x9b[31m", 1, FFFD FFFD "[31m");
    SANITIZES("\xe0\x80\x9b", 1, FFFD FFFD FFFD);
    SANITIZES("\xed\xa0\x80", 1, FFFD FFFD FFFD);
    /* A truncated character at the end, then one cut before an ASCII byte. */
    SANITIZES("ab\xe6\xbc", 1, "ab" FFFD FFFD);
    SANITIZES("\xe6\xbc" "a", 1, FFFD FFFD "a");
    /* Valid text passes untouched. */
    SANITIZES("Hola, \xc2\xbfqu\xc3\xa9 tal? \xe6\xbc\xa2\xe5\xad\x97 \xf0\x9f\x99\x82", 0,
              "Hola, \xc2\xbfqu\xc3\xa9 tal? \xe6\xbc\xa2\xe5\xad\x97 \xf0\x9f\x99\x82");
    assert_sanitized("", 0, 1, "");
    /* Only n bytes are read. */
    assert_sanitized("abc\x1b", 3, 1, "abc");
}

/* What a terminal could act on: controls, C1 and bidi controls; also anything glibc
 * cannot decode. */
static int
unsafe_wc(wchar_t c)
{
    return c < 0x20 || (c >= 0x7f && c <= 0x9f) || c == 0x061c || c == 0x200e ||
           c == 0x200f || (c >= 0x202a && c <= 0x202e) || (c >= 0x2066 && c <= 0x2069);
}

static void
assert_safe(const char *s, int keep)
{
    mbstate_t st;
    size_t n = strlen(s), i = 0;

    memset(&st, 0, sizeof st);
    while (i < n) {
        wchar_t wc;
        size_t r = mbrtowc(&wc, s + i, n - i, &st);
        assert_true(r != (size_t)-1 && r != (size_t)-2 && r != 0);
        if (keep && (wc == '\n' || wc == '\t')) {
            i += r;
            continue;
        }
        assert_false(unsafe_wc(wc));
        i += r;
    }
}

static void
test_sanitize_all_short_inputs(void **state)
{
    char in[4];
    uint32_t seed = 12345;
    (void)state;
    /* Every two-byte input, and a sample of four-byte ones, comes out drawable. */
    for (unsigned a = 0; a < 256; a++) {
        for (unsigned b = 0; b < 256; b++) {
            in[0] = (char)a;
            in[1] = (char)b;
            char *out = text_sanitize(in, 2, a & 1);
            assert_safe(out, a & 1);
            free(out);
        }
    }
    for (int k = 0; k < 200000; k++) {
        for (int j = 0; j < 4; j++) {
            seed = seed * 1103515245u + 12345u;
            /* Bias towards lead and continuation bytes, where the mistakes hide. */
            in[j] = (char)((seed >> 16) & 1 ? 0x80 | ((seed >> 17) & 0x7f) : (seed >> 17));
        }
        char *out = text_sanitize(in, 4, 0);
        assert_safe(out, 0);
        free(out);
    }
}

/* Wraps s into at most 16 rows and checks them against want ("start,len" pairs). */
static void
assert_wrap(const char *s, int cols, size_t nwant, const size_t *want)
{
    size_t starts[16], lens[16];
    size_t rows = text_wrap(s, strlen(s), cols, starts, lens, 16);

    assert_int_equal(rows, nwant);
    for (size_t i = 0; i < nwant && i < 16; i++) {
        assert_int_equal(starts[i], want[2 * i]);
        assert_int_equal(lens[i], want[2 * i + 1]);
    }
}

#define WRAP(s, cols, ...)                                                        \
    do {                                                                          \
        static const size_t w_[] = {__VA_ARGS__};                                 \
        assert_wrap(s, cols, sizeof w_ / sizeof w_[0] / 2, w_);                   \
    } while (0)

static void
test_wrap_empty_and_short(void **state)
{
    (void)state;
    WRAP("", 10, 0, 0);
    WRAP("hola", 10, 0, 4);
    WRAP("hola", 4, 0, 4);
    /* Leading spaces of a line's first row are the sender's indentation. */
    WRAP("  ab", 10, 0, 4);
}

static void
test_wrap_words(void **state)
{
    (void)state;
    /* The break falls on the space right after "que": no trailing space, none leading. */
    WRAP("hola que tal", 8, 0, 8, 9, 3);
    /* "que" would not fit after "hola ", so it moves down whole. */
    WRAP("hola que tal", 6, 0, 4, 5, 3, 9, 3);
    /* A run of spaces at the break disappears. */
    WRAP("a    b", 3, 0, 1, 5, 1);
    WRAP("hello     ", 5, 0, 5);
}

static void
test_wrap_long_words(void **state)
{
    (void)state;
    WRAP("abcdefghij", 4, 0, 4, 4, 4, 8, 2);
    /* A word no row can hold is broken where it stands instead of wasting a row. */
    WRAP("ab abcdefghij", 4, 0, 4, 4, 4, 8, 4, 12, 1);
    /* ...but one that fits a row goes down whole. */
    WRAP("ab abcd", 4, 0, 2, 3, 4);
    WRAP("ab abcd e", 4, 0, 2, 3, 4, 8, 1);
    /* cols below 1 count as 1. */
    WRAP("ab", 0, 0, 1, 1, 1);
    WRAP("ab", -5, 0, 1, 1, 1);
}

static void
test_wrap_newlines(void **state)
{
    (void)state;
    WRAP("ab\ncd", 10, 0, 2, 3, 2);
    WRAP("ab\n", 10, 0, 2, 3, 0);
    WRAP("\n\n", 10, 0, 0, 1, 0, 2, 0);
    /* A newline-started row keeps its spaces; a wrapped one drops them. */
    WRAP("abcd efgh\n  ij", 4, 0, 4, 5, 4, 10, 4);
    WRAP("abcdef\ngh", 4, 0, 4, 4, 2, 7, 2);
}

static void
test_wrap_wide(void **state)
{
    (void)state;
    /* "ab漢字" in 3 columns: 漢 would straddle the edge after "ab", so it starts row 2. */
    WRAP("ab\xe6\xbc\xa2\xe5\xad\x97", 3, 0, 2, 2, 3, 5, 3);
    /* A wide character still gets a row in a one-column box. */
    WRAP("\xe6\xbc\xa2", 1, 0, 3);
    WRAP("\xe6\xbc\xa2" "a", 1, 0, 3, 3, 1);
    WRAP("\xe6\xbc\xa2\xcc\x81" "a", 1, 0, 5, 5, 1);
    /* "a 漢字" in 4 columns: the word moves down whole. */
    WRAP("a \xe6\xbc\xa2\xe5\xad\x97", 4, 0, 1, 2, 6);
    /* A combining mark stays on its base's row. */
    WRAP("abe\xcc\x81x", 3, 0, 5, 5, 1);
    /* Emoji are two columns too. */
    WRAP("\xf0\x9f\x99\x82\xf0\x9f\x99\x82\xf0\x9f\x99\x82", 5, 0, 8, 8, 4);
}

static void
test_wrap_counts_past_max(void **state)
{
    size_t starts[3] = {99, 99, 99}, lens[3] = {99, 99, 99};
    (void)state;
    assert_int_equal(text_wrap("abcdefghij", 10, 2, starts, lens, 2), 5);
    assert_int_equal(starts[0], 0);
    assert_int_equal(lens[0], 2);
    assert_int_equal(starts[1], 2);
    assert_int_equal(lens[1], 2);
    assert_int_equal(starts[2], 99);
    assert_int_equal(lens[2], 99);
    assert_int_equal(text_wrap("a b c", 5, 1, NULL, NULL, 0), 3);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_width_ascii),
        cmocka_unit_test(test_width_accent_and_combining),
        cmocka_unit_test(test_width_clusters),
        cmocka_unit_test(test_width_wide),
        cmocka_unit_test(test_width_invalid),
        cmocka_unit_test(test_width_controls),
        cmocka_unit_test(test_fit),
        cmocka_unit_test(test_sanitize_csi),
        cmocka_unit_test(test_sanitize_osc52),
        cmocka_unit_test(test_sanitize_c1_and_del),
        cmocka_unit_test(test_sanitize_bidi),
        cmocka_unit_test(test_sanitize_newlines),
        cmocka_unit_test(test_sanitize_invalid),
        cmocka_unit_test(test_sanitize_all_short_inputs),
        cmocka_unit_test(test_wrap_empty_and_short),
        cmocka_unit_test(test_wrap_words),
        cmocka_unit_test(test_wrap_long_words),
        cmocka_unit_test(test_wrap_newlines),
        cmocka_unit_test(test_wrap_wide),
        cmocka_unit_test(test_wrap_counts_past_max),
    };
    if (setlocale(LC_ALL, "C.UTF-8") == NULL)
        return 1;
    return cmocka_run_group_tests(tests, NULL, NULL);
}
