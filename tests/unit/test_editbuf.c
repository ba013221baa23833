/* Unit tests for editbuf: readline keys on UTF-8 text, kill ring, undo, and the box layout. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <locale.h>
#include <stdlib.h>
#include <string.h>
#include <wchar.h>

#include "jelou/editbuf.h"
#include "jelou/text.h"
#include "jelou/xalloc.h"

#define FFFD "\xef\xbf\xbd"
#define KAN "\xe6\xbc\xa2"      /* 漢, 2 columns */
#define JI "\xe5\xad\x97"       /* 字, 2 columns */
#define SMILE "\xf0\x9f\x99\x82"
#define E_ACUTE "\xc3\xa9"
/* Offsets in "hola, ¿qué tal? 漢字": hola 0-3, ", " 4-5, ¿qué 6-11, " " 12, tal 13-15,
 * "? " 16-17, 漢字 18-23. */
#define SAMPLE "hola, \xc2\xbfqu" E_ACUTE " tal? " KAN JI

/* Types s one character at a time, the way keys arrive. */
static void
type(struct editbuf *b, const char *s)
{
    size_t n = strlen(s), i = 0;
    while (i < n) {
        size_t len = text_char_len(s + i, n - i);
        editbuf_insert(b, s + i, len);
        i += len;
    }
}

static struct editbuf *
with_text(const char *s)
{
    struct editbuf *b = editbuf_new();
    editbuf_set(b, s);
    return b;
}

static void
press(struct editbuf *b, enum edit_op op, int times)
{
    for (int i = 0; i < times; i++)
        assert_int_equal(editbuf_apply(b, op), 1);
}

#define ASSERT_STATE(b, text, cur)                                      \
    do {                                                                \
        assert_string_equal(editbuf_text(b), text);                     \
        assert_int_equal(editbuf_len(b), strlen(text));                 \
        assert_int_equal(editbuf_cursor(b), cur);                       \
    } while (0)

static void
test_empty(void **state)
{
    size_t starts[2], lens[2], row = 9;
    int col = 9;
    (void)state;
    struct editbuf *b = editbuf_new();
    ASSERT_STATE(b, "", 0);
    for (int op = EDIT_LEFT; op <= EDIT_UNDO; op++)
        assert_int_equal(editbuf_apply(b, (enum edit_op)op), 0);
    ASSERT_STATE(b, "", 0);
    assert_int_equal(editbuf_layout(b, 10, starts, lens, 2, &row, &col), 1);
    assert_int_equal(starts[0], 0);
    assert_int_equal(lens[0], 0);
    assert_int_equal(row, 0);
    assert_int_equal(col, 0);
    editbuf_free(b);
    editbuf_free(NULL);
}

static void
test_insert(void **state)
{
    (void)state;
    struct editbuf *b = editbuf_new();
    type(b, "hola");
    ASSERT_STATE(b, "hola", 4);
    press(b, EDIT_LEFT, 2);
    editbuf_insert(b, KAN, 3);
    ASSERT_STATE(b, "ho" KAN "la", 5);
    editbuf_insert(b, "\n", 1);
    ASSERT_STATE(b, "ho" KAN "\nla", 6);
    editbuf_insert(b, "x", 0);
    ASSERT_STATE(b, "ho" KAN "\nla", 6);
    editbuf_free(b);
}

static void
test_insert_invalid(void **state)
{
    (void)state;
    struct editbuf *b = editbuf_new();
    /* A stray byte, a truncated é at the end, an overlong '/', and a NUL that would cut
     * the C string short. */
    editbuf_insert(b, "a\xff" "b\xc3", 4);
    ASSERT_STATE(b, "a" FFFD "b" FFFD, 8);
    editbuf_insert(b, "\xc0\xaf", 2);
    ASSERT_STATE(b, "a" FFFD "b" FFFD FFFD FFFD, 14);
    editbuf_insert(b, "x\0y", 3);
    ASSERT_STATE(b, "a" FFFD "b" FFFD FFFD FFFD "x" FFFD "y", 19);
    editbuf_set(b, "\xe6\xbc" "ok");
    ASSERT_STATE(b, FFFD FFFD "ok", 8);
    editbuf_free(b);
}

static void
test_left_right_utf8(void **state)
{
    static const size_t stops[] = {10, 6, 3, 1, 0};
    (void)state;
    struct editbuf *b = with_text("a" E_ACUTE KAN SMILE);
    ASSERT_STATE(b, "a" E_ACUTE KAN SMILE, 10);
    for (size_t i = 1; i < 5; i++) {
        assert_int_equal(editbuf_apply(b, EDIT_LEFT), 1);
        assert_int_equal(editbuf_cursor(b), stops[i]);
    }
    assert_int_equal(editbuf_apply(b, EDIT_LEFT), 0);
    for (size_t i = 4; i > 0; i--) {
        assert_int_equal(editbuf_apply(b, EDIT_RIGHT), 1);
        assert_int_equal(editbuf_cursor(b), stops[i - 1]);
    }
    assert_int_equal(editbuf_apply(b, EDIT_RIGHT), 0);
    editbuf_free(b);
}

static void
test_backspace_delete_utf8(void **state)
{
    (void)state;
    struct editbuf *b = with_text("a" KAN "b" SMILE);
    press(b, EDIT_BACKSPACE, 1);
    ASSERT_STATE(b, "a" KAN "b", 5);
    press(b, EDIT_LEFT, 1);
    press(b, EDIT_BACKSPACE, 1);
    ASSERT_STATE(b, "ab", 1);
    press(b, EDIT_DELETE, 1);
    ASSERT_STATE(b, "a", 1);
    assert_int_equal(editbuf_apply(b, EDIT_DELETE), 0);
    editbuf_set(b, KAN JI "\n" E_ACUTE);
    press(b, EDIT_HOME, 1);
    /* Backspace at a line start joins the lines. */
    press(b, EDIT_BACKSPACE, 1);
    ASSERT_STATE(b, KAN JI E_ACUTE, 6);
    press(b, EDIT_HOME, 1);
    press(b, EDIT_DELETE, 1);
    ASSERT_STATE(b, JI E_ACUTE, 0);
    assert_int_equal(editbuf_apply(b, EDIT_BACKSPACE), 0);
    editbuf_free(b);
}

static void
test_home_end_multiline(void **state)
{
    (void)state;
    /* uno 0-2, \n 3, dos 4-6, \n 7, tres 8-11 */
    struct editbuf *b = with_text("uno\ndos\ntres");
    press(b, EDIT_HOME, 1);
    assert_int_equal(editbuf_cursor(b), 8);
    assert_int_equal(editbuf_apply(b, EDIT_HOME), 0);
    press(b, EDIT_END, 1);
    assert_int_equal(editbuf_cursor(b), 12);
    assert_int_equal(editbuf_apply(b, EDIT_END), 0);
    press(b, EDIT_LEFT, 6);
    assert_int_equal(editbuf_cursor(b), 6);
    press(b, EDIT_HOME, 1);
    assert_int_equal(editbuf_cursor(b), 4);
    press(b, EDIT_END, 1);
    assert_int_equal(editbuf_cursor(b), 7);
    editbuf_free(b);
}

static void
test_word_motions(void **state)
{
    static const size_t right[] = {4, 12, 16, 24};
    static const size_t left[] = {18, 13, 6, 0};
    (void)state;
    struct editbuf *b = with_text(SAMPLE);
    assert_int_equal(editbuf_len(b), 24);
    for (size_t i = 0; i < 4; i++) {
        press(b, EDIT_WORD_LEFT, 1);
        assert_int_equal(editbuf_cursor(b), left[i]);
    }
    assert_int_equal(editbuf_apply(b, EDIT_WORD_LEFT), 0);
    for (size_t i = 0; i < 4; i++) {
        press(b, EDIT_WORD_RIGHT, 1);
        assert_int_equal(editbuf_cursor(b), right[i]);
    }
    assert_int_equal(editbuf_apply(b, EDIT_WORD_RIGHT), 0);
    /* From inside a word: to its start and to its end. */
    press(b, EDIT_HOME, 1);
    press(b, EDIT_RIGHT, 9);
    assert_int_equal(editbuf_cursor(b), 10);
    press(b, EDIT_WORD_RIGHT, 1);
    assert_int_equal(editbuf_cursor(b), 12);
    press(b, EDIT_LEFT, 2);
    press(b, EDIT_WORD_LEFT, 1);
    assert_int_equal(editbuf_cursor(b), 6);
    editbuf_free(b);
}

static void
test_kill_word_back_and_yank(void **state)
{
    (void)state;
    struct editbuf *b = with_text(SAMPLE);
    press(b, EDIT_KILL_WORD_BACK, 1);
    ASSERT_STATE(b, "hola, \xc2\xbfqu" E_ACUTE " tal? ", 18);
    /* Like bash's Ctrl-W, the next one takes "tal?" whole, and the two kills yank as one. */
    press(b, EDIT_KILL_WORD_BACK, 1);
    ASSERT_STATE(b, "hola, \xc2\xbfqu" E_ACUTE " ", 13);
    press(b, EDIT_YANK, 1);
    ASSERT_STATE(b, SAMPLE, 24);
    /* Yank again: the kill ring still holds it. */
    press(b, EDIT_YANK, 1);
    ASSERT_STATE(b, SAMPLE "tal? " KAN JI, 35);
    editbuf_free(b);
}

static void
test_kill_line_and_yank(void **state)
{
    (void)state;
    struct editbuf *b = with_text("hola mundo");
    assert_int_equal(editbuf_apply(b, EDIT_YANK), 0);
    press(b, EDIT_HOME, 1);
    press(b, EDIT_RIGHT, 5);
    press(b, EDIT_KILL_TO_END, 1);
    ASSERT_STATE(b, "hola ", 5);
    assert_int_equal(editbuf_apply(b, EDIT_KILL_TO_END), 0);
    press(b, EDIT_HOME, 1);
    press(b, EDIT_YANK, 1);
    ASSERT_STATE(b, "mundohola ", 5);
    press(b, EDIT_KILL_TO_START, 1);
    ASSERT_STATE(b, "hola ", 0);
    assert_int_equal(editbuf_apply(b, EDIT_KILL_TO_START), 0);
    press(b, EDIT_END, 1);
    press(b, EDIT_YANK, 1);
    ASSERT_STATE(b, "hola mundo", 10);
    editbuf_free(b);
}

static void
test_consecutive_kills_join(void **state)
{
    (void)state;
    struct editbuf *b = with_text("abc def");
    press(b, EDIT_LEFT, 4);
    /* Ctrl-K then Ctrl-U: the backward kill goes in front. */
    press(b, EDIT_KILL_TO_END, 1);
    press(b, EDIT_KILL_TO_START, 1);
    ASSERT_STATE(b, "", 0);
    press(b, EDIT_YANK, 1);
    ASSERT_STATE(b, "abc def", 7);
    /* A motion in between starts a new kill. */
    press(b, EDIT_KILL_WORD_BACK, 1);
    press(b, EDIT_LEFT, 1);
    press(b, EDIT_KILL_WORD_BACK, 1);
    ASSERT_STATE(b, " ", 0);
    press(b, EDIT_YANK, 1);
    ASSERT_STATE(b, "abc ", 3);
    editbuf_free(b);
}

static void
test_kill_multiline(void **state)
{
    (void)state;
    struct editbuf *b = with_text("uno\ndos\ntres");
    press(b, EDIT_LEFT, 6);     /* "do|s" */
    press(b, EDIT_KILL_TO_START, 1);
    ASSERT_STATE(b, "uno\ns\ntres", 4);
    press(b, EDIT_KILL_TO_END, 1);
    ASSERT_STATE(b, "uno\n\ntres", 4);
    /* Ctrl-K at the end of a line leaves the newline alone. */
    assert_int_equal(editbuf_apply(b, EDIT_KILL_TO_END), 0);
    assert_int_equal(editbuf_apply(b, EDIT_KILL_TO_START), 0);
    press(b, EDIT_YANK, 1);
    ASSERT_STATE(b, "uno\ndos\ntres", 7);
    /* Ctrl-W crosses a newline the way readline crosses whitespace. */
    press(b, EDIT_RIGHT, 1);
    press(b, EDIT_KILL_WORD_BACK, 1);
    ASSERT_STATE(b, "uno\ntres", 4);
    editbuf_free(b);
}

static void
test_line_up_down(void **state)
{
    (void)state;
    /* abcdef 0-5, \n 6, ab 7-8, \n 9, abcdef 10-15 */
    struct editbuf *b = with_text("abcdef\nab\nabcdef");
    assert_int_equal(editbuf_apply(b, EDIT_LINE_DOWN), 0);
    press(b, EDIT_LEFT, 2);
    assert_int_equal(editbuf_cursor(b), 14);
    press(b, EDIT_LINE_UP, 1);
    assert_int_equal(editbuf_cursor(b), 9);
    /* Through the short line and back out at column 4 again. */
    press(b, EDIT_LINE_UP, 1);
    assert_int_equal(editbuf_cursor(b), 4);
    assert_int_equal(editbuf_apply(b, EDIT_LINE_UP), 0);
    press(b, EDIT_LINE_DOWN, 2);
    assert_int_equal(editbuf_cursor(b), 14);
    /* Another key forgets the goal column. */
    press(b, EDIT_LINE_UP, 1);
    press(b, EDIT_LEFT, 1);
    press(b, EDIT_LINE_DOWN, 1);
    assert_int_equal(editbuf_cursor(b), 11);
    editbuf_free(b);
}

static void
test_line_up_down_wide(void **state)
{
    (void)state;
    /* 漢 0-2, 字 3-5, x 6, \n 7, abcde 8-12 */
    struct editbuf *b = with_text(KAN JI "x\nabcde");
    press(b, EDIT_LEFT, 2);     /* column 3 */
    press(b, EDIT_LINE_UP, 1);
    /* Column 3 is the right half of 字: the cursor stops before it. */
    assert_int_equal(editbuf_cursor(b), 3);
    press(b, EDIT_LINE_DOWN, 1);
    assert_int_equal(editbuf_cursor(b), 11);
    press(b, EDIT_HOME, 1);
    press(b, EDIT_RIGHT, 1);
    press(b, EDIT_LINE_UP, 1);
    assert_int_equal(editbuf_cursor(b), 0);
    press(b, EDIT_LINE_DOWN, 1);
    assert_int_equal(editbuf_cursor(b), 9);
    press(b, EDIT_END, 1);
    press(b, EDIT_LINE_UP, 1);
    assert_int_equal(editbuf_cursor(b), 7);
    editbuf_free(b);
}

static void
test_undo_typing_coalesces(void **state)
{
    (void)state;
    struct editbuf *b = editbuf_new();
    type(b, "hola qu" E_ACUTE);
    ASSERT_STATE(b, "hola qu" E_ACUTE, 9);
    press(b, EDIT_UNDO, 1);
    ASSERT_STATE(b, "hola ", 5);
    press(b, EDIT_UNDO, 1);
    ASSERT_STATE(b, "hola", 4);
    press(b, EDIT_UNDO, 1);
    ASSERT_STATE(b, "", 0);
    assert_int_equal(editbuf_apply(b, EDIT_UNDO), 0);
    /* A cursor move ends the word: "c" typed after it is its own step. */
    type(b, "ab");
    press(b, EDIT_LEFT, 1);
    type(b, "c");
    ASSERT_STATE(b, "acb", 2);
    press(b, EDIT_UNDO, 1);
    ASSERT_STATE(b, "ab", 1);
    press(b, EDIT_UNDO, 1);
    ASSERT_STATE(b, "", 0);
    /* A key that changes nothing does not end the word. */
    type(b, "ab");
    assert_int_equal(editbuf_apply(b, EDIT_RIGHT), 0);
    type(b, "c");
    press(b, EDIT_UNDO, 1);
    ASSERT_STATE(b, "", 0);
    /* A paste is one step of its own, not joined to the typing before it. */
    type(b, "ab");
    editbuf_insert(b, "cd", 2);
    press(b, EDIT_UNDO, 1);
    ASSERT_STATE(b, "ab", 2);
    editbuf_free(b);
}

static void
test_undo_edits(void **state)
{
    (void)state;
    struct editbuf *b = editbuf_new();
    editbuf_set(b, "uno dos");
    press(b, EDIT_KILL_WORD_BACK, 1);
    ASSERT_STATE(b, "uno ", 4);
    press(b, EDIT_YANK, 1);
    press(b, EDIT_YANK, 1);
    ASSERT_STATE(b, "uno dosdos", 10);
    press(b, EDIT_LEFT, 3);
    press(b, EDIT_BACKSPACE, 1);
    press(b, EDIT_DELETE, 1);
    ASSERT_STATE(b, "uno doos", 6);
    press(b, EDIT_UNDO, 1);
    ASSERT_STATE(b, "uno dodos", 6);
    press(b, EDIT_UNDO, 1);
    ASSERT_STATE(b, "uno dosdos", 7);
    press(b, EDIT_UNDO, 1);
    ASSERT_STATE(b, "uno dos", 7);
    press(b, EDIT_UNDO, 1);
    ASSERT_STATE(b, "uno ", 4);
    press(b, EDIT_UNDO, 1);
    ASSERT_STATE(b, "uno dos", 7);
    editbuf_set(b, "otra");
    press(b, EDIT_UNDO, 1);
    ASSERT_STATE(b, "uno dos", 7);
    press(b, EDIT_UNDO, 1);
    ASSERT_STATE(b, "", 0);
    assert_int_equal(editbuf_apply(b, EDIT_UNDO), 0);
    editbuf_free(b);
}

static void
test_undo_capped(void **state)
{
    (void)state;
    struct editbuf *b = editbuf_new();
    /* 250 two-character inserts: 250 steps, of which the last 200 are kept. */
    for (int i = 0; i < 250; i++)
        editbuf_insert(b, "x ", 2);
    assert_int_equal(editbuf_len(b), 500);
    int undone = 0;
    while (editbuf_apply(b, EDIT_UNDO))
        undone++;
    assert_int_equal(undone, 200);
    assert_int_equal(editbuf_len(b), 100);
    assert_int_equal(editbuf_cursor(b), 100);
    editbuf_free(b);
}

static void
test_clear(void **state)
{
    (void)state;
    struct editbuf *b = with_text("mensaje enviado");
    press(b, EDIT_KILL_WORD_BACK, 1);
    editbuf_clear(b);
    ASSERT_STATE(b, "", 0);
    /* Nothing to undo into: the sent text must not come back. */
    assert_int_equal(editbuf_apply(b, EDIT_UNDO), 0);
    /* The kill ring outlives a send, as in readline across lines. */
    press(b, EDIT_YANK, 1);
    ASSERT_STATE(b, "enviado", 7);
    editbuf_free(b);
}

/* Lays b out in a box cols wide and checks rows ("start,len" pairs) and the cursor. */
static void
assert_layout(const struct editbuf *b, int cols, size_t crow, int ccol, size_t nwant,
              const size_t *want)
{
    size_t starts[16], lens[16], row = 99;
    int col = 99;
    size_t rows = editbuf_layout(b, cols, starts, lens, 16, &row, &col);

    assert_int_equal(rows, nwant);
    for (size_t i = 0; i < nwant && i < 16; i++) {
        assert_int_equal(starts[i], want[2 * i]);
        assert_int_equal(lens[i], want[2 * i + 1]);
    }
    assert_int_equal(row, crow);
    assert_int_equal(col, ccol);
}

#define LAYOUT(b, cols, crow, ccol, ...)                                          \
    do {                                                                          \
        static const size_t w_[] = {__VA_ARGS__};                                 \
        assert_layout(b, cols, crow, ccol, sizeof w_ / sizeof w_[0] / 2, w_);     \
    } while (0)

static void
test_layout_width_10(void **state)
{
    (void)state;
    struct editbuf *b = with_text("hola\nmundo");
    LAYOUT(b, 10, 1, 5, 0, 4, 5, 5);
    press(b, EDIT_LINE_UP, 1);
    LAYOUT(b, 10, 0, 4, 0, 4, 5, 5);
    /* Character wrap, not word wrap: the cursor maps straight onto the rows. */
    editbuf_set(b, "hola que tal amigos");
    LAYOUT(b, 10, 1, 9, 0, 10, 10, 9);
    editbuf_set(b, "a\n\nb");
    press(b, EDIT_LEFT, 2);
    LAYOUT(b, 10, 1, 0, 0, 1, 2, 0, 3, 1);
    editbuf_set(b, "ab\n");
    LAYOUT(b, 10, 1, 0, 0, 2, 3, 0);
    editbuf_set(b, KAN JI "abc");
    LAYOUT(b, 10, 0, 7, 0, 9);
    press(b, EDIT_HOME, 1);
    press(b, EDIT_RIGHT, 1);
    LAYOUT(b, 10, 0, 2, 0, 9);
    editbuf_free(b);
}

static void
test_layout_width_5(void **state)
{
    (void)state;
    struct editbuf *b = with_text("abcdefghij");
    /* After the last character of a full row, the cursor sits on a fresh row below. */
    LAYOUT(b, 5, 2, 0, 0, 5, 5, 5, 10, 0);
    press(b, EDIT_LEFT, 5);
    LAYOUT(b, 5, 1, 0, 0, 5, 5, 5);
    press(b, EDIT_LEFT, 1);
    LAYOUT(b, 5, 0, 4, 0, 5, 5, 5);
    /* "ab漢字c": 字 would cross the edge, so row 1 ends one column short. */
    editbuf_set(b, "ab" KAN JI "c");
    LAYOUT(b, 5, 1, 3, 0, 5, 5, 4);
    press(b, EDIT_LEFT, 2);
    LAYOUT(b, 5, 1, 0, 0, 5, 5, 4);
    press(b, EDIT_LEFT, 1);
    LAYOUT(b, 5, 0, 2, 0, 5, 5, 4);
    /* A full row that ends at a newline: the cursor before the newline goes below too. */
    editbuf_set(b, "abcde\nxy");
    press(b, EDIT_LINE_UP, 1);
    assert_int_equal(editbuf_cursor(b), 2);
    press(b, EDIT_END, 1);
    LAYOUT(b, 5, 1, 0, 0, 5, 5, 0, 6, 2);
    press(b, EDIT_RIGHT, 1);
    LAYOUT(b, 5, 1, 0, 0, 5, 6, 2);
    editbuf_free(b);
}

static void
test_layout_width_1(void **state)
{
    (void)state;
    /* a 0, 漢 1-3, \n 4, b 5 */
    struct editbuf *b = with_text("a" KAN "\nb");
    LAYOUT(b, 1, 3, 0, 0, 1, 1, 3, 5, 1, 6, 0);
    press(b, EDIT_LEFT, 2);
    /* A wide character still gets a row of its own; after it the cursor goes below. */
    LAYOUT(b, 1, 2, 0, 0, 1, 1, 3, 4, 0, 5, 1);
    press(b, EDIT_LEFT, 1);
    LAYOUT(b, 1, 1, 0, 0, 1, 1, 3, 5, 1);
    press(b, EDIT_LEFT, 1);
    LAYOUT(b, 1, 0, 0, 0, 1, 1, 3, 5, 1);
    /* Widths below 1 count as 1. */
    LAYOUT(b, 0, 0, 0, 0, 1, 1, 3, 5, 1);
    /* A combining mark stays on its wide base's row. */
    editbuf_set(b, KAN "\xcc\x81" "b");
    LAYOUT(b, 1, 2, 0, 0, 5, 5, 1, 6, 0);
    editbuf_free(b);
}

/* Found by fuzz_editbuf: a cursor before the zero-width marks that end a full row was put
 * one column past the edge of the box (off the screen in a full-width compose box). */
static void
test_layout_cursor_before_marks_at_edge(void **state)
{
    (void)state;
    struct editbuf *b = with_text("abce\xcc\x81");     /* e + combining acute */
    press(b, EDIT_LEFT, 1);
    assert_int_equal(editbuf_cursor(b), 4);
    LAYOUT(b, 4, 1, 0, 0, 6, 6, 0);
    editbuf_set(b, "abce\xcc\x81xy");
    press(b, EDIT_LEFT, 3);
    assert_int_equal(editbuf_cursor(b), 4);
    LAYOUT(b, 4, 1, 0, 0, 6, 6, 2);
    /* A wide character in a one-column box, the cursor between it and its mark. */
    editbuf_set(b, KAN "\xcc\x81" "b");
    press(b, EDIT_LEFT, 2);
    assert_int_equal(editbuf_cursor(b), 3);
    LAYOUT(b, 1, 1, 0, 0, 5, 5, 1);
    editbuf_free(b);
}

static void
test_layout_counts_past_max(void **state)
{
    size_t starts[2] = {99, 99}, lens[2] = {99, 99}, row;
    int col;
    (void)state;
    struct editbuf *b = with_text("abcdefg");
    assert_int_equal(editbuf_layout(b, 2, starts, lens, 1, &row, &col), 4);
    assert_int_equal(starts[0], 0);
    assert_int_equal(lens[0], 2);
    assert_int_equal(starts[1], 99);
    assert_int_equal(row, 3);
    assert_int_equal(col, 1);
    assert_int_equal(editbuf_layout(b, 2, NULL, NULL, 0, NULL, NULL), 4);
    editbuf_free(b);
}

static void
test_paste_10000(void **state)
{
    size_t starts[4], lens[4], row;
    int col;
    (void)state;
    char *big = xmalloc(30000 + 1);
    for (int i = 0; i < 10000; i++)
        memcpy(big + 3 * i, KAN, 3);
    big[30000] = '\0';

    struct editbuf *b = editbuf_new();
    type(b, "ok ");
    editbuf_insert(b, big, 30000);
    assert_int_equal(editbuf_len(b), 30003);
    assert_int_equal(editbuf_cursor(b), 30003);
    assert_memory_equal(editbuf_text(b) + 3, big, 30000);
    /* "ok " then 5 漢 per row of 10: 2000 rows and a 4-column tail. */
    assert_int_equal(editbuf_layout(b, 10, starts, lens, 4, &row, &col), 2001);
    assert_int_equal(lens[0], 3 + 3 * 3);
    assert_int_equal(starts[1], 12);
    assert_int_equal(lens[1], 15);
    assert_int_equal(row, 2000);
    assert_int_equal(col, 4);
    /* The whole paste is one word and one undo step. */
    press(b, EDIT_WORD_LEFT, 1);
    assert_int_equal(editbuf_cursor(b), 3);
    press(b, EDIT_UNDO, 1);
    ASSERT_STATE(b, "ok ", 3);

    /* Typed instead of pasted, 10,000 word characters still undo as one step. */
    editbuf_clear(b);
    type(b, big);
    assert_int_equal(editbuf_len(b), 30000);
    press(b, EDIT_UNDO, 1);
    ASSERT_STATE(b, "", 0);
    editbuf_free(b);
    free(big);
}

/* Random keys over mixed text never leave the cursor inside a character or the text
 * invalid. */
static void
test_random_keys_keep_boundaries(void **state)
{
    static const char *const pieces[] = {
        "a", " ", "\n", E_ACUTE, KAN, SMILE, "e\xcc\x81", ",", "\xff", "\xe6\xbc",
    };
    uint32_t seed = 42;
    (void)state;
    struct editbuf *b = editbuf_new();
    for (int step = 0; step < 20000; step++) {
        seed = seed * 1103515245u + 12345u;
        unsigned r = (seed >> 16) % 32;
        if (r <= EDIT_UNDO) {
            editbuf_apply(b, (enum edit_op)r);
        } else {
            const char *p = pieces[r % (sizeof pieces / sizeof pieces[0])];
            editbuf_insert(b, p, strlen(p));
        }
        const char *t = editbuf_text(b);
        size_t cur = editbuf_cursor(b), len = editbuf_len(b);
        assert_true(cur <= len);
        assert_int_equal(strlen(t), len);
        assert_true(cur == len || ((unsigned char)t[cur] & 0xc0) != 0x80);
        assert_true(mbstowcs(NULL, t, 0) != (size_t)-1);
        if (step % 500 == 0)
            editbuf_clear(b);
    }
    editbuf_free(b);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_empty),
        cmocka_unit_test(test_insert),
        cmocka_unit_test(test_insert_invalid),
        cmocka_unit_test(test_left_right_utf8),
        cmocka_unit_test(test_backspace_delete_utf8),
        cmocka_unit_test(test_home_end_multiline),
        cmocka_unit_test(test_word_motions),
        cmocka_unit_test(test_kill_word_back_and_yank),
        cmocka_unit_test(test_kill_line_and_yank),
        cmocka_unit_test(test_consecutive_kills_join),
        cmocka_unit_test(test_kill_multiline),
        cmocka_unit_test(test_line_up_down),
        cmocka_unit_test(test_line_up_down_wide),
        cmocka_unit_test(test_undo_typing_coalesces),
        cmocka_unit_test(test_undo_edits),
        cmocka_unit_test(test_undo_capped),
        cmocka_unit_test(test_clear),
        cmocka_unit_test(test_layout_width_10),
        cmocka_unit_test(test_layout_width_5),
        cmocka_unit_test(test_layout_width_1),
        cmocka_unit_test(test_layout_cursor_before_marks_at_edge),
        cmocka_unit_test(test_layout_counts_past_max),
        cmocka_unit_test(test_paste_10000),
        cmocka_unit_test(test_random_keys_keep_boundaries),
    };
    if (setlocale(LC_ALL, "C.UTF-8") == NULL)
        return 1;
    return cmocka_run_group_tests(tests, NULL, NULL);
}
