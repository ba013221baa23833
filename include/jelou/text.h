/* Text for the terminal: display widths (wcwidth), fitting, and neutralising remote text. */
#ifndef JELOU_TEXT_H
#define JELOU_TEXT_H

#include <stddef.h>

/* Columns s[0..n) takes on a terminal, cluster by cluster (text_cluster). Invalid bytes and
 * non-printables count 1 (they are drawn as U+FFFD or '?'); combining marks and characters
 * joined by a ZWJ 0; wide characters (CJK, most emoji) 2. Needs a UTF-8 LC_CTYPE. */
int text_width(const char *s, size_t n);

/* The characters one terminal cell can hold (ncurses' CCHARW_MAX). */
#define TEXT_CLUSTER_CHARS 5

/* Bytes of the grapheme cluster at s, as the terminal groups it into one cell: a base with
 * its zero-width marks, and any non-ASCII character after a ZWJ (tmux 3.3's rule). *width
 * (may be NULL) gets its columns: the base's; 0 for marks without a base, which are not
 * drawn. *shown (may be NULL) gets the bytes of its first TEXT_CLUSTER_CHARS characters,
 * never ending on a ZWJ: what a cell can show. 0 at n == 0. */
size_t text_cluster(const char *s, size_t n, int *width, size_t *shown);

/* How many bytes of s[0..n) fit in cols columns without splitting a cluster;
 * *used (may be NULL) gets the columns they take. */
size_t text_fit(const char *s, size_t n, int cols, int *used);

/* Byte length of the UTF-8 character at s (1 for an invalid byte; 0 at n == 0). */
size_t text_char_len(const char *s, size_t n);

/* A copy safe to draw: ESC, C0/C1 controls, DEL and bidi controls (U+202A..U+202E,
 * U+2066..U+2069, U+200E, U+200F, U+061C) become U+FFFD; invalid UTF-8 bytes too.
 * Newlines and tabs are kept when keep_newlines is set, else become spaces. */
char *text_sanitize(const char *s, size_t n, int keep_newlines);

/* Word wrap s[0..n) (already sanitized, may contain '\n') into rows of at most cols
 * columns. Fills starts[]/lens[] (byte offsets) for at most max rows and returns the total
 * number of rows needed (which may exceed max). Breaks at spaces when it can, never
 * inside a character. */
size_t text_wrap(const char *s, size_t n, int cols, size_t *starts, size_t *lens, size_t max);

#endif
