/* libFuzzer target: neutralising remote text (text_sanitize), wrapping and fitting it. */
#include <locale.h>

#include "fuzz.h"
#include "jelou/text.h"
#include "jelou/utf8.h"

#define MAX_ROWS 64

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    /* Widths come from wcwidth, which needs a UTF-8 locale (the console sets one too). */
    if (setlocale(LC_CTYPE, "C.UTF-8") == NULL)
        abort();
    return 0;
}

/* Decodes one well-formed character (the caller checked utf8_valid). */
static uint32_t
decode(const unsigned char *p, size_t *len)
{
    if (p[0] < 0x80) {
        *len = 1;
        return p[0];
    }
    if (p[0] < 0xe0) {
        *len = 2;
        return (uint32_t)(p[0] & 0x1f) << 6 | (p[1] & 0x3f);
    }
    if (p[0] < 0xf0) {
        *len = 3;
        return (uint32_t)(p[0] & 0x0f) << 12 | (uint32_t)(p[1] & 0x3f) << 6 | (p[2] & 0x3f);
    }
    *len = 4;
    return (uint32_t)(p[0] & 0x07) << 18 | (uint32_t)(p[1] & 0x3f) << 12 |
           (uint32_t)(p[2] & 0x3f) << 6 | (p[3] & 0x3f);
}

static int
is_bidi_control(uint32_t cp)
{
    return cp == 0x061c || cp == 0x200e || cp == 0x200f || (cp >= 0x202a && cp <= 0x202e) ||
           (cp >= 0x2066 && cp <= 0x2069);
}

static void
check_safe(const char *out, size_t len, int keep_newlines)
{
    FUZZ_CHECK(utf8_valid(out, len));
    for (size_t i = 0; i < len;) {
        size_t n;
        uint32_t cp = decode((const unsigned char *)out + i, &n);
        FUZZ_CHECK(cp != 0x1b);
        if (cp < 0x20)
            FUZZ_CHECK(keep_newlines && (cp == '\n' || cp == '\t'));
        FUZZ_CHECK(cp != 0x7f);
        FUZZ_CHECK(cp < 0x80 || cp > 0x9f);
        FUZZ_CHECK(!is_bidi_control(cp));
        i += n;
    }
}

/* 1 if off is where a character starts (or the end), walking the way text.c splits. */
static int
on_boundary(const char *s, size_t n, size_t off)
{
    size_t i = 0;
    while (i < off) {
        size_t k = text_char_len(s + i, n - i);
        FUZZ_CHECK(k >= 1 && k <= 4 && k <= n - i);
        i += k;
    }
    return i == off;
}

static void
check_fit(const char *s, size_t n, int cols)
{
    int used = -1;
    size_t k = text_fit(s, n, cols, &used);

    FUZZ_CHECK(k <= n);
    FUZZ_CHECK(on_boundary(s, n, k));
    FUZZ_CHECK(used >= 0 && used == text_width(s, k));
    FUZZ_CHECK(cols < 0 || used <= cols);
    /* It stopped because the next character did not fit, not early. */
    if (k < n && cols >= 0) {
        size_t next = text_char_len(s + k, n - k);
        FUZZ_CHECK(used + text_width(s + k, next) > cols);
    }
    FUZZ_CHECK(text_fit(s, n, cols, NULL) == k);
}

static void
check_wrap(const char *s, size_t n, int cols)
{
    size_t starts[MAX_ROWS], lens[MAX_ROWS];
    size_t rows = text_wrap(s, n, cols, starts, lens, MAX_ROWS);
    size_t prev_end = 0;

    FUZZ_CHECK(rows >= 1);
    for (size_t r = 0; r < rows && r < MAX_ROWS; r++) {
        size_t a = starts[r], e = starts[r] + lens[r];
        FUZZ_CHECK(a >= prev_end && e <= n && e >= a);
        FUZZ_CHECK(on_boundary(s, n, a) && on_boundary(s, n, e));
        FUZZ_CHECK(memchr(s + a, '\n', lens[r]) == NULL);
        int w = text_width(s + a, lens[r]);
        /* Wider than the box only when one character is (a wide character in one column),
         * with the zero-width marks that ride along. */
        if (w > (cols < 1 ? 1 : cols)) {
            size_t first = text_char_len(s + a, lens[r]);
            FUZZ_CHECK(text_width(s + a + first, lens[r] - first) == 0);
        }
        prev_end = e;
    }
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1)
        return 0;
    /* First byte: keep_newlines and a box width from -1 to 62; the rest is remote text. */
    int keep = data[0] & 1;
    int cols = (int)(data[0] >> 2) - 1;
    const char *s = (const char *)data + 1;
    size_t n = size - 1;

    char *out = text_sanitize(s, n, keep);
    FUZZ_CHECK(out != NULL);
    size_t len = strlen(out);
    check_safe(out, len, keep);
    /* Sanitizing what is already safe changes nothing. */
    char *again = text_sanitize(out, len, keep);
    FUZZ_CHECK(strcmp(again, out) == 0);
    free(again);

    FUZZ_CHECK(text_width(s, n) >= 0);
    check_fit(s, n, cols);
    check_fit(out, len, cols);
    check_wrap(out, len, cols);
    free(out);
    return 0;
}
