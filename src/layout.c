/* Screen geometry: where each pane goes for a terminal size (pure arithmetic, no curses). */
#include "jelou/layout.h"

#include <string.h>

static int
clamp(int v, int lo, int hi)
{
    return v < lo ? lo : v > hi ? hi : v;
}

void
layout_compute(int rows, int cols, int user_pane, int compose_rows, struct layout *out)
{
    memset(out, 0, sizeof *out);
    if (rows < LAYOUT_MIN_ROWS || cols < LAYOUT_MIN_COLS) {
        out->too_small = 1;
        return;
    }
    compose_rows = clamp(compose_rows, 1, LAYOUT_COMPOSE_MAX);
    /* The compose box never takes more than a third of the screen. */
    compose_rows = clamp(compose_rows, 1, rows / 3 > 0 ? rows / 3 : 1);

    out->status = (struct rect){rows - 1, 0, 1, cols};
    out->compose = (struct rect){rows - 1 - compose_rows, 0, compose_rows, cols};
    out->recipient = (struct rect){out->compose.row - 1, 0, 1, cols};
    int main_rows = out->recipient.row;

    /* Rooms get a quarter of the width within 18..30 columns; the user pane 24..34. */
    int rooms_cols = clamp(cols / 4, 18, 30);
    out->user_visible = user_pane < 0 ? cols >= LAYOUT_WIDE_COLS : user_pane;
    int user_cols = out->user_visible ? clamp(cols / 4, 24, 34) : 0;
    int transcript_cols = cols - rooms_cols - 1 - (user_cols ? user_cols + 1 : 0);
    if (transcript_cols < 20 && out->user_visible) {
        /* Asked for on a narrow screen: the transcript needs room more. */
        user_cols = 0;
        out->user_visible = 0;
        transcript_cols = cols - rooms_cols - 1;
    }
    out->rooms = (struct rect){0, 0, main_rows, rooms_cols};
    out->transcript = (struct rect){0, rooms_cols + 1, main_rows, transcript_cols};
    if (user_cols)
        out->user = (struct rect){0, cols - user_cols, main_rows, user_cols};
}
