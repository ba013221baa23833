/* The compose box's editing buffer: UTF-8 text, cursor, readline keys, kill ring, undo. */
#ifndef JELOU_EDITBUF_H
#define JELOU_EDITBUF_H

#include <stddef.h>

enum edit_op {
    EDIT_LEFT,            /* Ctrl-B, Left: one character */
    EDIT_RIGHT,           /* Ctrl-F, Right */
    EDIT_HOME,            /* Ctrl-A, Home: start of the current line */
    EDIT_END,             /* Ctrl-E, End: end of the current line */
    EDIT_WORD_LEFT,       /* Alt-B */
    EDIT_WORD_RIGHT,      /* Alt-F */
    EDIT_LINE_UP,         /* Up inside a multi-line draft */
    EDIT_LINE_DOWN,       /* Down inside a multi-line draft */
    EDIT_BACKSPACE,       /* Backspace, Ctrl-H */
    EDIT_DELETE,          /* Delete, Ctrl-D */
    EDIT_KILL_WORD_BACK,  /* Ctrl-W: to the start of the previous word, into the kill ring */
    EDIT_KILL_TO_START,   /* Ctrl-U: to the start of the line */
    EDIT_KILL_TO_END,     /* Ctrl-K: to the end of the line */
    EDIT_YANK,            /* Ctrl-Y: insert the last kill */
    EDIT_UNDO,            /* Ctrl-_: undo the last change (repeatable) */
};

struct editbuf;

struct editbuf *editbuf_new(void);
void editbuf_free(struct editbuf *b);

/* The text, NUL-terminated UTF-8, and its length in bytes. */
const char *editbuf_text(const struct editbuf *b);
size_t editbuf_len(const struct editbuf *b);
/* The cursor as a byte offset; always on a character boundary. */
size_t editbuf_cursor(const struct editbuf *b);

/* Inserts at the cursor (a typed character, a paste, a newline). Invalid UTF-8 is
 * replaced by U+FFFD. Consecutive single-character inserts undo as one word. */
void editbuf_insert(struct editbuf *b, const char *s, size_t n);
/* Replaces everything (undoable); the cursor goes to the end. */
void editbuf_set(struct editbuf *b, const char *s);
/* Empties the buffer (after a send); undo history is dropped. */
void editbuf_clear(struct editbuf *b);

/* Applies an editing operation. Returns 1 if the text or cursor changed, else 0. */
int editbuf_apply(struct editbuf *b, enum edit_op op);

/* Wraps the text for a box cols wide: rows of at most cols columns (character-wrapped,
 * newlines honoured), and where the cursor is. starts/lens receive at most max rows.
 * Returns the total number of rows (at least 1). */
size_t editbuf_layout(const struct editbuf *b, int cols, size_t *starts, size_t *lens,
                      size_t max, size_t *cursor_row, int *cursor_col);

#endif
