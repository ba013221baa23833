/* The direct backend: the console talks to Jelou itself (outbox, transport, REST API). */
#include <stdlib.h>

#include "jelou/settings.h"
#include "jelou/xalloc.h"
#include "backend.h"

struct direct {
    struct settings *st;
    struct transport *t;
    struct outbox *ob;
};

static struct outbox_entry *
direct_send(void *ctx, struct message *m, char **cause)
{
    struct direct *d = ctx;
    return outbox_add(d->ob, m, cause);
}

static struct outbox_entry *
direct_resend(void *ctx, struct message *shown, const char *body, size_t len, char **cause)
{
    struct direct *d = ctx;
    return outbox_add_raw(d->ob, shown, body, len, cause);
}

static int
direct_retry(void *ctx, struct outbox_entry *e, char **cause)
{
    struct direct *d = ctx;
    return outbox_retry(d->ob, e, cause);
}

static int
direct_busy(void *ctx)
{
    struct direct *d = ctx;
    return outbox_busy(d->ob);
}

static int
direct_flush(void *ctx, char **cause)
{
    struct direct *d = ctx;
    return outbox_flush(d->ob, cause);
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
    free(d);
}

static const struct backend_ops direct_ops = {
    .send = direct_send,
    .resend = direct_resend,
    .retry = direct_retry,
    .busy = direct_busy,
    .flush = direct_flush,
    .close = direct_close,
    .start = direct_start,
    .info = direct_info,
    .free = direct_free,
};

struct backend *
backend_direct_new(struct settings *st, struct transport *t, struct journal *journal,
                   outbox_change_fn on_change, void *arg)
{
    struct direct *d = xcalloc(1, sizeof *d);
    struct outbox_opts oo = {
        .endpoint = st->endpoint,
        .secret = st->secret,
        .max_attempts = st->attempts,
        .parallel = SETTINGS_DEFAULT_PARALLEL,
        .journal = journal,
    };
    d->st = st;
    d->t = t;
    d->ob = outbox_new(t, &oo, on_change, arg);
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
