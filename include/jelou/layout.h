/* Screen geometry: where each pane goes for a terminal size (pure arithmetic, no curses). */
#ifndef JELOU_LAYOUT_H
#define JELOU_LAYOUT_H

struct rect {
    int row, col, rows, cols;
};

struct layout {
    struct rect rooms;      /* left: one line per room, under a title row */
    struct rect transcript; /* middle: the selected room's conversation, under a title row */
    struct rect user;       /* right: the user's details (cols 0 when hidden) */
    struct rect recipient;  /* one row: who the compose box writes to */
    struct rect compose;    /* 1..5 rows */
    struct rect status;     /* bottom row */
    int user_visible;
    int too_small;          /* below 40x10: only a "terminal too small" message fits */
};

#define LAYOUT_MIN_ROWS 10
#define LAYOUT_MIN_COLS 40
#define LAYOUT_WIDE_COLS 100 /* narrower terminals hide the user pane by default */
#define LAYOUT_COMPOSE_MAX 5

/* user_pane: -1 automatic (shown from LAYOUT_WIDE_COLS columns), 0 hidden, 1 shown.
 * compose_rows: rows the draft needs (clamped to 1..LAYOUT_COMPOSE_MAX). Pane rects
 * include their title row; vertical separators sit in the column after rooms and before
 * user. */
void layout_compute(int rows, int cols, int user_pane, int compose_rows, struct layout *out);

#endif
