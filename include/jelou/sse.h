/* Server-Sent Events: a push parser for text/event-stream bytes as they arrive. */
#ifndef JELOU_SSE_H
#define JELOU_SSE_H

#include <stddef.h>

/* The longest line kept (a field name and its value): a stream that sends more without a
 * line end is refused, so that a broken server cannot make the console grow without end. */
#define SSE_MAX_LINE (1024 * 1024)

/* One dispatched event, valid during the callback only. */
struct sse_event {
    const char *type;  /* the event: field, "message" when none came */
    const char *data;  /* the data: lines joined with "\n", the last line end dropped */
    size_t data_len;
    const char *id;    /* the last event id seen on the stream so far ("" when none) */
};

struct sse_callbacks {
    void (*on_event)(void *arg, const struct sse_event *ev);
    /* A retry: field of ASCII digits only, in ms. May be NULL. */
    void (*on_retry)(void *arg, long ms);
    /* A comment line (": ping"), without its colon. May be NULL. */
    void (*on_comment)(void *arg, const char *text);
    void *arg;
};

struct sse;

struct sse *sse_new(const struct sse_callbacks *cb);
void sse_free(struct sse *p);

/* Feeds the next n bytes of the stream; lines may be split anywhere, CRLF between two
 * calls included. Returns -1 with *cause when a line is longer than SSE_MAX_LINE: the
 * stream cannot be read further. */
int sse_feed(struct sse *p, const char *bytes, size_t n, char **cause);

/* A new connection: forgets a partial line and event, keeps the last event id (the one to
 * resume from), as the protocol says. */
void sse_reset(struct sse *p);

/* The last event id seen ("" when none). */
const char *sse_last_id(const struct sse *p);

#endif
