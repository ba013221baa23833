/* The console's one way to Jelou: what the model asks of a backend (send, retry, close,
 * start, look up) and how the answers come back, so that another way (a team server) is a
 * second implementation, not branches in the console. */
#ifndef JELOU_UI_BACKEND_H
#define JELOU_UI_BACKEND_H

#include <stddef.h>

#include "jelou/outbox.h"
#include "jelou/rest.h"

struct event;
struct journal;
struct loop;
struct message;
struct settings;
struct team_event;
struct transport;

/* Where and how events come in (the direct backend: the signed webhook listener). */
struct backend_listen {
    const char *addr;       /* default 127.0.0.1 */
    unsigned port;          /* 0 picks a free one */
    const char *path;       /* the webhook path */
    const char *token;      /* the integration's token, or NULL */
    const char *journal;    /* every accepted event, fsynced before its 200; or NULL */
    const char *quarantine; /* signed bodies that could not be read; or NULL */
    /* A user's message or a conversation event, once (duplicate set for a redelivery). */
    void (*on_event)(void *arg, const struct event *ev, int duplicate);
    /* The listener's troubles (a journal that fails, an event kept unread): one line. */
    void (*on_notice)(void *arg, const char *text);
    /* Team mode: the team server's events other than a user's (assignment, status, notes,
     * typing, replies: include/jelou/inbox.h applies them), and its rooms as they are now
     * (GET /v1/rooms, at the first start and after a reset). */
    void (*on_team)(void *arg, const struct team_event *ev);
    void (*on_rooms)(void *arg, const char *json, size_t len);
    void *arg;
};

/* Team mode's room operations (POST /v1/rooms/ROOM/OP). */
enum room_op { ROOM_OP_CLAIM, ROOM_OP_RELEASE, ROOM_OP_ASSIGN, ROOM_OP_STATUS, ROOM_OP_NOTE,
               ROOM_OP_TYPING };

struct room_request {
    enum room_op op;
    const char *room;
    const char *arg;          /* assign: to; status: pending|snoozed|resolved; note: text */
    const char *expect;       /* assign: the assignee it must have now ("" for nobody) */
    long long until_ms;       /* status snoozed: until when (wall clock), else 0 */
};

struct room_answer {
    int ok;
    long http_status;         /* 0 when the server did not answer */
    const char *error;        /* one line when not ok */
    const char *assignee;     /* a 409's current assignee, or NULL */
};

typedef void (*room_done_fn)(void *arg, const struct room_answer *ans);

/* The connection state the status line shows, after each send's end: "link ok",
 * "unreachable", "last send refused (401)". */
typedef void (*backend_state_fn)(void *arg, const char *state);

/* Who a conversation command is about. */
struct conversation_ref {
    const char *project;
    const char *bot;
    const char *user;
    const char *conversation; /* Jelou's id, for lookups */
    const char *room;         /* the room (team mode closes rooms on the team server) */
};

/* Every operation returns 0 (or the entry) or -1 (NULL) with a one-line *cause, and
 * nothing was sent then. A send's states, up to accepted or failed, come to the
 * on_change the backend was made with, with the entry it returned. */
struct backend_ops {
    /* Events in: starts receiving them. *where gets what the status line shows
     * ("in 127.0.0.1:8787"), *url where Jelou (or the sandbox) sends them; both newly
     * allocated. */
    int (*listen)(void *ctx, const struct backend_listen *o, char **where, char **url,
                  char **cause);
    /* An event read back from disk at start: remembered, so that its redelivery is
     * answered without being shown again. Returns 1 when it was new. */
    int (*seen)(void *ctx, const struct event *ev);
    /* Ready to send, through journal (NULL: none). Sends before this are refused. */
    int (*open)(void *ctx, struct journal *journal, char **cause);
    /* Signs and queues m (taken). */
    struct outbox_entry *(*send)(void *ctx, struct message *m, char **cause);
    /* Sends the bytes an earlier run signed, unchanged and with their id (/resume);
     * shown (taken) is what the transcript shows. */
    struct outbox_entry *(*resend)(void *ctx, struct message *shown, const char *body,
                                   size_t len, char **cause);
    /* A failed send again, with the same id. */
    int (*retry)(void *ctx, struct outbox_entry *e, char **cause);
    /* Messages queued or sending. */
    int (*busy)(void *ctx);
    /* Once per loop turn, before drawing: makes what was queued durable. */
    int (*flush)(void *ctx, char **cause);
    /* /close [text], /start USER [text], /info: the answer comes to done(arg, ...). */
    int (*close)(void *ctx, const struct conversation_ref *c, const char *text, rest_fn done,
                 void *arg, char **cause);
    int (*start)(void *ctx, const struct conversation_ref *c, const char *text, rest_fn done,
                 void *arg, char **cause);
    int (*info)(void *ctx, const struct conversation_ref *c, rest_fn done, void *arg,
                char **cause);
    /* Team mode only; NULL in the direct backend (the console says "team mode only"). */
    int (*room)(void *ctx, const struct room_request *q, room_done_fn done, void *arg,
                char **cause);
    /* This agent's name as the team server knows it; NULL when not known (direct). */
    const char *(*me)(void *ctx);
    void (*free)(void *ctx);
};

struct backend {
    const struct backend_ops *ops;
    void *ctx;
};

/* Talks to Jelou itself: the webhook listener on l for events, the outbox (signed
 * webhooks through the transport, journaled) for sends, Jelou's REST API with the settings'
 * API key. st, t, l and the journal must outlive the backend; st is read when each call is
 * made (the endpoint and secret when open is). on_change and on_state get arg. */
struct backend *backend_direct_new(struct settings *st, struct transport *t, struct loop *l,
                                   outbox_change_fn on_change, backend_state_fn on_state,
                                   void *arg);
/* Talks to the team server (st->server, st->token): its event stream for events, its
 * POST /v1/messages through the outbox for sends (the same id on every retry), its room
 * operations. Holds no signing secret. Same lifetimes as backend_direct_new. */
struct backend *backend_team_new(struct settings *st, struct transport *t, struct loop *l,
                                 outbox_change_fn on_change, backend_state_fn on_state,
                                 void *arg);
void backend_free(struct backend *b);

#endif
