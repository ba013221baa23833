/* A terminal in memory, so tests can draw the screen and read it back without a tty. */
#include "term.h"

#include <stdlib.h>
#include <string.h>

#include "jelou/text.h"
#include "jelou/xalloc.h"

struct cell {
    char ch[32];    /* one cluster as shown (text_cluster), "" for a wide one's right half */
    enum style st;
};

struct mem {
    int rows, cols;
    struct cell *cells;
    struct key *keys;
    size_t nkeys, head;
};

static void
m_size(void *ctx, int *rows, int *cols)
{
    struct mem *m = ctx;
    *rows = m->rows;
    *cols = m->cols;
}

static void
m_erase(void *ctx)
{
    struct mem *m = ctx;
    for (int i = 0; i < m->rows * m->cols; i++) {
        strcpy(m->cells[i].ch, " ");
        m->cells[i].st = ST_NORMAL;
    }
}

/* As curses does: one cell per cluster, and a wide character partly overwritten is blanked
 * whole, so that no half of one stays behind. */
static void
m_put(void *ctx, int row, int col, const char *s, size_t n, enum style st)
{
    struct mem *m = ctx;
    if (row < 0 || row >= m->rows)
        return;
    size_t i = 0;
    while (i < n && col < m->cols) {
        int w;
        size_t shown, len = text_cluster(s + i, n - i, &w, &shown);
        if (len == 0 || col + w > m->cols)
            break;
        i += len;
        if (w == 0)
            continue; /* marks without a base are not drawn */
        struct cell *c = &m->cells[row * m->cols + col];
        if (c->ch[0] == '\0' && col > 0)
            strcpy(c[-1].ch, " ");
        if (col + w < m->cols && c[w].ch[0] == '\0')
            strcpy(c[w].ch, " ");
        size_t copy = shown < sizeof c->ch ? shown : sizeof c->ch - 1;
        memcpy(c->ch, s + i - len, copy);
        c->ch[copy] = '\0';
        c->st = st;
        for (int k = 1; k < w; k++) {
            c[k].ch[0] = '\0';
            c[k].st = st;
        }
        col += w;
    }
}

static void
m_cursor(void *ctx, int row, int col, int visible)
{
    (void)ctx;
    (void)row;
    (void)col;
    (void)visible;
}

static void
m_nothing(void *ctx)
{
    (void)ctx;
}

static int
m_read_key(void *ctx, struct key *k)
{
    struct mem *m = ctx;
    if (m->head >= m->nkeys)
        return 0;
    *k = m->keys[m->head++];
    return 1;
}

struct term *
term_mem_new(int rows, int cols)
{
    struct term *t = xcalloc(1, sizeof *t);
    struct mem *m = xcalloc(1, sizeof *m);
    m->rows = rows;
    m->cols = cols;
    m->cells = xcalloc((size_t)rows * (size_t)cols, sizeof *m->cells);
    t->ctx = m;
    t->size = m_size;
    t->erase = m_erase;
    t->put = m_put;
    t->cursor = m_cursor;
    t->flush = m_nothing;
    t->bell = m_nothing;
    t->read_key = m_read_key;
    m_erase(m);
    return t;
}

void
term_mem_free(struct term *t)
{
    if (t == NULL)
        return;
    struct mem *m = t->ctx;
    free(m->cells);
    free(m->keys);
    free(m);
    free(t);
}

char *
term_mem_line(struct term *t, int r)
{
    struct mem *m = t->ctx;
    struct buf b = {0};
    for (int c = 0; c < m->cols; c++)
        buf_appends(&b, m->cells[r * m->cols + c].ch);
    while (b.len > 0 && b.data[b.len - 1] == ' ')
        b.data[--b.len] = '\0';
    return buf_take(&b);
}

enum style
term_mem_style(struct term *t, int r, int c)
{
    struct mem *m = t->ctx;
    return m->cells[r * m->cols + c].st;
}

void
term_mem_push_key(struct term *t, int code, int alt)
{
    struct mem *m = t->ctx;
    m->keys = xrealloc(m->keys, (m->nkeys + 1) * sizeof *m->keys);
    m->keys[m->nkeys++] = (struct key){code, alt};
}
