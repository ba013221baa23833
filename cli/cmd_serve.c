/* jelou-console serve: the team server, Jelou's webhook and the agents' HTTP API on Redis. */
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli.h"
#include "jelou/clock.h"
#include "jelou/event.h"
#include "jelou/httpd.h"
#include "jelou/idmap.h"
#include "jelou/inbound.h"
#include "jelou/loop.h"
#include "jelou/message.h"
#include "jelou/outbox.h"
#include "jelou/paths.h"
#include "jelou/probe.h"
#include "jelou/record.h"
#include "jelou/redis.h"
#include "jelou/rest.h"
#include "jelou/sign.h"
#include "jelou/team.h"
#include "jelou/transport.h"
#include "jelou/url.h"
#include "jelou/xalloc.h"

#define SERVE_POLL_MS 50          /* how often new events are fetched for the streams */
#define SERVE_PING_MS 15000       /* an SSE comment this often keeps proxies from closing */
#define SERVE_TICK_MS 1000        /* lease, token cache, spool replay, pings */
#define SERVE_CATCHUP_COUNT 200
#define SERVE_SEND_BATCH 64       /* outbox entries taken at a time */

struct serve;

/* One open GET /v1/events. */
struct client {
    struct serve *s;
    struct httpd_call *call;
    char *agent;
    char sha[65];
    char cursor[48];          /* the last id written (or the one it resumes after) */
    int live;                 /* fed by the shared poll; else catching up on its own */
    int fetching;
    long long last_write;
    struct client *prev, *next;
};

/* One message being sent by this instance (it holds the lease). */
struct job {
    struct serve *s;
    char *entry;              /* the outbox stream entry */
    struct outbox_entry *sent; /* the outbox's, once final: released when Redis has it */
    char *id;
    int reporting;            /* its final state is on its way to Redis */
    char *report_state;
    long http_status;
    int attempts;
    char *error;
    char *room;
    struct job *next_report;  /* waiting for Redis to take its report */
    struct job *prev, *next;  /* every job, for the shutdown */
};

struct serve {
    struct loop *loop;
    struct redis *redis;
    struct httpd *httpd;
    struct transport *t;
    struct outbox *ob;
    struct settings st;
    char instance[40];
    char *spool;
    char *replaying;          /* spool.replaying: the file being replayed */
    int replay_busy;
    unsigned replay_left;
    int replay_failed;
    /* sha256(token) -> agent name, refreshed every tick (revocations take effect then). */
    struct redis_reply *tokens;
    int tokens_busy;
    struct client *clients;
    char tail[48];            /* the last event id the shared poll has seen */
    int tail_known;
    int tail_busy;
    int poll_busy;
    int lease;
    int lease_busy;
    int autoclaim;            /* just took the lease: take the pending entries over */
    char claim_cursor[48];
    int outbox_busy;
    unsigned sending;
    struct idmap *inflight;   /* message id -> job, so that a claimed entry is not sent
                                 twice by this instance */
    struct job *reports;
    struct job *jobs;
    int stop;
    int verbose;
};

static volatile sig_atomic_t stopping;

static void
say(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* Operational lines go to stderr, one per line; never a secret or a token. */
static void
say(const char *fmt, ...)
{
    va_list ap;
    fputs("serve: ", stderr);
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fputc('\n', stderr);
}

/* ---- answers ---------------------------------------------------------------------- */

static void
json_answer(struct httpd_response *resp, int status, char *body)
{
    resp->status = status;
    resp->content_type = "application/json";
    resp->body = body;
    resp->body_len = strlen(body);
}

static void
error_answer(struct httpd_response *resp, int status, const char *error, const char *field)
{
    struct record *r = record_new();
    record_str(r, "error", error);
    if (field != NULL)
        record_str(r, "field", field);
    json_answer(resp, status, record_finish(r));
    if (status == 401)
        resp->headers = xstrdup("WWW-Authenticate: Bearer\r\n");
}

static void
finish_error(struct httpd_call *call, int status, const char *error, const char *field)
{
    struct httpd_response resp = {0};
    error_answer(&resp, status, error, field);
    httpd_finish(call, &resp);
}

static void
finish_json(struct httpd_call *call, int status, char *body)
{
    struct httpd_response resp = {0};
    json_answer(&resp, status, body);
    httpd_finish(call, &resp);
}

static const char *
str_of(const struct redis_reply *r)
{
    return r != NULL && r->type == RR_STR ? r->str : NULL;
}

/* A hash reply's value for field, or NULL. */
static const char *
hash_get(const struct redis_reply *h, const char *field)
{
    for (size_t i = 0; h != NULL && h->type == RR_ARR && i + 1 < h->n; i += 2) {
        const char *k = str_of(h->elem[i]);
        if (k != NULL && strcmp(k, field) == 0)
            return str_of(h->elem[i + 1]);
    }
    return NULL;
}

/* ---- the local spool: webhooks taken while Redis is down ------------------------------ */

static int
spool_write(struct serve *s, const struct httpd_request *req, char **cause)
{
    struct record *r = record_new();
    record_int(r, "time", clock_wall_ms());
    record_strn(r, "body", req->body, req->body_len);
    char *line = record_finish(r);
    int rc = record_append_file(s->spool, line, 1, cause);
    free(line);
    return rc;
}

/* ---- webhook ------------------------------------------------------------------------ */

struct hook {
    struct serve *s;
    struct httpd_call *call;  /* NULL during a replay */
    char *body;
    size_t len;
};

static void replay_done(struct serve *s, int ok);

static void
hook_free(struct hook *h)
{
    free(h->body);
    free(h);
}

static void
on_hook_stored(void *arg, const struct redis_reply *r)
{
    struct hook *h = arg;
    struct serve *s = h->s;
    int ok = r != NULL && r->type != RR_ERR;
    if (h->call == NULL) {
        replay_done(s, ok);
        hook_free(h);
        return;
    }
    if (!ok) {
        /* The command may or may not have run: the spool's replay is deduped. */
        struct httpd_request req = {.body = h->body, .body_len = h->len};
        char *cause = NULL;
        if (spool_write(s, &req, &cause) != 0) {
            say("cannot spool a webhook (answering 500 so that Jelou retries): %s", cause);
            free(cause);
            finish_error(h->call, 500, "cannot store the event", NULL);
        } else {
            finish_json(h->call, 200, xstrdup("{\"ok\":true,\"spooled\":true}"));
        }
    } else {
        finish_json(h->call, 200, xstrdup(r->type == RR_NIL ? "{\"ok\":true,\"duplicate\":true}"
                                                           : "{\"ok\":true}"));
    }
    hook_free(h);
}

/* Sends one verified webhook body to Redis (jc_webhook). Returns 0 or -1 (Redis down). */
static int
hook_store(struct serve *s, struct hook *h)
{
    struct event *ev = NULL;
    char *cause = NULL;
    char *key = NULL;
    const char *kind = "unreadable", *room = "", *user = "", *bot = "", *uname = "";
    if (event_parse(h->body, h->len, &ev, &cause) == 0) {
        key = inbound_event_key(ev);
        kind = ev->name ? ev->name : "unknown";
        room = ev->room ? ev->room : "";
        user = ev->user ? ev->user : "";
        bot = ev->bot ? ev->bot : "";
        uname = ev->user_name ? ev->user_name : "";
    }
    free(cause);
    /* The key may hold newlines (inbound's form): Redis keys take any bytes. */
    const char *argv[] = {"FCALL", "jc_webhook", "0", key ? key : "", kind, room, user, bot,
                          uname, h->body};
    size_t lens[10];
    for (int i = 0; i < 9; i++)
        lens[i] = strlen(argv[i]);
    lens[9] = h->len;
    int rc = redis_command(s->redis, on_hook_stored, h, 10, argv, lens);
    free(key);
    event_free(ev);
    return rc;
}

static void
on_webhook(struct serve *s, const struct httpd_request *req, struct httpd_response *resp)
{
    if (strcmp(req->method, "POST") != 0) {
        error_answer(resp, 405, "method not allowed", NULL);
        resp->headers = xstrdup("Allow: POST\r\n");
        return;
    }
    const char *refused = inbound_verify(s->st.secret, s->st.inbound_token, req);
    if (refused != NULL) {
        error_answer(resp, 401, refused, NULL);
        return;
    }
    struct hook *h = xcalloc(1, sizeof *h);
    h->s = s;
    h->call = req->call;
    h->body = xstrndup(req->body, req->body_len);
    h->len = req->body_len;
    if (hook_store(s, h) == 0) {
        resp->defer = 1;
        return;
    }
    hook_free(h);
    char *cause = NULL;
    if (spool_write(s, req, &cause) != 0) {
        say("cannot spool a webhook (answering 500 so that Jelou retries): %s", cause);
        free(cause);
        error_answer(resp, 500, "cannot store the event", NULL);
        return;
    }
    json_answer(resp, 200, xstrdup("{\"ok\":true,\"spooled\":true}"));
}

static int
replay_line(void *arg, const char *line, size_t len)
{
    struct serve *s = arg;
    char *cause = NULL;
    struct record_view *v = record_parse(line, len, &cause);
    free(cause);
    const char *body = v ? record_get_str(v, "body") : NULL;
    if (body == NULL) {
        record_view_free(v);
        return -1;
    }
    struct hook *h = xcalloc(1, sizeof *h);
    h->s = s;
    h->body = xstrdup(body);
    h->len = strlen(body);
    record_view_free(v);
    s->replay_left++;
    if (hook_store(s, h) != 0) {
        s->replay_left--;
        s->replay_failed = 1;
        hook_free(h);
    }
    return 0;
}

static void
replay_done(struct serve *s, int ok)
{
    if (!ok)
        s->replay_failed = 1;
    if (--s->replay_left > 0)
        return;
    s->replay_busy = 0;
    /* Kept until every line was taken: a replay cut short runs again, deduped. */
    if (!s->replay_failed) {
        unlink(s->replaying);
        say("replayed the spool into Redis");
    }
}

static void
replay_spool(struct serve *s)
{
    struct stat st;
    if (s->replay_busy || !redis_up(s->redis))
        return;
    if (stat(s->replaying, &st) != 0) {
        if (stat(s->spool, &st) != 0 || st.st_size == 0)
            return;
        /* New webhooks spool into a fresh file while this one is replayed. */
        if (rename(s->spool, s->replaying) != 0)
            return;
    }
    s->replay_busy = 1;
    s->replay_failed = 0;
    s->replay_left = 1;
    size_t skipped = 0;
    char *cause = NULL;
    if (record_each_line(s->replaying, replay_line, s, &skipped, &cause) != 0) {
        say("cannot read the spool: %s", cause);
        free(cause);
        s->replay_failed = 1;
    }
    replay_done(s, 1);
}

/* ---- agents ------------------------------------------------------------------------- */

static void
tokens_free(struct redis_reply *t)
{
    for (size_t i = 0; t != NULL && i < t->n; i++) {
        free(t->elem[i]->str);
        free(t->elem[i]);
    }
    if (t != NULL)
        free(t->elem);
    free(t);
}

static void
on_tokens(void *arg, const struct redis_reply *r)
{
    struct serve *s = arg;
    s->tokens_busy = 0;
    if (r == NULL || r->type != RR_ARR)
        return;
    /* The reply is only valid during the call: keep a copy of the names. */
    struct redis_reply *copy = xcalloc(1, sizeof *copy);
    copy->type = RR_ARR;
    copy->n = r->n;
    copy->elem = xcalloc(r->n ? r->n : 1, sizeof *copy->elem);
    for (size_t i = 0; i < r->n; i++) {
        struct redis_reply *e = xcalloc(1, sizeof *e);
        e->type = RR_STR;
        e->str = xstrdup(str_of(r->elem[i]) ? str_of(r->elem[i]) : "");
        e->len = strlen(e->str);
        copy->elem[i] = e;
    }
    tokens_free(s->tokens);
    s->tokens = copy;
    /* A revoked token's streams end now. */
    for (struct client *c = s->clients; c != NULL; c = c->next) {
        if (hash_get(s->tokens, c->sha) == NULL)
            httpd_stream_end(c->call);
    }
}

/* The agent a request's bearer token belongs to, or NULL; sha gets the token's hash. */
static const char *
agent_of(struct serve *s, const struct httpd_request *req, char sha[65])
{
    const char *auth = httpd_header(req, "Authorization");
    if (auth == NULL || strncasecmp(auth, "Bearer ", 7) != 0)
        return NULL;
    auth += 7;
    while (*auth == ' ')
        auth++;
    if (*auth == '\0' || sign_sha256_hex(auth, strlen(auth), sha) != 0)
        return NULL;
    return hash_get(s->tokens, sha);
}

/* ---- events (SSE) ------------------------------------------------------------------- */

static void
client_write_entry(struct client *c, const struct redis_reply *entry)
{
    const char *id = str_of(redis_elem(entry, 0));
    const struct redis_reply *f = redis_elem(entry, 1);
    if (id == NULL)
        return;
    if (team_id_cmp(id, c->cursor) <= 0)
        return;
    const char *kind = hash_get(f, "kind");
    const char *data = hash_get(f, "data");
    struct buf b = {0};
    buf_printf(&b, "id: %s\nevent: %s\n", id, kind ? kind : "unknown");
    /* One data: line per line of the object: the client joins them with newlines. */
    for (const char *p = data ? data : "{}"; ; ) {
        const char *nl = strchr(p, '\n');
        size_t n = nl ? (size_t)(nl - p) : strlen(p);
        if (n > 0 && p[n - 1] == '\r')
            n--;
        buf_appends(&b, "data: ");
        buf_append(&b, p, n);
        buf_appends(&b, "\n");
        if (nl == NULL)
            break;
        p = nl + 1;
    }
    buf_appends(&b, "\n");
    httpd_stream_write(c->call, b.data, b.len);
    buf_free(&b);
    snprintf(c->cursor, sizeof c->cursor, "%s", id);
    c->last_write = clock_mono_ms();
}

static void client_catch_up(struct client *c);

static void
on_catch_up(void *arg, const struct redis_reply *r)
{
    struct client *c = arg;
    c->fetching = 0;
    if (c->call == NULL) {
        free(c);   /* it went away while we waited */
        return;
    }
    if (r == NULL || r->type != RR_ARR)
        return;     /* tried again on the next tick */
    for (size_t i = 0; i < r->n; i++)
        client_write_entry(c, r->elem[i]);
    if (r->n < SERVE_CATCHUP_COUNT && c->s->tail_known &&
        team_id_cmp(c->cursor, c->s->tail) >= 0)
        c->live = 1;
    else
        client_catch_up(c);
}

static void
client_catch_up(struct client *c)
{
    if (c->fetching || c->live || c->call == NULL)
        return;
    char from[56], count[16];
    snprintf(from, sizeof from, "(%s", c->cursor);
    snprintf(count, sizeof count, "%d", SERVE_CATCHUP_COUNT);
    const char *argv[] = {"XRANGE", TEAM_EVENTS, from, "+", "COUNT", count};
    if (redis_command(c->s->redis, on_catch_up, c, 6, argv, NULL) == 0)
        c->fetching = 1;
}

static void
on_resume(void *arg, const struct redis_reply *r)
{
    struct client *c = arg;
    c->fetching = 0;
    if (c->call == NULL) {
        free(c);
        return;
    }
    const char *first = str_of(redis_elem(r, 0));
    const struct redis_reply *there = redis_elem(r, 1);
    if (r == NULL || first == NULL || there == NULL) {
        httpd_stream_end(c->call);
        return;
    }
    /* The id asked for is gone and older than what is kept: the client missed events. */
    if (there->integer == 0 && strcmp(c->cursor, "0-0") != 0 &&
        (first[0] == '\0' || team_id_cmp(c->cursor, first) < 0)) {
        struct record *rec = record_new();
        record_str(rec, "reason", "the events after this id were trimmed; reload /v1/rooms");
        record_str(rec, "asked", c->cursor);
        record_str(rec, "first", first);
        char *data = record_finish(rec);
        char *line = xasprintf("event: reset\ndata: %s\n\n", data);
        httpd_stream_write(c->call, line, strlen(line));
        free(line);
        free(data);
        snprintf(c->cursor, sizeof c->cursor, "0-0");
    }
    client_catch_up(c);
}

static void
client_gone(void *arg)
{
    struct client *c = arg;
    struct serve *s = c->s;
    if (c->prev != NULL)
        c->prev->next = c->next;
    else
        s->clients = c->next;
    if (c->next != NULL)
        c->next->prev = c->prev;
    c->call = NULL;
    free(c->agent);
    c->agent = NULL;
    /* A command still on its way holds c: its callback frees it. */
    if (!c->fetching)
        free(c);
}

static void
on_events(struct serve *s, const struct httpd_request *req, struct httpd_response *resp,
          const char *agent, const char *sha)
{
    const char *last = httpd_header(req, "Last-Event-ID");
    if (last != NULL && !team_id_valid(last)) {
        error_answer(resp, 422, "Last-Event-ID is not a stream id (MS-SEQ)", "Last-Event-ID");
        return;
    }
    if (last == NULL && !s->tail_known) {
        error_answer(resp, 503, "the event stream is not ready yet", NULL);
        return;
    }
    struct client *c = xcalloc(1, sizeof *c);
    c->s = s;
    c->call = req->call;
    c->agent = xstrdup(agent);
    memcpy(c->sha, sha, 65);
    c->last_write = clock_mono_ms();
    snprintf(c->cursor, sizeof c->cursor, "%s", last ? last : s->tail);
    c->live = last == NULL;
    c->next = s->clients;
    if (s->clients != NULL)
        s->clients->prev = c;
    s->clients = c;
    resp->status = 200;
    resp->stream = 1;
    resp->content_type = "text/event-stream";
    resp->headers = xstrdup("X-Accel-Buffering: no\r\n");
    resp->on_close = client_gone;
    resp->close_arg = c;
    /* The head goes out at once; events follow. */
    httpd_stream_write(c->call, ": connected\n\n", 13);
    if (last != NULL) {
        const char *argv[] = {"FCALL", "jc_resume", "0", last};
        if (redis_command(s->redis, on_resume, c, 4, argv, NULL) == 0)
            c->fetching = 1;
        else
            httpd_stream_end(c->call);
    }
}

static void
on_poll(void *arg, const struct redis_reply *r)
{
    struct serve *s = arg;
    s->poll_busy = 0;
    if (r == NULL || r->type != RR_ARR || r->n == 0)
        return;
    for (struct client *c = s->clients; c != NULL; c = c->next) {
        if (!c->live)
            continue;
        for (size_t i = 0; i < r->n; i++)
            client_write_entry(c, r->elem[i]);
    }
    const char *id = str_of(redis_elem(r->elem[r->n - 1], 0));
    if (id != NULL)
        snprintf(s->tail, sizeof s->tail, "%s", id);
}

static void
on_tail(void *arg, const struct redis_reply *r)
{
    struct serve *s = arg;
    s->tail_busy = 0;
    if (r == NULL || r->type != RR_ARR)
        return;
    const char *id = r->n > 0 ? str_of(redis_elem(r->elem[0], 0)) : "0-0";
    if (id == NULL)
        return;
    snprintf(s->tail, sizeof s->tail, "%s", id);
    s->tail_known = 1;
}

static void
poll_events(void *arg)
{
    struct serve *s = arg;
    loop_after(s->loop, SERVE_POLL_MS, poll_events, s);
    if (!redis_up(s->redis))
        return;
    if (!s->tail_known) {
        if (!s->tail_busy) {
            const char *argv[] = {"XREVRANGE", TEAM_EVENTS, "+", "-", "COUNT", "1"};
            if (redis_command(s->redis, on_tail, s, 6, argv, NULL) == 0)
                s->tail_busy = 1;
        }
        return;
    }
    if (s->poll_busy)
        return;
    char from[56];
    snprintf(from, sizeof from, "(%s", s->tail);
    const char *argv[] = {"XRANGE", TEAM_EVENTS, from, "+", "COUNT", "500"};
    if (redis_command(s->redis, on_poll, s, 6, argv, NULL) == 0)
        s->poll_busy = 1;
}

/* ---- rooms -------------------------------------------------------------------------- */

static void
on_rooms(void *arg, const struct redis_reply *r)
{
    struct httpd_call *call = arg;
    const char *id = str_of(redis_elem(r, 0));
    const struct redis_reply *rooms = redis_elem(r, 1);
    if (id == NULL || rooms == NULL) {
        finish_error(call, 503, r && r->type == RR_ERR ? r->str : "Redis is down", NULL);
        return;
    }
    struct buf b = {0};
    buf_appends(&b, "[");
    for (size_t i = 0; i < rooms->n; i++) {
        const struct redis_reply *row = rooms->elem[i];
        const struct redis_reply *h = redis_elem(row, 1), *log = redis_elem(row, 2);
        struct record *rec = record_new();
        record_str(rec, "room", str_of(redis_elem(row, 0)));
        const char *fields[] = {"status", "assignee", "user", "user_name", "bot",
                                "waiting_since"};
        for (size_t k = 0; k < sizeof fields / sizeof *fields; k++)
            record_str(rec, fields[k], hash_get(h, fields[k]));
        struct buf lb = {0};
        buf_appends(&lb, "[");
        /* The log is newest first: oldest first reads like a conversation. */
        for (size_t k = log ? log->n : 0; k > 0; k--) {
            if (lb.len > 1)
                buf_appends(&lb, ",");
            buf_appends(&lb, str_of(log->elem[k - 1]) ? str_of(log->elem[k - 1]) : "null");
        }
        buf_appends(&lb, "]");
        record_raw(rec, "last", lb.data);
        buf_free(&lb);
        char *one = record_finish(rec);
        if (i > 0)
            buf_appends(&b, ",");
        buf_appends(&b, one);
        free(one);
    }
    buf_appends(&b, "]");
    struct record *out = record_new();
    record_str(out, "as_of", id);
    record_raw(out, "rooms", b.data);
    buf_free(&b);
    finish_json(call, 200, record_finish(out));
}

/* ---- room operations ---------------------------------------------------------------- */

static void
on_room_op(void *arg, const struct redis_reply *r)
{
    struct httpd_call *call = arg;
    const char *what = str_of(redis_elem(r, 0));
    const char *x = str_of(redis_elem(r, 1));
    if (what == NULL) {
        finish_error(call, 503, r && r->type == RR_ERR ? r->str : "Redis is down", NULL);
        return;
    }
    struct record *rec = record_new();
    if (strcmp(what, "conflict") == 0) {
        record_str(rec, "error", x && x[0] ? "the room is assigned to another agent"
                                           : "the room is not assigned as expected");
        record_str(rec, "assignee", x);
        finish_json(call, 409, record_finish(rec));
        return;
    }
    record_bool(rec, "ok", 1);
    record_str(rec, "event", x);
    finish_json(call, 200, record_finish(rec));
}

/* A close that Jelou must hear about first: the room's user and bot come from Redis. */
struct closing {
    struct serve *s;
    struct httpd_call *call;
    char *agent;
    char *room;
};

static void
closing_free(struct closing *c)
{
    free(c->agent);
    free(c->room);
    free(c);
}

static void
on_jelou_closed(void *arg, const struct rest_result *r)
{
    struct closing *c = arg;
    if (!r->ok) {
        char *why = xasprintf("Jelou did not close the conversation: %s",
                              r->error ? r->error : "refused");
        finish_error(c->call, 502, why, NULL);
        free(why);
        closing_free(c);
        return;
    }
    const char *argv[] = {"FCALL", "jc_room", "0", "close", c->room, c->agent, "", ""};
    if (redis_command(c->s->redis, on_room_op, c->call, 8, argv, NULL) != 0)
        finish_error(c->call, 503, "Jelou closed the conversation, but Redis is down", NULL);
    closing_free(c);
}

static void
on_close_room_read(void *arg, const struct redis_reply *r)
{
    struct closing *c = arg;
    struct serve *s = c->s;
    const char *user = hash_get(r, "user"), *bot = hash_get(r, "bot");
    if (r == NULL || r->type != RR_ARR) {
        finish_error(c->call, 503, "Redis is down", NULL);
        closing_free(c);
        return;
    }
    if (user == NULL) {
        finish_error(c->call, 422, "unknown room (no event from its user yet)", "room");
        closing_free(c);
        return;
    }
    char *base = rest_base_url(s->st.rest_base, s->st.project);
    char *cause = NULL;
    if (rest_close(s->t, base, s->st.api_key, bot ? bot : s->st.bot, user, NULL,
                   on_jelou_closed, c, &cause) != 0) {
        finish_error(c->call, 502, cause, NULL);
        free(cause);
        closing_free(c);
    }
    free(base);
}

static void
on_room_post(struct serve *s, const struct httpd_request *req, struct httpd_response *resp,
             const char *agent, const char *room, const char *op)
{
    static const char *const ops[] = {"claim", "release", "close", "note", "status",
                                      "typing", "assign"};
    size_t k;
    for (k = 0; k < sizeof ops / sizeof *ops; k++)
        if (strcmp(op, ops[k]) == 0)
            break;
    if (k == sizeof ops / sizeof *ops) {
        error_answer(resp, 404, "no such room operation", NULL);
        return;
    }
    struct record_view *v = NULL;
    char *cause = NULL;
    if (req->body_len > 0 && (v = record_parse(req->body, req->body_len, &cause)) == NULL) {
        error_answer(resp, 422, cause ? cause : "not a JSON object", "body");
        free(cause);
        return;
    }
    const char *x = "", *expect = "";
    const char *need = strcmp(op, "note") == 0 ? "text"
                     : strcmp(op, "status") == 0 ? "status"
                     : strcmp(op, "assign") == 0 ? "to" : NULL;
    if (need != NULL) {
        x = v ? record_get_str(v, need) : NULL;
        if (x == NULL || x[0] == '\0') {
            char *why = xasprintf("%s needs \"%s\"", op, need);
            error_answer(resp, 422, why, need);
            free(why);
            record_view_free(v);
            return;
        }
    }
    if (strcmp(op, "assign") == 0) {
        expect = v ? record_get_str(v, "expect") : NULL;
        if (expect == NULL) {
            error_answer(resp, 422, "assign needs \"expect\" (the current assignee, or \"\")",
                         "expect");
            record_view_free(v);
            return;
        }
    }
    /* With the API key, a close is Jelou's first: the room closes once Jelou said so. */
    if (strcmp(op, "close") == 0 && s->st.api_key != NULL) {
        struct closing *c = xcalloc(1, sizeof *c);
        *c = (struct closing){s, req->call, xstrdup(agent), xstrdup(room)};
        char *rk = xasprintf("jc:room:%s", room);
        const char *hargv[] = {"HGETALL", rk};
        if (redis_command(s->redis, on_close_room_read, c, 2, hargv, NULL) == 0) {
            resp->defer = 1;
        } else {
            error_answer(resp, 503, "Redis is down", NULL);
            closing_free(c);
        }
        free(rk);
        record_view_free(v);
        return;
    }
    const char *argv[] = {"FCALL", "jc_room", "0", op, room, agent, x, expect};
    if (redis_command(s->redis, on_room_op, req->call, 8, argv, NULL) == 0)
        resp->defer = 1;
    else
        error_answer(resp, 503, "Redis is down", NULL);
    record_view_free(v);
}

/* ---- messages ----------------------------------------------------------------------- */

struct post {
    struct serve *s;
    struct httpd_call *call;
    char *agent;
    struct message *m;
    enum msg_type want;
    char *body;               /* the sealed bytes */
    size_t len;
};

static void
post_free(struct post *p)
{
    free(p->agent);
    message_free(p->m);
    free(p->body);
    free(p);
}

/* The field a validation cause is about: the first field name it mentions. */
static const char *
field_of(const char *cause)
{
    static const char *const fields[] = {"caption", "filename", "mime", "url", "text",
                                         "type", "room", "user", "id"};
    const char *best = NULL, *at = NULL;
    for (size_t i = 0; cause != NULL && i < sizeof fields / sizeof *fields; i++) {
        const char *p = strstr(cause, fields[i]);
        if (p != NULL && (at == NULL || p < at)) {
            at = p;
            best = fields[i];
        }
    }
    return best ? best : "body";
}

static void
on_queued(void *arg, const struct redis_reply *r)
{
    struct post *p = arg;
    const char *what = str_of(redis_elem(r, 0));
    const char *x = str_of(redis_elem(r, 1));
    if (what == NULL) {
        finish_error(p->call, 503, r && r->type == RR_ERR ? r->str : "Redis is down", NULL);
    } else if (strcmp(what, "conflict") == 0) {
        struct record *rec = record_new();
        record_str(rec, "error", "the room is assigned to another agent");
        record_str(rec, "assignee", x);
        finish_json(p->call, 409, record_finish(rec));
    } else {
        struct record *rec = record_new();
        record_str(rec, "id", p->m->id);
        record_str(rec, "state", strcmp(what, "exists") == 0 ? x : "queued");
        finish_json(p->call, strcmp(what, "exists") == 0 ? 200 : 202, record_finish(rec));
    }
    post_free(p);
}

static void
post_queue(struct post *p)
{
    char sig[SIGN_HEADER_LEN + 1];
    char *cause = NULL;
    if (outbox_seal(p->m, p->s->st.secret, &p->body, &p->len, sig, &cause) != 0) {
        finish_error(p->call, 422, cause, field_of(cause));
        free(cause);
        post_free(p);
        return;
    }
    struct record *rec = record_new();
    record_str(rec, "id", p->m->id);
    record_str(rec, "room", p->m->room);
    record_str(rec, "agent", p->agent);
    record_str(rec, "state", "queued");
    record_raw(rec, "message", p->body);
    char *data = record_finish(rec);
    const char *argv[] = {"FCALL", "jc_send", "0", p->m->id, p->agent, p->m->room, p->body,
                          data};
    if (redis_command(p->s->redis, on_queued, p, 8, argv, NULL) != 0) {
        finish_error(p->call, 503, "Redis is down", NULL);
        post_free(p);
    }
    free(data);
}

static void
on_probed(void *arg, const struct probe_result *r)
{
    struct post *p = arg;
    char *cause = NULL;
    enum msg_type type;
    if (!r->ok) {
        char *why = xasprintf("cannot detect the media type: %s", r->error ? r->error : "?");
        finish_error(p->call, 422, why, "url");
        free(why);
        post_free(p);
        return;
    }
    if (probe_pick_type(r->mime, p->want, 0, &type, &cause) != 0) {
        finish_error(p->call, 422, cause, "type");
        free(cause);
        post_free(p);
        return;
    }
    p->m->type = type;
    p->m->mime = xstrdup(r->mime);
    post_queue(p);
}

static void
on_room_read(void *arg, const struct redis_reply *r)
{
    struct post *p = arg;
    if (r == NULL || r->type != RR_ARR) {
        finish_error(p->call, 503, "Redis is down", NULL);
        post_free(p);
        return;
    }
    const char *user = hash_get(r, "user"), *bot = hash_get(r, "bot");
    if (user == NULL) {
        finish_error(p->call, 422, "unknown room (no event from its user yet)", "room");
        post_free(p);
        return;
    }
    p->m->user = xstrdup(user);
    p->m->bot = xstrdup(bot ? bot : p->s->st.bot ? p->s->st.bot : "");
    if (p->m->url != NULL && p->m->mime == NULL) {
        char *cause = NULL;
        if (url_check_media(p->m->url, &cause) != 0 ||
            probe_start(p->s->t, p->m->url, on_probed, p, &cause) != 0) {
            finish_error(p->call, 422, cause, "url");
            free(cause);
            post_free(p);
        }
        return;
    }
    post_queue(p);
}

static char *
dup_or_null(const char *s)
{
    return s ? xstrdup(s) : NULL;
}

static void
on_message_post(struct serve *s, const struct httpd_request *req,
                struct httpd_response *resp, const char *agent)
{
    char *cause = NULL;
    struct record_view *v = record_parse(req->body, req->body_len, &cause);
    if (v == NULL) {
        error_answer(resp, 422, cause ? cause : "not a JSON object", "body");
        free(cause);
        return;
    }
    const char *room = record_get_str(v, "room");
    const char *type = record_get_str(v, "type");
    const char *text = record_get_str(v, "text");
    const char *url = record_get_str(v, "url");
    enum msg_type want = type ? msg_type_parse(type) : (url ? MSG_NONE : MSG_TEXT);
    const char *bad = NULL, *why = NULL;
    if (room == NULL || room[0] == '\0')
        bad = "room", why = "\"room\" is required";
    else if (type != NULL && want == MSG_NONE)
        bad = "type", why = "\"type\" must be text, image, video, audio or document";
    else if (want == MSG_TEXT && (text == NULL || text[0] == '\0'))
        bad = "text", why = "a text message needs \"text\"";
    else if (want != MSG_TEXT && (url == NULL || url[0] == '\0'))
        bad = "url", why = "a media message needs \"url\"";
    else if (want == MSG_TEXT && url != NULL)
        bad = "url", why = "a text message takes no \"url\"";
    if (bad != NULL) {
        error_answer(resp, 422, why, bad);
        record_view_free(v);
        return;
    }
    struct post *p = xcalloc(1, sizeof *p);
    p->s = s;
    p->call = req->call;
    p->agent = xstrdup(agent);
    p->want = want;
    struct message *m = message_new();
    const char *id = record_get_str(v, "id");
    m->id = id && id[0] ? xstrdup(id) : sign_uuid4();
    m->project = dup_or_null(s->st.project);
    m->room = xstrdup(room);
    m->type = want == MSG_NONE ? MSG_DOCUMENT : want;
    m->body = want == MSG_TEXT ? dup_or_null(text) : NULL;
    m->url = want == MSG_TEXT ? NULL : dup_or_null(url);
    m->mime = dup_or_null(record_get_str(v, "mime"));
    m->mime_forced = m->mime != NULL;
    m->caption = dup_or_null(record_get_str(v, "caption"));
    m->filename = dup_or_null(record_get_str(v, "filename"));
    p->m = m;
    record_view_free(v);
    char *rk = xasprintf("jc:room:%s", m->room);
    const char *argv[] = {"HGETALL", rk};
    if (redis_command(s->redis, on_room_read, p, 2, argv, NULL) == 0) {
        resp->defer = 1;
    } else {
        error_answer(resp, 503, "Redis is down", NULL);
        post_free(p);
    }
    free(rk);
}

/* ---- sending (the lease holder) ----------------------------------------------------- */

static void job_report(struct job *j);

static void
job_free(struct job *j)
{
    if (j->prev != NULL)
        j->prev->next = j->next;
    else
        j->s->jobs = j->next;
    if (j->next != NULL)
        j->next->prev = j->prev;
    idmap_del(j->s->inflight, j->id);
    free(j->entry);
    free(j->id);
    free(j->report_state);
    free(j->error);
    free(j->room);
    free(j);
}

static void
on_reported(void *arg, const struct redis_reply *r)
{
    struct job *j = arg;
    if (r == NULL || r->type == RR_ERR) {
        /* Kept until Redis has it: without it the entry would be sent again. */
        j->next_report = j->s->reports;
        j->s->reports = j;
        return;
    }
    j->s->sending--;
    /* A server runs for months: what was sent and reported is not kept. */
    if (j->sent != NULL)
        outbox_release(j->s->ob, j->sent);
    job_free(j);
}

static void
job_report(struct job *j)
{
    char http[24], attempts[24];
    snprintf(http, sizeof http, "%ld", j->http_status);
    snprintf(attempts, sizeof attempts, "%d", j->attempts);
    struct record *rec = record_new();
    record_str(rec, "id", j->id);
    record_str(rec, "room", j->room);
    record_str(rec, "state", j->report_state);
    record_int(rec, "http_status", j->http_status);
    record_int(rec, "attempts", j->attempts);
    record_str(rec, "error", j->error);
    char *data = record_finish(rec);
    const char *argv[] = {"FCALL", "jc_sent", "0", j->id, j->report_state, http, attempts,
                          j->entry, j->error ? j->error : "", data};
    if (redis_command(j->s->redis, on_reported, j, 10, argv, NULL) != 0) {
        j->next_report = j->s->reports;
        j->s->reports = j;
    }
    free(data);
}

static void
on_outbox_change(void *arg, struct outbox_entry *e)
{
    (void)arg;
    struct job *j = e->user;
    if (j == NULL || (e->state != SEND_ACCEPTED && e->state != SEND_FAILED))
        return;
    e->user = NULL;
    j->sent = e;
    j->report_state = xstrdup(send_state_name(e->state));
    j->http_status = e->http_status;
    j->attempts = e->tries > 0 ? e->tries : e->attempt;
    j->error = e->error ? xstrdup(e->error) : NULL;
    job_report(j);
}

static void
on_message_read(void *arg, const struct redis_reply *r)
{
    struct job *j = arg;
    struct serve *s = j->s;
    const char *state = str_of(redis_elem(r, 0));
    const struct redis_reply *body = redis_elem(r, 1);
    const char *room = str_of(redis_elem(r, 2));
    if (r == NULL || r->type != RR_ARR) {
        s->sending--;
        job_free(j);   /* still pending in the group: taken again later */
        return;
    }
    if (state == NULL || strcmp(state, "accepted") == 0 || strcmp(state, "failed") == 0 ||
        body == NULL || body->type != RR_STR) {
        /* Done already (or gone): acknowledged, never sent again. */
        j->report_state = xstrdup(state ? state : "failed");
        j->room = dup_or_null(room);
        job_report(j);
        return;
    }
    j->room = dup_or_null(room);
    struct message *m = message_new();
    m->id = xstrdup(j->id);
    m->room = dup_or_null(room);
    char *cause = NULL;
    struct outbox_entry *e = outbox_add_raw(s->ob, m, body->str, body->len, &cause);
    if (e == NULL) {
        j->report_state = xstrdup("failed");
        j->error = cause;
        job_report(j);
        return;
    }
    e->user = j;
}

static void
take_entries(struct serve *s, const struct redis_reply *entries)
{
    for (size_t i = 0; entries != NULL && i < entries->n; i++) {
        const struct redis_reply *en = entries->elem[i];
        const char *entry = str_of(redis_elem(en, 0));
        const char *id = hash_get(redis_elem(en, 1), "id");
        if (entry == NULL || id == NULL)
            continue;
        if (idmap_get(s->inflight, id) != NULL)
            continue;   /* ours, on its way: a claim after a lost lease */
        struct job *j = xcalloc(1, sizeof *j);
        j->s = s;
        j->entry = xstrdup(entry);
        j->id = xstrdup(id);
        j->next = s->jobs;
        if (s->jobs != NULL)
            s->jobs->prev = j;
        s->jobs = j;
        idmap_put(s->inflight, j->id, j);
        s->sending++;
        char *mk = xasprintf(TEAM_MSG_PREFIX "%s", id);
        const char *argv[] = {"HMGET", mk, "state", "body", "room"};
        if (redis_command(s->redis, on_message_read, j, 5, argv, NULL) != 0) {
            s->sending--;
            job_free(j);
        }
        free(mk);
    }
}

static void
on_outbox_read(void *arg, const struct redis_reply *r)
{
    struct serve *s = arg;
    s->outbox_busy = 0;
    if (r == NULL || r->type != RR_ARR)
        return;
    if (s->autoclaim) {
        /* XAUTOCLAIM: {next cursor, entries, deleted ids} */
        const char *next = str_of(redis_elem(r, 0));
        take_entries(s, redis_elem(r, 1));
        if (next == NULL || strcmp(next, "0-0") == 0)
            s->autoclaim = 0;
        else
            snprintf(s->claim_cursor, sizeof s->claim_cursor, "%s", next);
        return;
    }
    /* XREADGROUP: {{stream, entries}} */
    take_entries(s, redis_elem(redis_elem(r, 0), 1));
}

static void
pump_outbox(struct serve *s)
{
    while (s->reports != NULL && redis_up(s->redis)) {
        struct job *j = s->reports;
        s->reports = j->next_report;
        j->next_report = NULL;
        job_report(j);
        if (s->reports == j)
            break;  /* down again */
    }
    if (!s->lease || s->outbox_busy || s->sending >= SERVE_SEND_BATCH || !redis_up(s->redis))
        return;
    char count[16];
    snprintf(count, sizeof count, "%d", SERVE_SEND_BATCH);
    int rc;
    if (s->autoclaim) {
        const char *argv[] = {"XAUTOCLAIM", TEAM_OUTBOX, TEAM_GROUP, s->instance, "0",
                              s->claim_cursor, "COUNT", count};
        rc = redis_command(s->redis, on_outbox_read, s, 8, argv, NULL);
    } else {
        const char *argv[] = {"XREADGROUP", "GROUP", TEAM_GROUP, s->instance, "COUNT", count,
                              "STREAMS", TEAM_OUTBOX, ">"};
        rc = redis_command(s->redis, on_outbox_read, s, 9, argv, NULL);
    }
    if (rc == 0)
        s->outbox_busy = 1;
}

static void
on_lease(void *arg, const struct redis_reply *r)
{
    struct serve *s = arg;
    s->lease_busy = 0;
    if (r == NULL || r->type != RR_INT) {
        s->lease = 0;
        return;
    }
    if (r->integer == 2) {
        say("took the sender lease");
        s->autoclaim = 1;
        snprintf(s->claim_cursor, sizeof s->claim_cursor, "0-0");
    }
    s->lease = r->integer != 0;
}

/* ---- the HTTP router ---------------------------------------------------------------- */

static void
on_http(void *arg, const struct httpd_request *req, struct httpd_response *resp)
{
    struct serve *s = arg;
    if (strcmp(req->path, s->st.webhook_path) == 0) {
        on_webhook(s, req, resp);
        return;
    }
    if (strcmp(req->path, "/v1/healthz") == 0) {
        int up = redis_up(s->redis);
        json_answer(resp, up ? 200 : 503,
                    xstrdup(up ? "{\"ok\":true,\"redis\":\"up\"}"
                               : "{\"ok\":false,\"redis\":\"down\"}"));
        return;
    }
    if (strncmp(req->path, "/v1/", 4) != 0) {
        error_answer(resp, 404, "not found", NULL);
        return;
    }
    char sha[65];
    const char *agent = agent_of(s, req, sha);
    if (agent == NULL) {
        error_answer(resp, 401, "a valid Authorization: Bearer token is required", NULL);
        return;
    }
    if (!redis_up(s->redis)) {
        error_answer(resp, 503, "Redis is down", NULL);
        return;
    }
    int get = strcmp(req->method, "GET") == 0, post = strcmp(req->method, "POST") == 0;
    if (get && strcmp(req->path, "/v1/events") == 0) {
        on_events(s, req, resp, agent, sha);
    } else if (get && strcmp(req->path, "/v1/rooms") == 0) {
        const char *argv[] = {"FCALL", "jc_rooms", "0"};
        if (redis_command(s->redis, on_rooms, req->call, 3, argv, NULL) == 0)
            resp->defer = 1;
        else
            error_answer(resp, 503, "Redis is down", NULL);
    } else if (post && strcmp(req->path, "/v1/messages") == 0) {
        on_message_post(s, req, resp, agent);
    } else if (post && strncmp(req->path, "/v1/rooms/", 10) == 0 &&
               strchr(req->path + 10, '/') != NULL) {
        const char *r0 = req->path + 10;
        const char *slash = strchr(r0, '/');
        char *room = xstrndup(r0, (size_t)(slash - r0));
        if (room[0] == '\0' || strchr(slash + 1, '/') != NULL)
            error_answer(resp, 404, "not found", NULL);
        else
            on_room_post(s, req, resp, agent, room, slash + 1);
        free(room);
    } else {
        error_answer(resp, 404, "not found", NULL);
    }
}

/* ---- the loop ----------------------------------------------------------------------- */

static void
on_redis_state(void *arg, int up, const char *why)
{
    struct serve *s = arg;
    if (up) {
        say("Redis is up");
        /* The consumer group exists once; BUSYGROUP afterwards is fine. */
        const char *argv[] = {"XGROUP", "CREATE", TEAM_OUTBOX, TEAM_GROUP, "0", "MKSTREAM"};
        redis_command(s->redis, NULL, NULL, 6, argv, NULL);
        const char *targv[] = {"HGETALL", TEAM_TOKENS};
        if (!s->tokens_busy && redis_command(s->redis, on_tokens, s, 2, targv, NULL) == 0)
            s->tokens_busy = 1;
    } else {
        say("Redis is down: %s", why ? why : "no answer");
        s->lease = 0;
    }
}

static void
tick(void *arg)
{
    struct serve *s = arg;
    loop_after(s->loop, SERVE_TICK_MS, tick, s);
    long long now = clock_mono_ms();
    for (struct client *c = s->clients; c != NULL; c = c->next) {
        if (now - c->last_write >= SERVE_PING_MS) {
            httpd_stream_write(c->call, ": ping\n\n", 8);
            c->last_write = now;
        }
        if (!c->live)
            client_catch_up(c);
    }
    if (!redis_up(s->redis))
        return;
    if (!s->tokens_busy) {
        const char *argv[] = {"HGETALL", TEAM_TOKENS};
        if (redis_command(s->redis, on_tokens, s, 2, argv, NULL) == 0)
            s->tokens_busy = 1;
    }
    if (!s->lease_busy) {
        char ms[16];
        snprintf(ms, sizeof ms, "%d", TEAM_LEASE_MS);
        const char *argv[] = {"FCALL", "jc_lease", "0", s->instance, ms};
        if (redis_command(s->redis, on_lease, s, 5, argv, NULL) == 0)
            s->lease_busy = 1;
    }
    replay_spool(s);
}

static void
on_stop(void *arg, int signo)
{
    (void)arg;
    (void)signo;
    stopping = 1;
}

static const char serve_help[] =
    "Usage: jelou-console serve --redis URL [--listen ADDR:PORT] [--public]\n"
    "                           [--tls-cert PEM --tls-key PEM] [--spool PATH] [options]\n"
    "\n"
    "The team server: receives Jelou's webhook, keeps the team's rooms and messages in\n"
    "Redis, and serves the agents' HTTP API (Bearer tokens from 'jelou-console agent').\n"
    "Two or more instances may share one Redis behind a load balancer.\n"
    "\n"
    "  --redis URL        redis://HOST:PORT[/DB] or unix:///PATH (config [serve] redis)\n"
    "  --listen ADDR:PORT where to listen (config [serve] listen; default 127.0.0.1:8788)\n"
    "  --public           allow a non-loopback --listen address\n"
    "  --tls-cert PEM     serve HTTPS with this certificate (with --tls-key)\n"
    "  --tls-key PEM      its private key (mode 0600)\n"
    "  --spool PATH       where webhooks wait while Redis is down (default\n"
    "                     $XDG_STATE_HOME/jelou-console/serve-spool.jsonl)\n"
    "\n"
    "API: POST /jelou/webhook, GET /v1/events (SSE), GET /v1/rooms, POST /v1/messages,\n"
    "POST /v1/rooms/ROOM/{claim,release,close,note,status,typing,assign}, GET /v1/healthz.\n"
    "See jelou-console(1).\n\n" CLI_COMMON_HELP;

int
cmd_serve(int argc, char **argv)
{
    enum { O_REDIS = OPT_FIRST_COMMAND_OPTION, O_LISTEN, O_PUBLIC, O_CERT, O_KEY, O_SPOOL,
           O_HELP };
    static const struct option longopts[] = {
        CLI_COMMON_LONGOPTS,
        {"redis", required_argument, NULL, O_REDIS},
        {"listen", required_argument, NULL, O_LISTEN},
        {"public", no_argument, NULL, O_PUBLIC},
        {"tls-cert", required_argument, NULL, O_CERT},
        {"tls-key", required_argument, NULL, O_KEY},
        {"spool", required_argument, NULL, O_SPOOL},
        {"help", no_argument, NULL, O_HELP},
        {NULL, 0, NULL, 0},
    };
    struct settings_flags flags = {0};
    const char *redis_url = NULL, *listen = NULL, *cert = NULL, *key = NULL, *spool = NULL;
    int public_listen = 0, opt, first = 1;
    while ((opt = cli_next_option(argc, argv, longopts, &flags, first)) != -1) {
        first = 0;
        switch (opt) {
        case CLI_REFUSED: return EXIT_BADINPUT;
        case O_REDIS: redis_url = optarg; break;
        case O_LISTEN: listen = optarg; break;
        case O_PUBLIC: public_listen = 1; break;
        case O_CERT: cert = optarg; break;
        case O_KEY: key = optarg; break;
        case O_SPOOL: spool = optarg; break;
        case O_HELP: fputs(serve_help, stdout); return EXIT_SENT;
        default: cli_bad_option("serve", argv); return EXIT_BADINPUT;
        }
    }
    if (optind < argc) {
        cli_error("serve: unexpected argument '%s'", argv[optind]);
        return EXIT_BADINPUT;
    }

    struct serve *s = xcalloc(1, sizeof *s);
    int code = EXIT_BADINPUT;
    char *cause = NULL, *addr = NULL, *cert_pem = NULL, *key_pem = NULL;
    unsigned port = 0;
    if (cli_load_settings(&s->st, &flags, 1) != 0)
        goto out;
    if (redis_url == NULL)
        redis_url = s->st.serve_redis;
    if (listen == NULL)
        listen = s->st.serve_listen ? s->st.serve_listen : SETTINGS_DEFAULT_SERVE_LISTEN;
    if (redis_url == NULL) {
        cli_error("serve: no Redis: give --redis redis://HOST:PORT or put redis= in the "
                  "config's [serve] section");
        goto out;
    }
    if (s->st.project == NULL) {
        cli_error("serve: no project id: give --project, set JELOU_PROJECT_ID or put "
                  "project= in the config file");
        goto out;
    }
    if (settings_load_inbound_token(&s->st, &cause) != 0)
        goto fail_cause;
    /* Optional: without it a close only closes the room for the team, not in Jelou. */
    if (settings_load_api_key(&s->st, &cause) != 0 &&
        (s->st.api_key_file != NULL || s->st.api_key_from_env))
        goto fail_cause;
    free(cause);
    cause = NULL;
    if (url_parse_listen(listen, &addr, &port, &cause) != 0)
        goto fail_cause;
    if (!url_host_is_loopback(addr) && !public_listen) {
        cli_error("serve: listening on %s needs --public (and TLS or a reverse proxy in "
                  "front; see README)", listen);
        goto out;
    }
    if ((cert == NULL) != (key == NULL)) {
        cli_error("serve: --tls-cert and --tls-key go together");
        goto out;
    }
    if (cert != NULL) {
        FILE *f = fopen(cert, "r");
        struct buf b = {0};
        char chunk[4096];
        size_t n;
        if (f == NULL) {
            cli_error("serve: cannot read %s: %s", cert, strerror(errno));
            goto out;
        }
        while ((n = fread(chunk, 1, sizeof chunk, f)) > 0)
            buf_append(&b, chunk, n);
        fclose(f);
        cert_pem = buf_take(&b);
        key_pem = settings_read_private_file(key, "TLS key", &cause);
        if (key_pem == NULL)
            goto fail_cause;
    }
    s->spool = spool ? xstrdup(spool)
                     : paths_state_file("serve-spool.jsonl", "the webhook spool", &cause);
    if (s->spool == NULL)
        goto fail_cause;
    s->replaying = xasprintf("%s.replaying", s->spool);

    char *uuid = sign_uuid4();
    snprintf(s->instance, sizeof s->instance, "%s", uuid ? uuid : "instance");
    free(uuid);
    s->inflight = idmap_new();
    s->loop = loop_new();
    struct transport_opts to = {
        .cacert = s->st.cacert,
        .connect_timeout_ms = s->st.connect_timeout_ms,
        .timeout_ms = s->st.timeout_ms,
        .max_attempts = s->st.attempts,
        .backoff_ms = 500,
        .backoff_max_ms = 8000,
    };
    s->t = transport_new(&to, &cause);
    if (s->t == NULL)
        goto fail_cause;
    transport_attach(s->t, s->loop);
    struct outbox_opts oo = {
        .endpoint = s->st.endpoint,
        .secret = s->st.secret,
        .max_attempts = s->st.attempts,
        .parallel = SETTINGS_DEFAULT_PARALLEL,
    };
    s->ob = outbox_new(s->t, &oo, on_outbox_change, s);
    struct redis_opts ro = {.url = redis_url, .functions = team_functions,
                            .on_state = on_redis_state, .arg = s};
    s->redis = redis_new(s->loop, &ro, &cause);
    if (s->redis == NULL)
        goto fail_cause;
    struct httpd_opts ho = {.addr = addr, .port = port, .tls_cert_pem = cert_pem,
                            .tls_key_pem = key_pem, .timeout_s = 60};
    s->httpd = httpd_new(s->loop, &ho, on_http, s, &cause);
    if (s->httpd == NULL) {
        code = EXIT_NETWORK;
        goto fail_cause;
    }
    loop_on_signal(s->loop, SIGTERM, on_stop, s);
    loop_on_signal(s->loop, SIGINT, on_stop, s);
    signal(SIGPIPE, SIG_IGN);
    printf("serve: listening on %s://%s%s%s:%u\n", cert ? "https" : "http",
           strchr(addr, ':') ? "[" : "", addr, strchr(addr, ':') ? "]" : "",
           httpd_port(s->httpd));
    fflush(stdout);
    say("instance %s", s->instance);
    loop_after(s->loop, SERVE_POLL_MS, poll_events, s);
    loop_after(s->loop, 0, tick, s);

    while (!stopping) {
        pump_outbox(s);
        if (outbox_flush(s->ob, &cause) != 0) {
            say("%s", cause);
            free(cause);
            cause = NULL;
        }
        loop_run_once(s->loop, 200);
    }
    if (s->lease && redis_up(s->redis)) {
        /* Hand the lease over now rather than after it expires. */
        int done = 0;
        const char *argv2[] = {"FCALL", "jc_unlease", "0", s->instance};
        redis_command(s->redis, NULL, NULL, 4, argv2, NULL);
        redis_wait(s->redis, s->loop, &done, 100);
    }
    code = EXIT_SENT;
    goto out;

fail_cause:
    cli_error("serve: %s", cause ? cause : "failed");
out:
    free(cause);
    /* Redis first: its pending callbacks still answer their deferred requests. */
    redis_free(s->redis);
    httpd_free(s->httpd);
    outbox_free(s->ob);
    transport_free(s->t);
    loop_free(s->loop);
    /* In flight or waiting to report: still pending in the group, taken over later. */
    while (s->jobs != NULL)
        job_free(s->jobs);
    idmap_free(s->inflight);
    tokens_free(s->tokens);
    free(s->spool);
    free(s->replaying);
    free(addr);
    free(cert_pem);
    if (key_pem != NULL) {
        explicit_bzero(key_pem, strlen(key_pem));
        free(key_pem);
    }
    settings_clear(&s->st);
    free(s);
    return code;
}
