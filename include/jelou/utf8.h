/* UTF-8: the one strict decoder, validation, repair and cutting on character boundaries. */
#ifndef JELOU_UTF8_H
#define JELOU_UTF8_H

#include <stddef.h>
#include <stdint.h>

/* What utf8_decode gives for a byte that does not start a well-formed character. */
#define UTF8_BAD UINT32_MAX

/* Decodes the character at s[0..n) strictly (Unicode table 3-7: no overlongs, no
 * surrogates, <= U+10FFFF). Returns its length with *cp; an invalid or truncated sequence
 * is one byte long with *cp = UTF8_BAD; 0 (UTF8_BAD) when n is 0. NUL decodes as U+0000. */
size_t utf8_decode(const char *s, size_t n, uint32_t *cp);

/* 1 if s[0..n) is well-formed UTF-8 without a NUL, else 0. */
int utf8_valid(const char *s, size_t n);

/* A copy of s[0..n) in which every byte that is not part of a well-formed character, and
 * every NUL, is U+FFFD; newly allocated and NUL-terminated. */
char *utf8_repair(const char *s, size_t n);

/* The largest length <= max at which s[0..n) can be cut without splitting a character
 * (continuation bytes are stepped back over); n itself when n <= max. */
size_t utf8_cut(const char *s, size_t n, size_t max);

#endif
