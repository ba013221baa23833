/* libFuzzer target: the compose box driven by a key sequence, its invariants after each key. */
#include <locale.h>

#include "fuzz.h"
#include "jelou/editbuf.h"
#include "jelou/text.h"
#include "jelou/utf8.h"

#define MAX_STEPS 1024
#define MAX_TEXT 2048   /* beyond this, keys that grow the text are skipped: keeps runs fast */
#define MAX_ROWS 32
#define OP_COUNT (EDIT_UNDO + 1)

/* What a key or a paste can bring: ASCII, accents, a combining mark, CJK and emoji (two
 * columns), a ZWJ sequence, bidi and C0/C1 controls, and bytes that are not UTF-8. */
static const char *const pieces[] = {
    "a", "Z", "7", " ", "\n", "\t", ".", "?",
    "\xc3\xa9",                             /* é */
    "e\xcc\x81",                            /* e + combining acute */
    "\xe6\xbc\xa2",                         /* 漢 */
    "\xf0\x9f\x99\x82",                     /* 🙂 */
    "\xf0\x9f\x91\xa9\xe2\x80\x8d\xf0\x9f\x92\xbb", /* 👩‍💻 */
    "\xe2\x80\xae",                         /* RIGHT-TO-LEFT OVERRIDE */
    "\xc2\x9b",                             /* C1 CSI */
    "\x1b[31m",
    "\xff",
    "\xc3",                                 /* a lead byte alone */
    "\xed\xa0\x80",                         /* a surrogate */
    "\xe0\x80\xaf",                         /* an overlong '/' */
    "hola, \xc2\xbfqu\xc3\xa9 tal?",
    "https://cdn.example.com/a b",
    "line one\nline two\n",
    "\xef\xbf\xbd",
};
#define PIECE_COUNT (sizeof pieces / sizeof pieces[0])

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    if (setlocale(LC_CTYPE, "C.UTF-8") == NULL)
        abort();
    return 0;
}

static void
check_invariants(const struct editbuf *b)
{
    const char *t = editbuf_text(b);
    size_t len = editbuf_len(b), cur = editbuf_cursor(b);

    FUZZ_CHECK(t != NULL);
    FUZZ_CHECK(strlen(t) == len);
    FUZZ_CHECK(cur <= len);
    FUZZ_CHECK(cur == len || ((unsigned char)t[cur] & 0xc0) != 0x80);
    FUZZ_CHECK(utf8_valid(t, len));

    for (int cols = 1; cols <= 12; cols++) {
        size_t starts[MAX_ROWS], lens[MAX_ROWS], crow = (size_t)-1;
        int ccol = -1;
        size_t rows = editbuf_layout(b, cols, starts, lens, MAX_ROWS, &crow, &ccol);
        FUZZ_CHECK(rows >= 1);
        FUZZ_CHECK(crow < rows);
        FUZZ_CHECK(ccol >= 0);
        /* The terminal cursor stays inside the box. */
        FUZZ_CHECK(ccol < cols || ccol == 0);
        for (size_t r = 0; r < rows && r < MAX_ROWS; r++)
            FUZZ_CHECK(starts[r] <= len && lens[r] <= len - starts[r]);
        /* The cursor is on its row, or before zero-width marks that end the row above. */
        if (crow < MAX_ROWS) {
            FUZZ_CHECK(cur <= starts[crow] + lens[crow]);
            FUZZ_CHECK(starts[crow] <= cur || text_width(t + cur, starts[crow] - cur) == 0);
        }
    }
}

/* One key from the input at *i: an editing operation, a typed piece, a raw paste, a
 * replacement of the whole text, or a send (clear). */
static void
step(struct editbuf *b, const uint8_t *data, size_t size, size_t *i)
{
    uint8_t k = data[(*i)++];
    uint8_t arg = *i < size ? data[*i] : 0;
    int small = editbuf_len(b) < MAX_TEXT;

    if (k < 0x80) {
        enum edit_op op = (enum edit_op)(k % OP_COUNT);
        if (op != EDIT_YANK || small)
            (void)editbuf_apply(b, op);
    } else if (k < 0xc0) {
        if (small)
            editbuf_insert(b, pieces[k % PIECE_COUNT], strlen(pieces[k % PIECE_COUNT]));
    } else if (k < 0xf0) {
        /* Raw bytes from the input, NULs and broken sequences included. */
        size_t n = (size_t)(k & 0x0f) + 1;
        if (n > size - *i)
            n = size - *i;
        if (small && n > 0)
            editbuf_insert(b, (const char *)data + *i, n);
        *i += n;
    } else if (k < 0xfe) {
        (*i)++;
        if (small)
            editbuf_set(b, pieces[arg % PIECE_COUNT]);
    } else if (k == 0xfe) {
        editbuf_set(b, "");
    } else {
        editbuf_clear(b);
    }
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct editbuf *b = editbuf_new();
    size_t i = 0;

    check_invariants(b);
    for (int steps = 0; i < size && steps < MAX_STEPS; steps++) {
        step(b, data, size, &i);
        check_invariants(b);
    }
    editbuf_free(b);
    return 0;
}
