/* The direct backend: the console talks to Jelou itself (outbox, transport, REST API). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "jelou/cause.h"
#include "jelou/i18n.h"
#include "jelou/inbound.h"
#include "jelou/settings.h"
#include "jelou/xalloc.h"
#include "backend.h"

struct direct {
    struct settings *st;
    struct transport *t;
    struct loop *loop;
    struct inbound *in;      /* NULL until listen */
    struct outbox *ob;       /* NULL until open */
    outbox_change_fn on_change;
    backend_state_fn on_state;
    void *arg;
};

static int
direct_listen(void *ctx, const struct backend_listen *o, char **where, char **url,
              char **cause)
{
    struct direct *d = ctx;
    struct inbound_opts io = {
        .addr = o->addr,
        .port = o->port,
        .path = o->path,
        .secret = d->st->secret,
        .token = o->token,
        .journal = o->journal,
        .quarantine = o->quarantine,
        .notice = o->on_notice,
    };
    d->in = inbound_new(d->loop, &io, o->on_event, o->arg, cause);
    if (d->in == NULL)
        return -1;
    const char *addr = o->addr ? o->addr : "127.0.0.1";
    int v6 = strchr(addr, ':') != NULL;
    unsigned port = inbound_port(d->in);
    *url = xasprintf("http://%s%s%s:%u%s", v6 ? "[" : "", addr, v6 ? "]" : "", port,
                     o->path ? o->path : INBOUND_DEFAULT_PATH);
    *where = xasprintf("in %s:%u", addr, port);
    return 0;
}

static int
direct_seen(void *ctx, const struct event *ev)
{
    struct direct *d = ctx;
    return d->in != NULL && inbound_seen(d->in, ev);
}

/* Every state reaches the console; a send's end also says how the link is. */
static void
direct_change(void *arg, struct outbox_entry *e)
{
    struct direct *d = arg;
    d->on_change(d->arg, e);
    if (d->on_state == NULL || (e->state != SEND_ACCEPTED && e->state != SEND_FAILED))
        return;
    char refused[48];
    snprintf(refused, sizeof refused, _("last send refused (%ld)"), e->http_status);
    d->on_state(d->arg, e->state == SEND_ACCEPTED ? _("link ok")
                        : e->network_error      ? _("unreachable")
                                                : refused);
}

static int
direct_open(void *ctx, struct journal *journal, char **cause)
{
    struct direct *d = ctx;
    (void)cause;
    struct outbox_opts oo = {
        .endpoint = d->st->endpoint,
        .secret = d->st->secret,
        .max_attempts = d->st->attempts,
        .parallel = SETTINGS_DEFAULT_PARALLEL,
        .journal = journal,
    };
    d->ob = outbox_new(d->t, &oo, direct_change, d);
    return 0;
}

/* Before open, nothing can be sent: say so rather than crash. */
static int
not_open(struct direct *d, char **cause)
{
    if (d->ob != NULL)
        return 0;
    return cause_fail(cause, xstrdup("not ready to send yet"));
}

static struct outbox_entry *
direct_send(void *ctx, struct message *m, char **cause)
{
    struct direct *d = ctx;
    if (not_open(d, cause) != 0)
        return NULL;
    return outbox_add(d->ob, m, cause);
}

static struct outbox_entry *
direct_resend(void *ctx, struct message *shown, const char *body, size_t len, char **cause)
{
    struct direct *d = ctx;
    if (not_open(d, cause) != 0)
        return NULL;
    return outbox_add_raw(d->ob, shown, body, len, cause);
}

static int
direct_retry(void *ctx, struct outbox_entry *e, char **cause)
{
    struct direct *d = ctx;
    if (not_open(d, cause) != 0)
        return -1;
    return outbox_retry(d->ob, e, cause);
}

static int
direct_busy(void *ctx)
{
    struct direct *d = ctx;
    return d->ob != NULL ? outbox_busy(d->ob) : 0;
}

static int
direct_flush(void *ctx, char **cause)
{
    struct direct *d = ctx;
    return d->ob != NULL ? outbox_flush(d->ob, cause) : 0;
}

/* The REST API's base for the project, with the API key loaded on first use. */
static char *
rest_base_for(struct direct *d, const struct conversation_ref *c, char **cause)
{
    if (d->st->api_key == NULL && settings_load_api_key(d->st, cause) != 0)
        return NULL;
    return rest_base_url(d->st->rest_base, c->project);
}

static int
direct_close(void *ctx, const struct conversation_ref *c, const char *text, rest_fn done,
             void *arg, char **cause)
{
    struct direct *d = ctx;
    char *base = rest_base_for(d, c, cause);
    if (base == NULL)
        return -1;
    int rc = rest_close(d->t, base, d->st->api_key, c->bot, c->user, text, done, arg, cause);
    free(base);
    return rc;
}

static int
direct_start(void *ctx, const struct conversation_ref *c, const char *text, rest_fn done,
             void *arg, char **cause)
{
    struct direct *d = ctx;
    char *base = rest_base_for(d, c, cause);
    if (base == NULL)
        return -1;
    int rc = rest_start(d->t, base, d->st->api_key, c->bot, c->user, text, done, arg, cause);
    free(base);
    return rc;
}

static int
direct_info(void *ctx, const struct conversation_ref *c, rest_fn done, void *arg, char **cause)
{
    struct direct *d = ctx;
    char *base = rest_base_for(d, c, cause);
    if (base == NULL)
        return -1;
    int rc = rest_get(d->t, base, d->st->api_key, c->conversation, done, arg, cause);
    free(base);
    return rc;
}

static void
direct_free(void *ctx)
{
    struct direct *d = ctx;
    outbox_free(d->ob);
    inbound_free(d->in);
    free(d);
}

static const struct backend_ops direct_ops = {
    .listen = direct_listen,
    .seen = direct_seen,
    .open = direct_open,
    .send = direct_send,
    .resend = direct_resend,
    .retry = direct_retry,
    .busy = direct_busy,
    .flush = direct_flush,
    .close = direct_close,
    .start = direct_start,
    .info = direct_info,
    /* Jelou itself has no team: the console says "team mode only". */
    .room = NULL,
    .me = NULL,
    .free = direct_free,
};

struct backend *
backend_direct_new(struct settings *st, struct transport *t, struct loop *l,
                   outbox_change_fn on_change, backend_state_fn on_state, void *arg)
{
    struct direct *d = xcalloc(1, sizeof *d);
    d->st = st;
    d->t = t;
    d->loop = l;
    d->on_change = on_change;
    d->on_state = on_state;
    d->arg = arg;
    struct backend *b = xcalloc(1, sizeof *b);
    b->ops = &direct_ops;
    b->ctx = d;
    return b;
}

void
backend_free(struct backend *b)
{
    if (b == NULL)
        return;
    b->ops->free(b->ctx);
    free(b);
}
