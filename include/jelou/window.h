/* WhatsApp's customer-service window: how long a room may still get free-form messages. */
#ifndef JELOU_WINDOW_H
#define JELOU_WINDOW_H

#include <stddef.h>

/* Free-form messages reach a WhatsApp user only this long after the user's last message;
 * every user message restarts it, the business's own messages do not. */
#define WINDOW_MS (24LL * 60 * 60 * 1000)
/* Under this much left the screen says "closes in", so that the agent hurries. */
#define WINDOW_CLOSING_MS (60LL * 60 * 1000)

enum window_state {
    WINDOW_UNKNOWN, /* no message from the user is known: the console cannot tell */
    WINDOW_OPEN,
    WINDOW_CLOSING, /* open, under WINDOW_CLOSING_MS left */
    WINDOW_CLOSED,  /* exactly 24 h after the last user message and later */
};

/* The window of a room whose user last wrote at last_in_ms (0: never), seen at now_ms;
 * *left_ms (may be NULL) gets the time left, 0 once closed. */
enum window_state window_state(long long last_in_ms, long long now_ms, long long *left_ms);

/* What the screen shows: "window 3h 12m", "closes in 9m", "window closed", or "" when
 * unknown. Minutes left are rounded up below the hour so that an open window never reads
 * "closes in 0m". */
void window_format(long long last_in_ms, long long now_ms, char *out, size_t size);

/* Whether a free-form send now needs the agent's second Enter: the window is known to be
 * closed. A user message arriving meanwhile opens it again, and the send goes through. */
int window_needs_confirm(long long last_in_ms, long long now_ms);

#endif
