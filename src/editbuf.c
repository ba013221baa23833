/* The compose box's editing buffer: UTF-8 text, cursor, readline keys, kill ring, undo. */
#include "jelou/editbuf.h"

#include <stdlib.h>
#include <string.h>

#include "jelou/text.h"
#include "jelou/xalloc.h"

/* Enough to walk back through a long edit; a pasted draft is copied per step, so the cap
 * also bounds memory. */
#define UNDO_MAX 200

static const char replacement[] = "\xef\xbf\xbd";

struct snapshot {
    char *text;
    size_t len;
    size_t cursor;
};

enum last_op {
    LAST_OTHER,
    LAST_TYPED_WORD,    /* a single word character was typed: the next one joins its undo */
    LAST_KILL,          /* the next kill adds to the kill ring instead of replacing it */
    LAST_VERTICAL,      /* the next Up/Down aims for the same column */
};

struct editbuf {
    struct buf text;
    size_t cursor;
    struct buf kill;
    struct snapshot *undo;
    size_t nundo;
    enum last_op last;
    int goal_col;
};

struct editbuf *
editbuf_new(void)
{
    struct editbuf *b = xcalloc(1, sizeof *b);
    buf_append(&b->text, "", 0);
    buf_append(&b->kill, "", 0);
    b->undo = xcalloc(UNDO_MAX, sizeof *b->undo);
    return b;
}

static void
undo_drop(struct editbuf *b)
{
    for (size_t i = 0; i < b->nundo; i++)
        free(b->undo[i].text);
    b->nundo = 0;
}

void
editbuf_free(struct editbuf *b)
{
    if (b == NULL)
        return;
    undo_drop(b);
    free(b->undo);
    buf_free(&b->text);
    buf_free(&b->kill);
    free(b);
}

const char *
editbuf_text(const struct editbuf *b)
{
    return b->text.data;
}

size_t
editbuf_len(const struct editbuf *b)
{
    return b->text.len;
}

size_t
editbuf_cursor(const struct editbuf *b)
{
    return b->cursor;
}

static void
undo_push(struct editbuf *b)
{
    if (b->nundo == UNDO_MAX) {
        free(b->undo[0].text);
        memmove(b->undo, b->undo + 1, (UNDO_MAX - 1) * sizeof *b->undo);
        b->nundo--;
    }
    struct snapshot *u = &b->undo[b->nundo++];
    u->text = xstrndup(b->text.data, b->text.len);
    u->len = b->text.len;
    u->cursor = b->cursor;
}

static int
undo_pop(struct editbuf *b)
{
    if (b->nundo == 0)
        return 0;
    struct snapshot *u = &b->undo[--b->nundo];
    b->text.len = 0;
    buf_append(&b->text, u->text, u->len);
    b->cursor = u->cursor;
    free(u->text);
    u->text = NULL;
    return 1;
}

/* Word characters for Alt-B/Alt-F: ASCII letters and digits, and every byte of a non-ASCII
 * character, so "¿qué" and "漢字" are words without a Unicode table. */
static int
is_word_byte(unsigned char c)
{
    return c >= 0x80 || (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') ||
           (c >= 'A' && c <= 'Z');
}

static int
is_space_byte(unsigned char c)
{
    return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' || c == '\f';
}

/* The buffer only ever holds valid UTF-8, so stepping back is skipping continuations. */
static size_t
prev_char(const struct editbuf *b, size_t pos)
{
    if (pos == 0)
        return 0;
    pos--;
    while (pos > 0 && ((unsigned char)b->text.data[pos] & 0xc0) == 0x80)
        pos--;
    return pos;
}

static size_t
next_char(const struct editbuf *b, size_t pos)
{
    if (pos >= b->text.len)
        return b->text.len;
    return pos + text_char_len(b->text.data + pos, b->text.len - pos);
}

static size_t
line_start(const struct editbuf *b, size_t pos)
{
    while (pos > 0 && b->text.data[pos - 1] != '\n')
        pos--;
    return pos;
}

static size_t
line_end(const struct editbuf *b, size_t pos)
{
    const char *nl = memchr(b->text.data + pos, '\n', b->text.len - pos);
    return nl ? (size_t)(nl - b->text.data) : b->text.len;
}

/* Appends s[0..n) to out as valid UTF-8 without NULs (the text is handed out as a C
 * string), each bad byte becoming U+FFFD. */
static void
append_clean(struct buf *out, const char *s, size_t n)
{
    size_t i = 0;

    while (i < n) {
        size_t len = text_char_len(s + i, n - i);
        unsigned char c = (unsigned char)s[i];
        if (c == '\0' || (len == 1 && c >= 0x80))
            buf_append(out, replacement, sizeof replacement - 1);
        else
            buf_append(out, s + i, len);
        i += len;
    }
}

/* Replaces text[from, to) with s[0..n) in place: typing into a long draft must not copy
 * the whole draft per key. */
static void
splice(struct editbuf *b, size_t from, size_t to, const char *s, size_t n)
{
    size_t tail = b->text.len - to, newlen = from + n + tail;

    if (newlen > b->text.len)
        buf_append(&b->text, s, newlen - b->text.len);     /* grows; overwritten below */
    memmove(b->text.data + from + n, b->text.data + to, tail);
    memcpy(b->text.data + from, s, n);
    b->text.len = newlen;
    b->text.data[newlen] = '\0';
}

void
editbuf_insert(struct editbuf *b, const char *s, size_t n)
{
    struct buf clean = {0};

    if (n == 0)
        return;
    append_clean(&clean, s, n);
    int word = clean.len == text_char_len(clean.data, clean.len) &&
               is_word_byte((unsigned char)clean.data[0]);
    if (!(word && b->last == LAST_TYPED_WORD))
        undo_push(b);
    splice(b, b->cursor, b->cursor, clean.data, clean.len);
    b->cursor += clean.len;
    b->last = word ? LAST_TYPED_WORD : LAST_OTHER;
    buf_free(&clean);
}

void
editbuf_set(struct editbuf *b, const char *s)
{
    struct buf clean = {0};

    append_clean(&clean, s ? s : "", s ? strlen(s) : 0);
    buf_append(&clean, "", 0);
    b->last = LAST_OTHER;
    if (clean.len == b->text.len && memcmp(clean.data, b->text.data, clean.len) == 0 &&
        b->cursor == clean.len) {
        buf_free(&clean);
        return;
    }
    undo_push(b);
    buf_free(&b->text);
    b->text = clean;
    b->cursor = b->text.len;
}

void
editbuf_clear(struct editbuf *b)
{
    undo_drop(b);
    b->text.len = 0;
    b->text.data[0] = '\0';
    b->cursor = 0;
    b->last = LAST_OTHER;
}

/* Removes [from, to) into the kill ring; consecutive kills build one entry, the way
 * readline lets Ctrl-W Ctrl-W be yanked back whole. */
static int
kill_range(struct editbuf *b, size_t from, size_t to, int backward, enum last_op prev)
{
    if (from == to)
        return 0;
    if (prev != LAST_KILL)
        b->kill.len = 0;
    if (backward) {
        struct buf nk = {0};
        buf_append(&nk, b->text.data + from, to - from);
        buf_append(&nk, b->kill.data, b->kill.len);
        buf_free(&b->kill);
        b->kill = nk;
    } else {
        buf_append(&b->kill, b->text.data + from, to - from);
    }
    undo_push(b);
    splice(b, from, to, "", 0);
    b->cursor = from;
    b->last = LAST_KILL;
    return 1;
}

static int
move_to(struct editbuf *b, size_t pos)
{
    if (pos == b->cursor)
        return 0;
    b->cursor = pos;
    return 1;
}

/* Up/Down keep the display column; a run of them aims for the column the run started at,
 * so passing through a short line does not pull the cursor left for good. */
static int
move_vertical(struct editbuf *b, int up, enum last_op prev)
{
    const char *t = b->text.data;
    size_t ls = line_start(b, b->cursor), tls, tle;
    int col = prev == LAST_VERTICAL ? b->goal_col : text_width(t + ls, b->cursor - ls);

    if (up) {
        if (ls == 0)
            return 0;
        tle = ls - 1;
        tls = line_start(b, tle);
    } else {
        size_t le = line_end(b, b->cursor);
        if (le == b->text.len)
            return 0;
        tls = le + 1;
        tle = line_end(b, tls);
    }
    b->cursor = tls + text_fit(t + tls, tle - tls, col, NULL);
    b->goal_col = col;
    b->last = LAST_VERTICAL;
    return 1;
}

static int
delete_range(struct editbuf *b, size_t from, size_t to)
{
    if (from == to)
        return 0;
    undo_push(b);
    splice(b, from, to, "", 0);
    b->cursor = from;
    return 1;
}

static int
yank(struct editbuf *b)
{
    if (b->kill.len == 0)
        return 0;
    undo_push(b);
    splice(b, b->cursor, b->cursor, b->kill.data, b->kill.len);
    b->cursor += b->kill.len;
    return 1;
}

int
editbuf_apply(struct editbuf *b, enum edit_op op)
{
    const char *t = b->text.data;
    size_t cur = b->cursor, len = b->text.len, p = cur;
    enum last_op prev = b->last;
    int changed = 0;

    b->last = LAST_OTHER;
    switch (op) {
    case EDIT_LEFT:
        changed = move_to(b, prev_char(b, cur));
        break;
    case EDIT_RIGHT:
        changed = move_to(b, next_char(b, cur));
        break;
    case EDIT_HOME:
        changed = move_to(b, line_start(b, cur));
        break;
    case EDIT_END:
        changed = move_to(b, line_end(b, cur));
        break;
    case EDIT_WORD_LEFT:
        /* Bytes, not characters: every byte of a non-ASCII character is a word byte, so
         * these loops can only stop on a character boundary. */
        while (p > 0 && !is_word_byte((unsigned char)t[p - 1]))
            p--;
        while (p > 0 && is_word_byte((unsigned char)t[p - 1]))
            p--;
        changed = move_to(b, p);
        break;
    case EDIT_WORD_RIGHT:
        while (p < len && !is_word_byte((unsigned char)t[p]))
            p++;
        while (p < len && is_word_byte((unsigned char)t[p]))
            p++;
        changed = move_to(b, p);
        break;
    case EDIT_LINE_UP:
    case EDIT_LINE_DOWN:
        changed = move_vertical(b, op == EDIT_LINE_UP, prev);
        break;
    case EDIT_BACKSPACE:
        changed = delete_range(b, prev_char(b, cur), cur);
        break;
    case EDIT_DELETE:
        changed = delete_range(b, cur, next_char(b, cur));
        break;
    case EDIT_KILL_WORD_BACK:
        /* Like bash's Ctrl-W (unix-word-rubout): back to whitespace, so "tal?" or a URL
         * goes in one stroke; Alt-B is the one that stops at punctuation. */
        while (p > 0 && is_space_byte((unsigned char)t[p - 1]))
            p--;
        while (p > 0 && !is_space_byte((unsigned char)t[p - 1]))
            p--;
        changed = kill_range(b, p, cur, 1, prev);
        break;
    case EDIT_KILL_TO_START:
        changed = kill_range(b, line_start(b, cur), cur, 1, prev);
        break;
    case EDIT_KILL_TO_END:
        changed = kill_range(b, cur, line_end(b, cur), 0, prev);
        break;
    case EDIT_YANK:
        changed = yank(b);
        break;
    case EDIT_UNDO:
        changed = undo_pop(b);
        break;
    }
    /* A key that did nothing does not break a run of typing, kills or Up/Down. */
    if (!changed)
        b->last = prev;
    return changed;
}

static void
put_row(size_t *starts, size_t *lens, size_t max, size_t row, size_t start, size_t len)
{
    if (row < max) {
        starts[row] = start;
        lens[row] = len;
    }
}

size_t
editbuf_layout(const struct editbuf *b, int cols, size_t *starts, size_t *lens,
               size_t max, size_t *cursor_row, int *cursor_col)
{
    const char *t = b->text.data;
    size_t rows = 0, ls = 0, crow = 0;
    int ccol = 0, found = 0;

    if (cols < 1)
        cols = 1;
    for (;;) {
        size_t le = line_end(b, ls), pos = ls;
        do {
            size_t k = text_fit(t + pos, le - pos, cols, NULL);
            if (k == 0 && pos < le) {
                /* A wide character in a one-column box still takes a row of its own. */
                k = text_cluster(t + pos, le - pos, NULL, NULL);
            }
            size_t end = pos + k;
            put_row(starts, lens, max, rows, pos, k);
            if (!found && b->cursor >= pos &&
                (b->cursor < end || (end == le && b->cursor == end))) {
                found = 1;
                crow = rows;
                ccol = text_width(t + pos, b->cursor - pos);
                if (ccol >= cols) {
                    /* After the last character of a full row (or before the zero-width
                     * marks that end it) the terminal cursor would sit past the edge: it
                     * goes to the start of the row below, as in a terminal. */
                    ccol = 0;
                    if (end == le) {
                        crow = ++rows;
                        put_row(starts, lens, max, rows, end, 0);
                    } else {
                        crow = rows + 1;
                    }
                }
            }
            rows++;
            pos = end;
        } while (pos < le);
        if (le == b->text.len)
            break;
        ls = le + 1;
    }
    if (cursor_row != NULL)
        *cursor_row = crow;
    if (cursor_col != NULL)
        *cursor_col = ccol;
    return rows;
}
