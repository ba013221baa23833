/* The team server's event streams (SSE): resume, catch-up, the shared poll, pings. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "jelou/clock.h"
#include "jelou/httpd.h"
#include "jelou/loop.h"
#include "jelou/record.h"
#include "jelou/redis.h"
#include "jelou/team.h"
#include "jelou/xalloc.h"

#include "serve.h"

/* ---- events (SSE) ------------------------------------------------------------------- */

static void
client_write_entry(struct client *c, const struct redis_reply *entry)
{
    const char *id = serve_str(redis_elem(entry, 0));
    const struct redis_reply *f = redis_elem(entry, 1);
    if (id == NULL)
        return;
    if (team_id_cmp(id, c->cursor) <= 0)
        return;
    const char *kind = serve_hash_get(f, "kind");
    const char *data = serve_hash_get(f, "data");
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
    const char *first = serve_str(redis_elem(r, 0));
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

void
serve_events(struct serve *s, const struct httpd_request *req, struct httpd_response *resp,
             const char *agent, const char *sha)
{
    const char *last = httpd_header(req, "Last-Event-ID");
    if (last != NULL && !team_id_valid(last)) {
        serve_error_answer(resp, 422, "Last-Event-ID is not a stream id (MS-SEQ)",
                           "Last-Event-ID");
        return;
    }
    if (last == NULL && !s->tail_known) {
        serve_error_answer(resp, 503, "the event stream is not ready yet", NULL);
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
    const char *id = serve_str(redis_elem(r->elem[r->n - 1], 0));
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
    const char *id = r->n > 0 ? serve_str(redis_elem(r->elem[0], 0)) : "0-0";
    if (id == NULL)
        return;
    snprintf(s->tail, sizeof s->tail, "%s", id);
    s->tail_known = 1;
}

void
serve_poll_events(void *arg)
{
    struct serve *s = arg;
    loop_after(s->loop, SERVE_POLL_MS, serve_poll_events, s);
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

/* Every tick: a comment on a stream idle for SERVE_PING_MS, and catch-up for the rest. */
void
serve_events_tick(struct serve *s)
{
    long long now = clock_mono_ms();
    for (struct client *c = s->clients; c != NULL; c = c->next) {
        if (now - c->last_write >= SERVE_PING_MS) {
            httpd_stream_write(c->call, ": ping\n\n", 8);
            c->last_write = now;
        }
        if (!c->live)
            client_catch_up(c);
    }
}
