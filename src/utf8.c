/* Strict UTF-8 validation (Unicode 15, table 3-7), shared by every module that accepts text. */
#include "jelou/utf8.h"

int
utf8_valid(const char *s, size_t n)
{
    const unsigned char *p = (const unsigned char *)s;
    size_t i = 0;

    if (n == 0)
        return 1;
    if (s == NULL)
        return 0;
    while (i < n) {
        unsigned char c = p[i];
        size_t len;
        /* The second byte's range is what rules out overlongs (E0, F0), surrogates (ED)
         * and code points above U+10FFFF (F4); later bytes are plain continuations. */
        unsigned char lo = 0x80, hi = 0xbf;

        if (c == 0x00) {
            /* A NUL cannot survive a C string or the JSON we build, so it never counts as text. */
            return 0;
        } else if (c < 0x80) {
            i++;
            continue;
        } else if (c >= 0xc2 && c <= 0xdf) {
            len = 2;
        } else if (c >= 0xe0 && c <= 0xef) {
            len = 3;
            if (c == 0xe0)
                lo = 0xa0;
            else if (c == 0xed)
                hi = 0x9f;
        } else if (c >= 0xf0 && c <= 0xf4) {
            len = 4;
            if (c == 0xf0)
                lo = 0x90;
            else if (c == 0xf4)
                hi = 0x8f;
        } else {
            /* 80..C1 (continuation or overlong lead) and F5..FF never start a character. */
            return 0;
        }
        if (n - i < len)
            return 0;
        if (p[i + 1] < lo || p[i + 1] > hi)
            return 0;
        for (size_t k = 2; k < len; k++) {
            if (p[i + k] < 0x80 || p[i + k] > 0xbf)
                return 0;
        }
        i += len;
    }
    return 1;
}
