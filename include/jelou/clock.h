/* The two clocks of the program: monotonic for deadlines, wall for what people and files see. */
#ifndef JELOU_CLOCK_H
#define JELOU_CLOCK_H

/* Monotonic milliseconds (CLOCK_MONOTONIC): for timeouts and back-off, never shown. */
long long clock_mono_ms(void);

/* Unix milliseconds (CLOCK_REALTIME): for timestamps on screen, on the wire and on disk. */
long long clock_wall_ms(void);

#endif
