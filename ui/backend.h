/* The console's one way to Jelou: what the model asks of a backend (send, retry, close,
 * start, look up) and how the answers come back, so that another way (a team server) is a
 * second implementation, not branches in the console. */
#ifndef JELOU_UI_BACKEND_H
#define JELOU_UI_BACKEND_H

#include <stddef.h>

#include "jelou/outbox.h"
#include "jelou/rest.h"

struct journal;
struct message;
struct settings;
struct transport;

/* Who a conversation command is about. */
struct conversation_ref {
    const char *project;
    const char *bot;
    const char *user;
    const char *conversation; /* Jelou's id, for lookups */
};

/* Every operation returns 0 (or the entry) or -1 (NULL) with a one-line *cause, and
 * nothing was sent then. A send's states, up to accepted or failed, come to the
 * on_change the backend was made with, with the entry it returned. */
struct backend_ops {
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
    void (*free)(void *ctx);
};

struct backend {
    const struct backend_ops *ops;
    void *ctx;
};

/* Talks to Jelou itself: the outbox (signed webhooks through the transport, journaled when
 * journal is not NULL) and Jelou's REST API with the settings' API key. st, t and journal
 * must outlive the backend; st is read when each call is made. */
struct backend *backend_direct_new(struct settings *st, struct transport *t,
                                   struct journal *journal, outbox_change_fn on_change,
                                   void *arg);
void backend_free(struct backend *b);

#endif
