/* Strict UTF-8 (Unicode 15, table 3-7), shared by every module that accepts or shows text. */
#include "jelou/utf8.h"

#include <string.h>

#include "jelou/xalloc.h"

/* Strict rather than mbrtowc: remote text is hostile, and what counts as one character
 * must not depend on the C library's leniency with overlongs, surrogates or truncated
 * sequences. */
size_t
utf8_decode(const char *s, size_t n, uint32_t *cp)
{
    const unsigned char *p = (const unsigned char *)s;
    /* The second byte's range is what rules out overlongs (E0, F0), surrogates (ED) and
     * code points above U+10FFFF (F4); later bytes are plain continuations. */
    unsigned char c, lo = 0x80, hi = 0xbf;
    size_t len;
    uint32_t v;

    *cp = UTF8_BAD;
    if (n == 0)
        return 0;
    c = p[0];
    if (c < 0x80) {
        *cp = c;
        return 1;
    } else if (c >= 0xc2 && c <= 0xdf) {
        len = 2;
        v = c & 0x1f;
    } else if (c >= 0xe0 && c <= 0xef) {
        len = 3;
        v = c & 0x0f;
        if (c == 0xe0)
            lo = 0xa0;
        else if (c == 0xed)
            hi = 0x9f;
    } else if (c >= 0xf0 && c <= 0xf4) {
        len = 4;
        v = c & 0x07;
        if (c == 0xf0)
            lo = 0x90;
        else if (c == 0xf4)
            hi = 0x8f;
    } else {
        /* 80..C1 (continuation or overlong lead) and F5..FF never start a character. */
        return 1;
    }
    if (n < len || p[1] < lo || p[1] > hi)
        return 1;
    v = (v << 6) | (p[1] & 0x3f);
    for (size_t k = 2; k < len; k++) {
        if (p[k] < 0x80 || p[k] > 0xbf)
            return 1;
        v = (v << 6) | (p[k] & 0x3f);
    }
    *cp = v;
    return len;
}

int
utf8_valid(const char *s, size_t n)
{
    if (n == 0)
        return 1;
    if (s == NULL)
        return 0;
    for (size_t i = 0; i < n;) {
        /* Plain ASCII (no NUL) is most of what passes here, once per message: no decode. */
        if ((unsigned char)s[i] - 1u < 0x7fu) {
            i++;
            continue;
        }
        uint32_t cp;
        i += utf8_decode(s + i, n - i, &cp);
        /* A NUL cannot survive a C string or the JSON we build, so it never counts as text. */
        if (cp == UTF8_BAD || cp == 0)
            return 0;
    }
    return 1;
}

char *
utf8_repair(const char *s, size_t n)
{
    static const char replacement[] = "\xef\xbf\xbd";
    char *out = xmalloc(n * (sizeof replacement - 1) + 1);
    size_t o = 0;

    for (size_t i = 0; i < n;) {
        uint32_t cp;
        size_t len = utf8_decode(s + i, n - i, &cp);
        if (cp == UTF8_BAD || cp == 0) {
            memcpy(out + o, replacement, sizeof replacement - 1);
            o += sizeof replacement - 1;
        } else {
            memcpy(out + o, s + i, len);
            o += len;
        }
        i += len;
    }
    out[o] = '\0';
    return out;
}

size_t
utf8_cut(const char *s, size_t n, size_t max)
{
    if (n <= max)
        return n;
    size_t cut = max;
    while (cut > 0 && ((unsigned char)s[cut] & 0xc0) == 0x80)
        cut--;
    return cut;
}
