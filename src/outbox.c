/* The send pipeline: serialize once, sign, send through the transport, track each state. */
#include "jelou/outbox.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "jelou/cause.h"
#include "jelou/journal.h"
#include "jelou/settings.h"
#include "jelou/sign.h"
#include "jelou/text.h"
#include "jelou/transport.h"
#include "jelou/xalloc.h"

/* How much of a refusal's body is shown to the agent. */
#define REASON_BYTES 200

struct outbox {
    struct transport *t;
    char *endpoint;
    char *secret;
    char *auth;                  /* auth_header, or NULL: sign instead */
    char *(*encode)(const struct message *m, size_t *len, char **cause);
    int max_attempts;
    int parallel;
    outbox_change_fn change;
    void *arg;
    struct journal *journal;
    struct outbox_entry **all;
    size_t n, cap;
    struct outbox_entry **queue; /* waiting for a free slot, FIFO */
    size_t qhead, qlen, qcap;
    size_t fresh;                /* the queue's last ones: journaled, not yet durable */
    int inflight;
    char *journal_error;         /* a journal failure outbox_flush has not reported yet */
    int journal_failing;         /* the last journal write failed: say so once */
};

int
outbox_seal(const struct message *m, const char *secret, char **body, size_t *len,
            char sig[SIGN_HEADER_LEN + 1], char **cause)
{
    *body = message_serialize(m, len, cause);
    if (*body == NULL)
        return -1;
    if (sign_header(secret, *body, *len, sig) != 0) {
        free(*body);
        *body = NULL;
        *cause = xstrdup("cannot compute the signature");
        return -1;
    }
    return 0;
}

struct outbox *
outbox_new(struct transport *t, const struct outbox_opts *o, outbox_change_fn change, void *arg)
{
    struct outbox *ob = xcalloc(1, sizeof *ob);
    ob->t = t;
    ob->endpoint = xstrdup(o->endpoint);
    ob->secret = o->secret ? xstrdup(o->secret) : NULL;
    ob->auth = o->auth_header ? xstrdup(o->auth_header) : NULL;
    ob->encode = o->encode;
    ob->max_attempts = o->max_attempts > 0 ? o->max_attempts : 1;
    ob->parallel = o->parallel > 0 ? o->parallel : SETTINGS_DEFAULT_PARALLEL;
    ob->change = change;
    ob->arg = arg;
    ob->journal = o->journal;
    return ob;
}

static void
entry_free(struct outbox_entry *e)
{
    message_free(e->msg);
    free(e->body);
    free(e->error);
    free(e->response);
    free(e);
}

void
outbox_free(struct outbox *ob)
{
    if (ob == NULL)
        return;
    for (size_t i = 0; i < ob->n; i++)
        entry_free(ob->all[i]);
    free(ob->all);
    free(ob->queue);
    free(ob->journal_error);
    if (ob->secret)
        explicit_bzero(ob->secret, strlen(ob->secret));
    free(ob->secret);
    if (ob->auth)
        explicit_bzero(ob->auth, strlen(ob->auth));
    free(ob->auth);
    free(ob->endpoint);
    free(ob);
}

void
outbox_set_endpoint(struct outbox *ob, const char *url)
{
    xstrset(&ob->endpoint, url);
}

/* The signature of body into sig, or "" when the team server's token stands instead. */
static int
seal_bytes(const struct outbox *ob, const char *body, size_t len, char sig[SIGN_HEADER_LEN + 1],
           char **cause)
{
    sig[0] = '\0';
    if (ob->auth != NULL)
        return 0;
    if (ob->secret == NULL || sign_header(ob->secret, body, len, sig) != 0)
        return cause_fail(cause, xstrdup("cannot compute the signature"));
    return 0;
}

/* Keeps the first journal failure of a run of them for outbox_flush to report; takes
 * cause. A write that works again ends the run. */
static void
journal_note(struct outbox *ob, int rc, char *cause)
{
    if (rc > 0)
        return; /* held for outbox_flush: nothing is known yet */
    if (rc == 0) {
        ob->journal_failing = 0;
        return;
    }
    if (!ob->journal_failing && ob->journal_error == NULL) {
        ob->journal_error = cause;
        cause = NULL;
    }
    ob->journal_failing = 1;
    free(cause);
}

static void
notify(struct outbox *ob, struct outbox_entry *e)
{
    /* The journal follows every state after queued. A write error is not a send error:
     * the journal keeps the state in memory and repairs the file (see journal.c). */
    if (ob->journal && e->state != SEND_QUEUED) {
        char *cause = NULL;
        int rc = journal_state(ob->journal, e->msg->id, send_state_name(e->state),
                               e->attempt, e->http_status, &cause);
        journal_note(ob, rc, cause);
    }
    if (ob->change)
        ob->change(ob->arg, e);
}

/* One line from a server's answer, cleaned as the screen cleans remote text: it is
 * printed on stderr and the status line, where C1 or bidi controls would act. */
static char *
one_line(const char *s, size_t n)
{
    return text_sanitize(s, n > REASON_BYTES ? REASON_BYTES : n, 0);
}

static void pump(struct outbox *ob);

static void
on_attempt(void *arg, int attempt)
{
    struct outbox_entry *e = arg;
    struct outbox *ob = e->owner;
    e->state = SEND_SENDING;
    e->attempt = attempt;
    e->tries++;
    e->retry_in_ms = 0;
    e->retry_asked = 0;
    notify(ob, e);
}

/* Shown, not journaled: the state is still "sending", only the wait is new. */
static void
on_wait(void *arg, const struct transport_wait *w)
{
    struct outbox_entry *e = arg;
    struct outbox *ob = e->owner;
    e->retry_in_ms = w->delay_ms > 0 ? w->delay_ms : 1;
    e->retry_asked = w->retry_after_ms >= 0;
    e->http_status = w->http_status;
    if (ob->change)
        ob->change(ob->arg, e);
}

static void
on_done(void *arg, const struct transport_result *r)
{
    struct outbox_entry *e = arg;
    struct outbox *ob = e->owner;
    ob->inflight--;
    e->attempt = r->attempts;
    e->http_status = r->http_status;
    e->network_error = r->network_error;
    free(e->error);
    free(e->response);
    e->error = NULL;
    e->retry_in_ms = 0;
    e->response = one_line(r->body, r->body_len);
    if (r->http_status >= 200 && r->http_status <= 299) {
        e->state = SEND_ACCEPTED;
    } else {
        e->state = SEND_FAILED;
        if (r->network_error)
            e->error = xstrdup(r->error ? r->error : "network failure");
        else if (r->body_len > 0)
            e->error = xasprintf("HTTP %ld: %s", r->http_status, e->response);
        else
            e->error = xasprintf("HTTP %ld", r->http_status);
        if (r->retry_after_ms > TRANSPORT_RETRY_AFTER_MAX_MS) {
            char *why = xasprintf("%s (the server asks to wait %ld s before a retry, more "
                                  "than the %ld s this console waits: not retried)", e->error,
                                  (r->retry_after_ms + 999) / 1000,
                                  TRANSPORT_RETRY_AFTER_MAX_MS / 1000);
            free(e->error);
            e->error = why;
        }
    }
    notify(ob, e);
    pump(ob);
}

static void
start(struct outbox *ob, struct outbox_entry *e)
{
    char sighdr[SIGN_HEADER_LEN + 32];
    snprintf(sighdr, sizeof sighdr, "X-Jelou-Signature: %s", e->signature);
    const char *headers[] = {"Content-Type: application/json", ob->auth ? ob->auth : sighdr,
                             NULL};
    struct transport_request r = {
        .method = "POST",
        .url = ob->endpoint,
        .headers = headers,
        .body = e->body,
        .body_len = e->body_len,
        .keep_bytes = REASON_BYTES,
        .retry = 1,
        .on_attempt = on_attempt,
        .on_wait = on_wait,
        .on_done = on_done,
        .arg = e,
    };
    char *cause = NULL;
    ob->inflight++;
    if (transport_submit(ob->t, &r, &cause) != 0) {
        ob->inflight--;
        e->state = SEND_FAILED;
        e->network_error = 1;
        free(e->error);
        e->error = cause;
        notify(ob, e);
    }
}

static void
pump(struct outbox *ob)
{
    /* The fresh ones wait for outbox_flush: nothing goes out before it is durable. */
    while (ob->inflight < ob->parallel && ob->qlen > ob->fresh) {
        struct outbox_entry *e = ob->queue[ob->qhead];
        ob->qhead = (ob->qhead + 1) % ob->qcap;
        ob->qlen--;
        start(ob, e);
    }
}

static void
enqueue(struct outbox *ob, struct outbox_entry *e)
{
    if (ob->qlen == ob->qcap) {
        size_t cap = ob->qcap ? ob->qcap * 2 : 16;
        struct outbox_entry **q = xcalloc(cap, sizeof *q);
        for (size_t i = 0; i < ob->qlen; i++)
            q[i] = ob->queue[(ob->qhead + i) % ob->qcap];
        free(ob->queue);
        ob->queue = q;
        ob->qcap = cap;
        ob->qhead = 0;
    }
    ob->queue[(ob->qhead + ob->qlen) % ob->qcap] = e;
    ob->qlen++;
    if (ob->journal)
        ob->fresh++;
    e->state = SEND_QUEUED;
    e->attempt = 0;
    notify(ob, e);
    pump(ob);
}

/* Journals e as queued; a failure is also kept for outbox_flush to report. */
static int
journal_queue(struct outbox *ob, struct outbox_entry *e, char **cause)
{
    struct message *m = e->msg;
    if (ob->journal == NULL)
        return 0;
    int rc = journal_queued(ob->journal, m->id, m->room, m->user, msg_type_name(m->type),
                            e->body, e->body_len, cause);
    journal_note(ob, rc, rc < 0 ? xstrdup(*cause) : NULL);
    return rc < 0 ? -1 : 0;
}

/* Files e, journals it as queued and queues it. Takes e; NULL with *cause. */
static struct outbox_entry *
admit(struct outbox *ob, struct outbox_entry *e, char **cause)
{
    if (journal_queue(ob, e, cause) != 0) {
        /* Unjournaled, a crash could lose it silently: better not to send it at all. */
        entry_free(e);
        return NULL;
    }
    e->owner = ob;
    e->max_attempts = ob->max_attempts;
    if (ob->n == ob->cap) {
        ob->cap = ob->cap ? ob->cap * 2 : 16;
        ob->all = xrealloc(ob->all, ob->cap * sizeof *ob->all);
    }
    e->slot = ob->n;
    ob->all[ob->n++] = e;
    enqueue(ob, e);
    return e;
}

struct outbox_entry *
outbox_add(struct outbox *ob, struct message *m, char **cause)
{
    struct outbox_entry *e = xcalloc(1, sizeof *e);
    if (ob->encode == NULL && ob->auth == NULL) {
        if (outbox_seal(m, ob->secret, &e->body, &e->body_len, e->signature, cause) != 0) {
            message_free(m);
            free(e);
            return NULL;
        }
    } else {
        /* Encoded once: a retry sends these bytes again, never a re-encoding. */
        e->body = ob->encode ? ob->encode(m, &e->body_len, cause)
                             : message_serialize(m, &e->body_len, cause);
        if (e->body == NULL ||
            seal_bytes(ob, e->body, e->body_len, e->signature, cause) != 0) {
            free(e->body);
            message_free(m);
            free(e);
            return NULL;
        }
    }
    e->msg = m;
    return admit(ob, e, cause);
}

struct outbox_entry *
outbox_add_raw(struct outbox *ob, struct message *m, const char *body, size_t len,
               char **cause)
{
    struct outbox_entry *e = xcalloc(1, sizeof *e);
    if (seal_bytes(ob, body, len, e->signature, cause) != 0) {
        message_free(m);
        free(e);
        return NULL;
    }
    e->msg = m;
    e->body = xstrndup(body, len);
    e->body_len = len;
    return admit(ob, e, cause);
}

/* Takes the fresh entries off the queue's tail and fails them: not durable, not sent. */
static void
fail_fresh(struct outbox *ob, const char *why)
{
    size_t n = ob->fresh;
    struct outbox_entry **v = xcalloc(n ? n : 1, sizeof *v);
    for (size_t i = 0; i < n; i++)
        v[i] = ob->queue[(ob->qhead + ob->qlen - n + i) % ob->qcap];
    ob->qlen -= n;
    ob->fresh = 0;
    /* Callbacks may queue more: those are the next turn's fresh ones. */
    for (size_t i = 0; i < n; i++) {
        struct outbox_entry *e = v[i];
        e->state = SEND_FAILED;
        e->network_error = 0;
        e->http_status = 0;
        free(e->error);
        e->error = xasprintf("not sent: %s", why);
        notify(ob, e);
    }
    free(v);
}

int
outbox_flush(struct outbox *ob, char **cause)
{
    if (ob->journal == NULL)
        return 0;
    char *why = NULL;
    if (journal_sync(ob->journal, &why) != 0) {
        fail_fresh(ob, why);
        journal_note(ob, -1, why);
    } else {
        ob->fresh = 0;
        pump(ob);
    }
    if (ob->journal_error == NULL)
        return 0;
    *cause = ob->journal_error;
    ob->journal_error = NULL;
    return -1;
}

int
outbox_retry(struct outbox *ob, struct outbox_entry *e, char **cause)
{
    if (e->state != SEND_FAILED) {
        *cause = xasprintf("message %s is %s, not failed: nothing to retry", e->msg->id,
                           send_state_name(e->state));
        return -1;
    }
    /* The same bytes and signature go out again, so the id is the same too. */
    if (journal_queue(ob, e, cause) != 0)
        return -1;
    free(e->error);
    e->error = NULL;
    e->http_status = 0;
    e->network_error = 0;
    enqueue(ob, e);
    return 0;
}

int
outbox_release(struct outbox *ob, struct outbox_entry *e)
{
    if (e->state != SEND_ACCEPTED && e->state != SEND_FAILED)
        return -1;
    /* The last one takes its slot: the order of all[] means nothing. */
    ob->all[e->slot] = ob->all[--ob->n];
    ob->all[e->slot]->slot = e->slot;
    entry_free(e);
    return 0;
}

int
outbox_busy(const struct outbox *ob)
{
    return ob->inflight + (int)ob->qlen;
}
