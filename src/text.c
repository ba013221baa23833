/* Text for the terminal: display widths, fitting, wrapping, and neutralising remote text. */
#include "jelou/text.h"

#include <stdint.h>
#include <string.h>
#include <wchar.h>

#include "jelou/utf8.h"
#include "jelou/xalloc.h"

#define BAD_CHAR UTF8_BAD

/* U+FFFD, what every unsafe or undecodable character is drawn as. */
static const char replacement[] = "\xef\xbf\xbd";

/* Characters a terminal may act on instead of drawing: C0 (ESC starts CSI/OSC, OSC 52
 * writes the clipboard), DEL, C1 (U+009B is an 8-bit CSI for some terminals) and the bidi
 * controls that reorder what the agent reads. */
static int
is_unsafe(uint32_t cp)
{
    if (cp == BAD_CHAR || cp < 0x20 || (cp >= 0x7f && cp <= 0x9f))
        return 1;
    if (cp == 0x061c || cp == 0x200e || cp == 0x200f)
        return 1;
    if ((cp >= 0x202a && cp <= 0x202e) || (cp >= 0x2066 && cp <= 0x2069))
        return 1;
    return 0;
}

/* Unsafe characters are drawn as U+FFFD (one column), so they measure as that; wcwidth
 * would say 0 for bidi controls and -1 for controls. */
static int
char_width(uint32_t cp)
{
    if (is_unsafe(cp))
        return 1;
    int w = wcwidth((wchar_t)cp);
    return w < 0 ? 1 : w;
}

#define ZWJ 0x200d

/* A grapheme cluster as the terminal groups it into one cell (tmux 3.3's rules, which the
 * e2e tests run in): a base, then its zero-width marks (combining marks, variation
 * selectors, ZWJ), and any non-ASCII character right after a ZWJ, which joins the cell
 * instead of taking columns of its own. The cluster is as wide as its base; marks with no
 * base (at the start of the text) take no column and are not drawn: a terminal would put
 * them on whatever cell came before, another pane's. */
size_t
text_cluster(const char *s, size_t n, int *width, size_t *shown)
{
    uint32_t cp;
    size_t i = utf8_decode(s, n, &cp), chars = 1;
    int w = char_width(cp);

    if (shown != NULL)
        *shown = i;
    if (width != NULL)
        *width = w;
    if (i == 0 || is_unsafe(cp))
        return i;
    int after_zwj = cp == ZWJ;
    while (i < n) {
        uint32_t next;
        size_t len = utf8_decode(s + i, n - i, &next);
        if (is_unsafe(next))
            break;
        if (!(after_zwj && next >= 0x80) && char_width(next) != 0)
            break;
        i += len;
        chars++;
        after_zwj = next == ZWJ;
        /* A cell holds a few characters: show the first ones, never ending on a ZWJ. */
        if (shown != NULL && chars <= TEXT_CLUSTER_CHARS && !after_zwj)
            *shown = i;
    }
    return i;
}

int
text_width(const char *s, size_t n)
{
    int w = 0;
    size_t i = 0;

    while (i < n) {
        int cw;
        i += text_cluster(s + i, n - i, &cw, NULL);
        w += cw;
    }
    return w;
}

size_t
text_fit(const char *s, size_t n, int cols, int *used)
{
    int w = 0;
    size_t i = 0;

    /* Whole clusters only: a combining mark or a joined emoji stays with its base. */
    while (i < n) {
        int cw;
        size_t len = text_cluster(s + i, n - i, &cw, NULL);
        if (w + cw > cols)
            break;
        w += cw;
        i += len;
    }
    if (used != NULL)
        *used = w;
    return i;
}

size_t
text_char_len(const char *s, size_t n)
{
    uint32_t cp;
    return utf8_decode(s, n, &cp);
}

char *
text_sanitize(const char *s, size_t n, int keep_newlines)
{
    struct buf out = {0};
    size_t i = 0;

    buf_append(&out, "", 0);
    while (i < n) {
        uint32_t cp;
        size_t len = utf8_decode(s + i, n - i, &cp);
        if (cp == '\n' || cp == '\t')
            buf_append(&out, keep_newlines ? s + i : " ", 1);
        else if (is_unsafe(cp))
            buf_append(&out, replacement, sizeof replacement - 1);
        else
            buf_append(&out, s + i, len);
        i += len;
    }
    return buf_take(&out);
}

static void
put_row(size_t *starts, size_t *lens, size_t max, size_t row, size_t start, size_t len)
{
    if (row < max) {
        starts[row] = start;
        lens[row] = len;
    }
}

/* Bytes of s[pos..end) for one row of at most cols columns; at least one cluster, so a
 * wide character in a one-column box still makes progress. */
static size_t
fit_some(const char *s, size_t pos, size_t end, int cols)
{
    size_t k = text_fit(s + pos, end - pos, cols, NULL);
    if (k == 0 && pos < end)
        k = text_cluster(s + pos, end - pos, NULL, NULL);
    return k;
}

/* Where the row starting at pos ends within the line ending at end: after the last whole
 * word that fits, or hard inside a word too long for any row. *next gets where the
 * following row starts. */
static size_t
wrap_row(const char *s, size_t pos, size_t end, int cols, size_t *next)
{
    size_t fit = pos + fit_some(s, pos, end, cols);
    size_t brk = fit;

    *next = fit;
    if (fit >= end)
        return fit;
    if (s[fit] != ' ') {
        /* The character at fit starts or continues a word: move the word to the next row
         * if it fits there. Measuring only one row's worth of it keeps a long run without
         * spaces linear. */
        size_t ws = fit;
        while (ws > pos && s[ws - 1] != ' ')
            ws--;
        if (ws == pos)
            return fit;
        size_t k = text_fit(s + ws, end - ws, cols, NULL);
        if (ws + k < end && memchr(s + ws, ' ', k + 1) == NULL)
            return fit;
        brk = ws;
    }
    size_t e = brk;
    while (e > pos && s[e - 1] == ' ')
        e--;
    /* Nothing but indentation before the break: fill the row rather than leave it blank. */
    if (e == pos)
        return fit;
    *next = brk;
    return e;
}

size_t
text_wrap(const char *s, size_t n, int cols, size_t *starts, size_t *lens, size_t max)
{
    size_t rows = 0, ls = 0;

    if (cols < 1)
        cols = 1;
    for (;;) {
        const char *nl = memchr(s + ls, '\n', n - ls);
        size_t le = nl ? (size_t)(nl - s) : n;
        size_t pos = ls;

        if (pos == le)
            put_row(starts, lens, max, rows++, pos, 0);
        while (pos < le) {
            size_t next, e = wrap_row(s, pos, le, cols, &next);
            put_row(starts, lens, max, rows++, pos, e - pos);
            pos = next;
            /* A row that wrapped (rather than followed a newline) starts at its word. */
            while (pos < le && s[pos] == ' ')
                pos++;
        }
        if (nl == NULL)
            break;
        ls = le + 1;
    }
    return rows;
}
