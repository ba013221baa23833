/* Error causes: the one-line messages functions hand back to their callers. */
#ifndef JELOU_CAUSE_H
#define JELOU_CAUSE_H

#include <stddef.h>

/* Hands msg to *cause (or frees it when cause is NULL) and returns -1. */
int cause_fail(char **cause, char *msg);

/* A printable, bounded copy of s[0..n) to quote in a cause: control bytes become '?', and
 * input over 60 bytes is cut on a character boundary and marked with "...". */
char *cause_excerpt(const char *s, size_t n);
/* The same, cut at max bytes instead of 60. */
char *cause_excerpt_max(const char *s, size_t n, size_t max);

#endif
