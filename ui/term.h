/* The few terminal operations the UI needs, as a table: curses in the program, memory in tests. */
#ifndef JELOU_UI_TERM_H
#define JELOU_UI_TERM_H

#include <stddef.h>

/* Styles the theme table maps to colours and attributes. */
enum style {
    ST_NORMAL,
    ST_DIM,       /* earlier sessions, closed rooms, hints */
    ST_TITLE,     /* pane titles */
    ST_SELECTED,  /* the selected room */
    ST_UNREAD,    /* rooms with unread messages */
    ST_IN,        /* the user's name on their messages */
    ST_OUT,       /* "You" on the agent's messages */
    ST_OK,        /* accepted */
    ST_PENDING,   /* queued, sending, checking */
    ST_ERROR,     /* failed, errors in the status line */
    ST_STATUS,    /* the status line */
    ST_BORDER,    /* separators */
    ST_NOTE,      /* team mode: an agents' private note, never sent to the user */
    ST_COUNT
};

/* Keys, as the UI sees them: a Unicode code point, a control character (1..31, 127), or one
 * of these. alt is set for Alt/Meta (ESC prefix). */
enum {
    K_UP = 0x110000,
    K_DOWN,
    K_LEFT,
    K_RIGHT,
    K_HOME,
    K_END,
    K_PGUP,
    K_PGDN,
    K_DEL,
    K_BACKSPACE,
    K_ENTER,
    K_TAB,
    K_ESC,
    K_RESIZE,
    K_PASTE_BEGIN,
    K_PASTE_END,
    K_F1,
    K_F2,
    K_F3,
};

struct key {
    int code;
    int alt;
};

struct term {
    void *ctx;
    void (*size)(void *ctx, int *rows, int *cols);
    void (*erase)(void *ctx);
    /* Draws UTF-8 text (already sanitized and fitted) at row, col. */
    void (*put)(void *ctx, int row, int col, const char *s, size_t n, enum style st);
    void (*cursor)(void *ctx, int row, int col, int visible);
    void (*flush)(void *ctx);
    void (*bell)(void *ctx);
    /* Next key without waiting: 1 with *k, 0 when none is pending. */
    int (*read_key)(void *ctx, struct key *k);
    /* The window size changed (SIGWINCH): ask the tty and resize. May be NULL. */
    void (*resize)(void *ctx);
    /* The next flush rewrites every cell, whatever curses thinks is there (Ctrl-L). May be
     * NULL. */
    void (*repaint)(void *ctx);
};

/* Whether this process can draw the console, checked before anything starts: a UTF-8
 * locale (sets LC_CTYPE from the environment), a TERM whose terminfo entry can address the
 * cursor, and a tty on stdin and stdout. 0, or -1 with a one-line *cause naming the fix. */
int term_curses_check(char **cause);

/* The curses terminal (ui/term_curses.c). fd receives the input fd to wait on. */
int term_curses_open(struct term *t, int *fd, char **cause);
void term_curses_close(struct term *t);
/* Leaves curses mode for a child program ($EDITOR) and comes back. */
void term_curses_suspend(struct term *t);
void term_curses_resume(struct term *t);

/* A terminal in memory for tests (ui/term_mem.c): rows x cols cells. */
struct term *term_mem_new(int rows, int cols);
void term_mem_free(struct term *t);
/* Row r as UTF-8 text with trailing spaces removed, newly allocated. */
char *term_mem_line(struct term *t, int r);
/* The style of the cell at r, c. */
enum style term_mem_style(struct term *t, int r, int c);
/* Queues keys for read_key. */
void term_mem_push_key(struct term *t, int code, int alt);

#endif
