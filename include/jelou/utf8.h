/* UTF-8 validation. */
#ifndef JELOU_UTF8_H
#define JELOU_UTF8_H

#include <stddef.h>

/* 1 if s[0..n) is well-formed UTF-8 (no overlongs, no surrogates, <= U+10FFFF), else 0. */
int utf8_valid(const char *s, size_t n);

#endif
