/* Allocation wrappers that abort on out-of-memory, and a growable byte buffer. */
#ifndef JELOU_XALLOC_H
#define JELOU_XALLOC_H

#include <stddef.h>

void *xmalloc(size_t n);
void *xcalloc(size_t n, size_t size);
void *xrealloc(void *p, size_t n);
char *xstrdup(const char *s);
char *xstrndup(const char *s, size_t n);
char *xasprintf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* Replaces *dst with a copy of src (NULL allowed), freeing the old value. */
void xstrset(char **dst, const char *src);

/* A growable buffer; data is always NUL-terminated after len bytes. */
struct buf {
    char *data;
    size_t len;
    size_t cap;
};

void buf_append(struct buf *b, const void *p, size_t n);
void buf_appends(struct buf *b, const char *s);
void buf_printf(struct buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Hands the data to the caller (never NULL) and resets the buffer. */
char *buf_take(struct buf *b);
void buf_free(struct buf *b);

#endif
