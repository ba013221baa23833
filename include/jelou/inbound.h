/* The inbound listener: Jelou's signed events, verified on the raw body, on the loop. */
#ifndef JELOU_INBOUND_H
#define JELOU_INBOUND_H

#include <stddef.h>

#include "jelou/settings.h"

struct event;
struct loop;
struct inbound;

#define INBOUND_DEFAULT_LISTEN SETTINGS_DEFAULT_LISTEN
#define INBOUND_DEFAULT_PATH SETTINGS_DEFAULT_WEBHOOK_PATH

/* What the listener has to tell a person, one line without a newline. */
typedef void (*inbound_notice_fn)(void *arg, const char *text);

struct inbound_opts {
    const char *addr;        /* default 127.0.0.1 */
    unsigned port;           /* 0 picks a free port */
    const char *path;        /* default INBOUND_DEFAULT_PATH */
    const char *secret;      /* signing secret */
    const char *token;       /* when set, also require "Authorization: Bearer TOKEN",
                                "X-API-Key: TOKEN", or Basic credentials equal to TOKEN
                                when it is "user:password" (constant-time compare) */
    const char *journal;     /* append every accepted event (raw body + verdict), fsync,
                                before answering 200; NULL for none */
    const char *quarantine;  /* every signed body that is not a readable event is
                                appended here (raw bytes, base64 when not UTF-8, and the
                                reason), fsync, before it is answered 200; NULL: 500 */
    size_t max_body;         /* default 1 MiB (413 beyond) */
    /* What the listener has to tell a person (a journal that fails or works again, an
     * event kept unread), one line without a newline; called with inbound_new's arg.
     * NULL drops them. The listener itself never writes to stdout or stderr. */
    inbound_notice_fn notice;
};


/* Called for every accepted event, before the 200 goes out; duplicate is set when an
 * event with the same value.id (a conversation event: the same name, conversation and
 * timestamp) was seen already (then it was not journaled again). */
typedef void (*inbound_fn)(void *arg, const struct event *ev, int duplicate);

struct inbound_stats {
    unsigned long accepted;   /* 200 */
    unsigned long duplicates; /* of those, repeats */
    unsigned long unknown;    /* of those, unknown event kinds */
    unsigned long rejected;   /* 401, 404, 405 (a 413 or 400 is answered by httpd unseen) */
    unsigned long unreadable; /* signed, not an event: kept in the quarantine file, 200 */
};

/* Starts listening. Only POST on path is served: 401 for a missing or bad signature (the
 * body is not parsed), 200 for a signed body that is not an event once it is kept in the
 * quarantine file (500 when it cannot be), 404/405 otherwise. A journal or quarantine file
 * that exists and is not a regular file is refused.
 * Returns NULL with *cause ("cannot listen on 127.0.0.1:8787: Address already in use"). */
struct inbound *inbound_new(struct loop *l, const struct inbound_opts *o, inbound_fn fn,
                            void *arg, char **cause);
/* Remembers ev as if it had just been accepted, so that its redelivery is answered 200
 * without being journaled or shown again: the console feeds this the journal it reads at
 * start. Returns 1 when ev was known already (a repeat inside the journal), else 0. */
int inbound_seen(struct inbound *in, const struct event *ev);
/* The check every receiver of Jelou's events makes (listen, serve): the signature on the
 * raw body with secret, then the token when one is set (as inbound_opts.token). NULL when
 * req passes, else the reason for the 401: INBOUND_BAD_SIGNATURE or INBOUND_BAD_TOKEN. */
#define INBOUND_BAD_SIGNATURE "bad signature"
#define INBOUND_BAD_TOKEN "bad token"
struct httpd_request;
const char *inbound_verify(const char *secret, const char *token,
                           const struct httpd_request *req);
/* What makes a redelivery the same event (a message's value.id; a conversation event's
 * name, conversation and time), newly allocated; NULL when nothing tells two apart. */
char *inbound_event_key(const struct event *ev);

unsigned inbound_port(const struct inbound *in);
const struct inbound_stats *inbound_stats(const struct inbound *in);
void inbound_free(struct inbound *in);

#endif
