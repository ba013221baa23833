/* The send pipeline: serialize once, sign, send through the transport, track each state. */
#ifndef JELOU_OUTBOX_H
#define JELOU_OUTBOX_H

#include "jelou/message.h"

struct transport;

enum send_state {
    SEND_QUEUED,
    SEND_SENDING,
    SEND_ACCEPTED, /* a 2xx arrived: never sent again */
    SEND_FAILED,   /* non-2xx or network failure after the allowed attempts */
};

const char *send_state_name(enum send_state s);

struct outbox_entry {
    struct message *msg;
    char *body;          /* the exact bytes signed and sent */
    size_t body_len;
    char signature[72];  /* X-Jelou-Signature value */
    enum send_state state;
    int attempt;         /* current or last attempt, 1-based */
    int max_attempts;
    long http_status;
    int network_error;
    char *error;         /* one line, or NULL */
    char *response;      /* first bytes of the answer */
    void *user;          /* for the caller */
};

/* Called on every state change and attempt. */
typedef void (*outbox_change_fn)(void *arg, struct outbox_entry *e);

struct outbox_opts {
    const char *endpoint;
    const char *secret;
    int max_attempts;
    int parallel;        /* sends in flight at once, default 8 */
};

struct outbox;

struct outbox *outbox_new(struct transport *t, const struct outbox_opts *o,
                          outbox_change_fn change, void *arg);
void outbox_free(struct outbox *ob);

/* Takes ownership of m (validated and serialized here). Returns the entry, or NULL with
 * *cause when the message is refused (m is then freed and nothing is sent). */
struct outbox_entry *outbox_add(struct outbox *ob, struct message *m, char **cause);

/* Sends a failed entry again with the same id and the same bytes. Returns 0 or -1. */
int outbox_retry(struct outbox *ob, struct outbox_entry *e, char **cause);

/* Entries queued or sending. */
int outbox_busy(const struct outbox *ob);

#endif
