/* The one file that includes hiredis: its async API driven by our loop, with a watchdog. */
#include "jelou/redis.h"

#include <errno.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>

#include <hiredis/async.h>
#include <hiredis/hiredis.h>

#include "jelou/clock.h"
#include "jelou/loop.h"
#include "jelou/xalloc.h"

#define REDIS_PING_MS 1000
#define REDIS_BACKOFF_MIN_MS 100
#define REDIS_BACKOFF_MAX_MS 2000

struct redis {
    struct loop *loop;
    redisAsyncContext *ac;
    char *host;               /* NULL for a unix socket */
    char *path;
    int port;
    int db;
    char *functions;
    redis_state_fn on_state;
    void *arg;
    int source;               /* loop source of the socket, -1 */
    short events;             /* what hiredis asked to watch */
    int connected;            /* the socket is up */
    int ready;                /* the functions are loaded: commands may go */
    int up_told;              /* what on_state last heard */
    long long last_reply_ms;  /* monotonic time of the last reply */
    long long waiting_since;  /* oldest unanswered command's send time, 0: none */
    unsigned outstanding;
    int ping_out;
    long backoff_ms;
    int timer;                /* watchdog / reconnect timer */
    int freeing;
};

/* One command in flight: our callback and its argument. */
struct call {
    struct redis *r;
    redis_reply_fn fn;
    void *arg;
    int internal;             /* ours (PING, FUNCTION LOAD, SELECT): fn is a redis_reply_fn
                                 on r */
};

static void schedule(struct redis *r, long ms);
static void drop(struct redis *r, const char *why);

static void
tell(struct redis *r, int up, const char *why)
{
    if (r->up_told == up)
        return;
    r->up_told = up;
    if (r->on_state != NULL)
        r->on_state(r->arg, up, why);
}

static void on_ready(void *arg, short revents);

static void
set_events(struct redis *r, short add, short del)
{
    short ev = (short)((r->events | add) & ~del);
    if (ev == r->events)
        return;
    r->events = ev;
    if (r->source >= 0) {
        loop_remove(r->loop, r->source);
        r->source = -1;
    }
    if (r->ac != NULL && ev != 0)
        r->source = loop_add(r->loop, r->ac->c.fd, ev, on_ready, NULL, r);
}

static void ev_add_read(void *p) { set_events(p, POLLIN, 0); }
static void ev_del_read(void *p) { set_events(p, 0, POLLIN); }
static void ev_add_write(void *p) { set_events(p, POLLOUT, 0); }
static void ev_del_write(void *p) { set_events(p, 0, POLLOUT); }

static void
ev_cleanup(void *p)
{
    struct redis *r = p;
    r->events = 0;
    if (r->source >= 0)
        loop_remove(r->loop, r->source);
    r->source = -1;
}

static void
on_ready(void *arg, short revents)
{
    struct redis *r = arg;
    redisAsyncContext *ac = r->ac;
    if (ac == NULL)
        return;
    if (revents & (POLLIN | POLLHUP | POLLERR))
        redisAsyncHandleRead(ac);
    /* Reading may have ended the connection: hiredis then freed the context. */
    if (r->ac == ac && (revents & POLLOUT))
        redisAsyncHandleWrite(ac);
}

static struct redis_reply *
convert(const redisReply *h)
{
    struct redis_reply *o = xcalloc(1, sizeof *o);
    switch (h->type) {
    case REDIS_REPLY_STRING:
    case REDIS_REPLY_STATUS:
    case REDIS_REPLY_ERROR:
        o->type = h->type == REDIS_REPLY_ERROR ? RR_ERR : RR_STR;
        o->str = xmalloc(h->len + 1);
        memcpy(o->str, h->str, h->len);
        o->str[h->len] = '\0';
        o->len = h->len;
        break;
    case REDIS_REPLY_INTEGER:
        o->type = RR_INT;
        o->integer = h->integer;
        break;
    case REDIS_REPLY_ARRAY:
        o->type = RR_ARR;
        o->n = h->elements;
        o->elem = xcalloc(h->elements ? h->elements : 1, sizeof *o->elem);
        for (size_t i = 0; i < h->elements; i++)
            o->elem[i] = convert(h->element[i]);
        break;
    default:
        o->type = RR_NIL;
    }
    return o;
}

static void
reply_free(struct redis_reply *o)
{
    if (o == NULL)
        return;
    for (size_t i = 0; i < o->n; i++)
        reply_free(o->elem[i]);
    free(o->elem);
    free(o->str);
    free(o);
}

const struct redis_reply *
redis_elem(const struct redis_reply *r, size_t i)
{
    if (r == NULL || r->type != RR_ARR || i >= r->n)
        return NULL;
    return r->elem[i];
}

static void
on_reply(redisAsyncContext *ac, void *reply, void *privdata)
{
    struct call *c = privdata;
    struct redis *r = c->r;
    (void)ac;
    if (reply != NULL) {
        r->last_reply_ms = clock_mono_ms();
        if (r->outstanding > 0)
            r->outstanding--;
        r->waiting_since = r->outstanding > 0 ? r->last_reply_ms : 0;
    }
    struct redis_reply *o = reply != NULL ? convert(reply) : NULL;
    if (c->fn != NULL)
        c->fn(c->arg, o);
    reply_free(o);
    free(c);
}

static int
send_argv(struct redis *r, redis_reply_fn fn, void *arg, int argc, const char *const *argv,
          const size_t *lens)
{
    size_t *l = NULL;
    if (lens == NULL) {
        l = xcalloc((size_t)argc, sizeof *l);
        for (int i = 0; i < argc; i++)
            l[i] = strlen(argv[i]);
    }
    struct call *c = xcalloc(1, sizeof *c);
    c->r = r;
    c->fn = fn;
    c->arg = arg;
    int rc = redisAsyncCommandArgv(r->ac, on_reply, c, argc, (const char **)argv,
                                   lens ? lens : l);
    free(l);
    if (rc != REDIS_OK) {
        free(c);
        return -1;
    }
    if (r->outstanding++ == 0)
        r->waiting_since = clock_mono_ms();
    return 0;
}

int
redis_command(struct redis *r, redis_reply_fn fn, void *arg, int argc, const char *const *argv,
              const size_t *lens)
{
    if (r == NULL || !redis_up(r) || argc <= 0)
        return -1;
    return send_argv(r, fn, arg, argc, argv, lens);
}

int
redis_up(const struct redis *r)
{
    if (r == NULL || r->ac == NULL || !r->ready)
        return 0;
    /* A PING goes out every second: a Redis that answers replied within the last one. */
    return clock_mono_ms() - r->last_reply_ms <= REDIS_WATCHDOG_MS;
}

static void
on_pong(void *arg, const struct redis_reply *rep)
{
    struct redis *r = arg;
    r->ping_out = 0;
    (void)rep;
}

static void
on_loaded(void *arg, const struct redis_reply *rep)
{
    struct redis *r = arg;
    if (rep == NULL)
        return;
    if (rep->type == RR_ERR) {
        char *why = xasprintf("cannot load the Redis functions: %s", rep->str);
        drop(r, why);
        free(why);
        return;
    }
    r->ready = 1;
    r->backoff_ms = 0;
    tell(r, 1, NULL);
}

static void
on_selected(void *arg, const struct redis_reply *rep)
{
    struct redis *r = arg;
    if (rep != NULL && rep->type == RR_ERR) {
        char *why = xasprintf("cannot select database %d: %s", r->db, rep->str);
        drop(r, why);
        free(why);
    }
}

static void
on_connect(const redisAsyncContext *ac, int status)
{
    struct redis *r = ac->data;
    if (status != REDIS_OK) {
        /* hiredis frees the context after this call. */
        char *why = xasprintf("cannot connect to Redis: %s", ac->errstr);
        r->ac = NULL;
        r->connected = 0;
        tell(r, 0, why);
        free(why);
        schedule(r, -1);
        return;
    }
    r->connected = 1;
    r->last_reply_ms = clock_mono_ms();
    /* Commands on one connection run in order: everything after these sees them done. */
    if (r->db != 0) {
        char db[24];
        snprintf(db, sizeof db, "%d", r->db);
        const char *argv[] = {"SELECT", db};
        send_argv(r, on_selected, r, 2, argv, NULL);
    }
    if (r->functions != NULL) {
        const char *argv[] = {"FUNCTION", "LOAD", "REPLACE", r->functions};
        send_argv(r, on_loaded, r, 4, argv, NULL);
    } else {
        const char *argv[] = {"PING"};
        send_argv(r, on_loaded, r, 1, argv, NULL);
    }
}

static void
on_disconnect(const redisAsyncContext *ac, int status)
{
    struct redis *r = ac->data;
    (void)status;
    r->ac = NULL;
    r->connected = 0;
    r->ready = 0;
    r->outstanding = 0;
    r->waiting_since = 0;
    r->ping_out = 0;
    if (!r->freeing) {
        char *why = xasprintf("lost the connection to Redis%s%s", ac->errstr[0] ? ": " : "",
                              ac->errstr);
        tell(r, 0, why);
        free(why);
        schedule(r, -1);
    }
}

static void
start_connect(struct redis *r)
{
    redisAsyncContext *ac = r->host ? redisAsyncConnect(r->host, r->port)
                                    : redisAsyncConnectUnix(r->path);
    if (ac == NULL || ac->err) {
        char *why = xasprintf("cannot connect to Redis: %s", ac ? ac->errstr : "out of memory");
        if (ac != NULL)
            redisAsyncFree(ac);
        tell(r, 0, why);
        free(why);
        schedule(r, -1);
        return;
    }
    r->ac = ac;
    ac->data = r;
    ac->ev.data = r;
    ac->ev.addRead = ev_add_read;
    ac->ev.delRead = ev_del_read;
    ac->ev.addWrite = ev_add_write;
    ac->ev.delWrite = ev_del_write;
    ac->ev.cleanup = ev_cleanup;
    r->events = 0;
    r->last_reply_ms = clock_mono_ms();
    redisAsyncSetConnectCallback(ac, on_connect);
    redisAsyncSetDisconnectCallback(ac, on_disconnect);
    /* The connection completes when the socket turns writable. */
    set_events(r, POLLOUT, 0);
    schedule(r, REDIS_PING_MS);
}

/* Ends the connection now: pending callbacks get NULL, and a reconnect is scheduled. */
static void
drop(struct redis *r, const char *why)
{
    redisAsyncContext *ac = r->ac;
    r->ready = 0;
    tell(r, 0, why);
    if (ac != NULL) {
        /* Not a disconnect of its own: on_disconnect must not schedule twice. */
        int was = r->freeing;
        r->freeing = 1;
        redisAsyncFree(ac);
        r->freeing = was;
        r->ac = NULL;
        r->connected = 0;
        r->outstanding = 0;
        r->waiting_since = 0;
        r->ping_out = 0;
    }
    ev_cleanup(r);
    if (!r->freeing)
        schedule(r, -1);
}

static void
on_timer(void *arg)
{
    struct redis *r = arg;
    r->timer = -1;
    if (r->ac == NULL) {
        start_connect(r);
        return;
    }
    long long now = clock_mono_ms();
    /* hiredis has no timeouts: a Redis that stopped answering (paused, a dead host, a
     * connect that never completes) is given up on here, and tried again. */
    if ((r->waiting_since != 0 && now - r->waiting_since > REDIS_WATCHDOG_MS) ||
        (!r->connected && now - r->last_reply_ms > REDIS_WATCHDOG_MS)) {
        drop(r, "Redis did not answer within 3 s");
        return;
    }
    if (r->ready && !r->ping_out) {
        const char *argv[] = {"PING"};
        if (send_argv(r, on_pong, r, 1, argv, NULL) == 0)
            r->ping_out = 1;
    }
    schedule(r, REDIS_PING_MS);
}

/* ms < 0: the next reconnect back-off. */
static void
schedule(struct redis *r, long ms)
{
    if (r->freeing)
        return;
    if (ms < 0) {
        r->backoff_ms = r->backoff_ms == 0 ? REDIS_BACKOFF_MIN_MS : r->backoff_ms * 2;
        if (r->backoff_ms > REDIS_BACKOFF_MAX_MS)
            r->backoff_ms = REDIS_BACKOFF_MAX_MS;
        ms = r->backoff_ms;
    }
    if (r->timer >= 0)
        loop_remove(r->loop, r->timer);
    r->timer = loop_after(r->loop, ms, on_timer, r);
}

/* redis://HOST:PORT[/DB] or unix:///PATH. */
static int
parse_url(struct redis *r, const char *url, char **cause)
{
    if (strncmp(url, "unix://", 7) == 0) {
        if (url[7] != '/') {
            *cause = xasprintf("bad Redis URL '%s': unix:///PATH needs an absolute path", url);
            return -1;
        }
        r->path = xstrdup(url + 7);
        return 0;
    }
    if (strncmp(url, "redis://", 8) != 0) {
        *cause = xasprintf("bad Redis URL '%s': use redis://HOST:PORT[/DB] or unix:///PATH",
                           url);
        return -1;
    }
    const char *h = url + 8;
    const char *slash = strchr(h, '/');
    const char *hend = slash ? slash : h + strlen(h);
    const char *colon = memchr(h, ':', (size_t)(hend - h));
    if (memchr(h, '@', (size_t)(hend - h)) != NULL) {
        *cause = xasprintf("bad Redis URL: credentials in the URL are not supported");
        return -1;
    }
    r->port = 6379;
    if (colon != NULL) {
        char *end;
        errno = 0;
        long p = strtol(colon + 1, &end, 10);
        if (end != hend || p < 1 || p > 65535 || errno != 0) {
            *cause = xasprintf("bad Redis URL '%s': the port must be 1..65535", url);
            return -1;
        }
        r->port = (int)p;
    }
    const char *hostend = colon ? colon : hend;
    if (hostend == h) {
        *cause = xasprintf("bad Redis URL '%s': no host", url);
        return -1;
    }
    r->host = xstrndup(h, (size_t)(hostend - h));
    if (slash != NULL && slash[1] != '\0') {
        char *end;
        long db = strtol(slash + 1, &end, 10);
        if (*end != '\0' || db < 0 || db > 1000000) {
            *cause = xasprintf("bad Redis URL '%s': the database must be a number", url);
            return -1;
        }
        r->db = (int)db;
    }
    return 0;
}

struct redis *
redis_new(struct loop *l, const struct redis_opts *o, char **cause)
{
    struct redis *r = xcalloc(1, sizeof *r);
    r->loop = l;
    r->source = -1;
    r->timer = -1;
    r->up_told = -1;
    if (o == NULL || o->url == NULL || parse_url(r, o->url, cause) != 0) {
        if (o == NULL || o->url == NULL)
            *cause = xstrdup("no Redis URL");
        free(r->host);
        free(r->path);
        free(r);
        return NULL;
    }
    r->functions = o->functions ? xstrdup(o->functions) : NULL;
    r->on_state = o->on_state;
    r->arg = o->arg;
    r->up_told = 0;
    start_connect(r);
    return r;
}

int
redis_wait(struct redis *r, struct loop *l, const int *done, long ms)
{
    long long due = clock_mono_ms() + ms;
    (void)r;
    while (!*done) {
        long long now = clock_mono_ms();
        if (now >= due)
            return -1;
        loop_run_once(l, (long)(due - now));
    }
    return 0;
}

void
redis_free(struct redis *r)
{
    if (r == NULL)
        return;
    r->freeing = 1;
    r->ready = 0;
    if (r->ac != NULL)
        redisAsyncFree(r->ac);
    r->ac = NULL;
    ev_cleanup(r);
    if (r->timer >= 0)
        loop_remove(r->loop, r->timer);
    free(r->host);
    free(r->path);
    free(r->functions);
    free(r);
}
