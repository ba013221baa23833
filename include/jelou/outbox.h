/* The send pipeline: serialize once, sign, send through the transport, track each state. */
#ifndef JELOU_OUTBOX_H
#define JELOU_OUTBOX_H

#include <stddef.h>

#include "jelou/message.h"
#include "jelou/sign.h"

struct transport;
struct outbox;

struct outbox_entry {
    struct message *msg;
    char *body;          /* the exact bytes signed and sent */
    size_t body_len;
    char signature[SIGN_HEADER_LEN + 1]; /* X-Jelou-Signature value; "" with auth_header */
    enum send_state state;
    int attempt;         /* current or last attempt of this round, 1-based */
    int tries;           /* attempts over every round, retries included */
    int max_attempts;
    long http_status;
    int network_error;
    long retry_in_ms;    /* while sending: the wait before the next attempt; 0 if none */
    int retry_asked;     /* that wait is the server's Retry-After */
    char *error;         /* one line, or NULL */
    char *response;      /* first bytes of the answer */
    void *user;          /* for the caller */
    struct outbox *owner;
    size_t slot;         /* where the outbox lists it */
};

/* Called on every state change and attempt. */
typedef void (*outbox_change_fn)(void *arg, struct outbox_entry *e);

struct journal;

struct outbox_opts {
    const char *endpoint;
    const char *secret;  /* Jelou's signing secret; may be NULL with auth_header */
    /* The team server's "Authorization: Bearer ..." line: sent with every message, and
     * then no signature is computed or sent. NULL: signed for Jelou. Copied, wiped. */
    const char *auth_header;
    /* The bytes to send for m (message_team_request for the team server), validated;
     * NULL with *cause. NULL: message_serialize, Jelou's event. */
    char *(*encode)(const struct message *m, size_t *len, char **cause);
    int max_attempts;
    int parallel;        /* sends in flight at once, default SETTINGS_DEFAULT_PARALLEL */
    struct journal *journal; /* every message queued and each state, or NULL */
};

struct outbox;

/* Validates and serializes m once and signs those bytes: what --dry-run prints and what
 * outbox_add sends. Returns 0 with *body (caller frees) or -1 with *cause. */
int outbox_seal(const struct message *m, const char *secret, char **body, size_t *len,
                char sig[SIGN_HEADER_LEN + 1], char **cause);

struct outbox *outbox_new(struct transport *t, const struct outbox_opts *o,
                          outbox_change_fn change, void *arg);
void outbox_free(struct outbox *ob);

/* Takes ownership of m (validated and serialized here). Returns the entry, or NULL with
 * *cause when the message is refused (m is then freed and nothing is sent): invalid, or
 * its queued record could not be journaled. With a journal, it goes out from the next
 * outbox_flush on. */
struct outbox_entry *outbox_add(struct outbox *ob, struct message *m, char **cause);

/* Sends bytes a stopped process had queued (journal_recover) again, as they were: m says
 * whose they are (id, room, user, type) for display. Takes m. NULL with *cause. */
struct outbox_entry *outbox_add_raw(struct outbox *ob, struct message *m, const char *body,
                                    size_t len, char **cause);

/* Makes what the journal got so far durable, then starts the messages queued since (none
 * goes out before its queued record is durable; when the fsync fails they are failed,
 * "not sent"). Call once per loop turn, before the loop waits. -1 with *cause reports a
 * journal failure, once for a run of them: show it and let it change the exit status. */
int outbox_flush(struct outbox *ob, char **cause);

/* Sends a failed entry again with the same id and the same bytes. Returns 0 or -1. */
int outbox_retry(struct outbox *ob, struct outbox_entry *e, char **cause);

/* Where sends go from now on (the link moved to another team server): every entry that
 * starts after this, retries by outbox_retry included. One already in flight finishes
 * where it went, its transport retries included. */
void outbox_set_endpoint(struct outbox *ob, const char *url);

/* Frees a final (accepted or failed) entry the caller is done with, so that a long batch
 * holds only what is in flight; not from inside the change callback. -1 (and nothing is
 * freed) when e is still queued or sending. */
int outbox_release(struct outbox *ob, struct outbox_entry *e);

/* Entries queued or sending. */
int outbox_busy(const struct outbox *ob);

#endif
